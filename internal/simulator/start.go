package simulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Starting operations on the CPP side, as cpp-publishing.md describes them:
// publish and go-live each make a new operation with its own id, one
// operation at a time per offer, and a publish the offer fails validation
// for is refused with 422 before anything exists.

// The submissionType of an operation in the operations list.
const (
	kindPublish = "publish"
	kindGoLive  = "golive"
)

// The details of the "invalid" scenario's 422, one per validation error.
const (
	InvalidPlanMessage    = "Plan contoso-gen2: no VM image is configured."
	InvalidListingMessage = "The offer's summary must be at most 100 characters."
)

// InvalidMessages are the messages of the "invalid" scenario's 422 details,
// in the order the body lists them.
func InvalidMessages() []string { return []string{InvalidPlanMessage, InvalidListingMessage} }

// noSignoffMessage is go-live's 400 when nothing waits for sign-off.
const noSignoffMessage = "The offer has no publish awaiting sign-off to make live."

// WithDropAfterStart drops the connection of the first start request
// (publish, go-live, configure) once the API has accepted it and made the
// operation or job, without answering: the client cannot know whether its
// start took, and must find out rather than start again blindly.
func WithDropAfterStart() Option { return func(s *Server) { s.dropAfterStart = true } }

// Operation is the id of offer's current operation (finished or not) as its
// Location names it: the GUID, or the legacy key of a non-migrated offer;
// "" when none is under way or was started.
func (s *Server) Operation(offer string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.plays[offer]
	switch {
	case p == nil || p.idle:
		return ""
	case s.isLegacy(offer):
		return LegacyKey(offer)
	}
	return p.id
}

// finished reports whether the operation has ended: its current status is
// completed, succeeded, failed or canceled. Sign-off is still running.
func (p *play) finished() bool {
	if p.canceled {
		return true
	}
	switch strings.ToLower(p.current().Status) {
	case "completed", "complete", "succeeded", "failed", "canceled", "cancelled":
		return true
	}
	return false
}

// busy reports whether the operation blocks another start: it is under way
// and has not finished.
func (p *play) busy() bool { return p != nil && !p.idle && !p.finished() }

// atSignoff reports whether the operation waits for publisher sign-off, as
// SUSE's client detects it: the publisher-signoff step waitingForPublisherReview.
func (p *play) atSignoff() bool {
	if !p.busy() {
		return false
	}
	for _, st := range p.current().Steps {
		if st.ID == "publisher-signoff" && strings.EqualFold(st.Status, "waitingForPublisherReview") {
			return true
		}
	}
	return false
}

// goLiveScenario is what a go-live plays: the "live" scenario's go-live
// frame twice (the live step listed twice, one complete, one running), then
// its last frame, live with its links.
func goLiveScenario() Scenario {
	live, _ := Lookup("live")
	n := len(live.Frames)
	going := live.Frames[n-2]
	going.PreviewLinks = []string{previewLink} // the preview stays up meanwhile
	return Scenario{Name: "golive", Description: "a go-live that makes the offer live", Frames: []wireOperation{going, going, live.Frames[n-1]}}
}

// publish starts a new publish of the offer: 400 on a malformed body, 422
// when the offer fails validation ("invalid"), 409 while another operation
// runs; else a new operation, played from its first frame, replaces the
// offer's (whose id then answers 404).
func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	emails, problem := notificationEmails(r)
	if problem != "" {
		apiError(w, http.StatusBadRequest, "BadRequest", problem)
		return
	}
	offer := r.PathValue("o")
	s.mu.Lock()
	old := s.plays[offer]
	sc, _ := Lookup("publish")
	if old != nil {
		sc = old.origin
	}
	switch {
	case sc.Name == "invalid" || s.invalid:
		s.mu.Unlock()
		invalid(w)
		return
	case old.busy():
		s.mu.Unlock()
		conflict(w, offer)
		return
	}
	p := s.replace(offer, &play{scenario: sc, origin: sc, kind: kindPublish, emails: emails, draft: s.draftCopy(offer)})
	drop := s.dropNow()
	s.mu.Unlock()
	s.accepted(w, offer, p.id, drop)
}

// goLive makes live the publish awaiting sign-off, as a new operation: 400
// when nothing awaits sign-off, 409 while an operation runs short of it.
func (s *Server) goLive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil && strings.TrimSpace(string(body)) != "" {
		var v map[string]any
		err = json.Unmarshal(body, &v)
	}
	if err != nil {
		apiError(w, http.StatusBadRequest, "BadRequest", "The request body must be empty or a JSON object.")
		return
	}
	offer := r.PathValue("o")
	s.mu.Lock()
	old := s.plays[offer]
	switch {
	case !old.busy():
		s.mu.Unlock()
		apiError(w, http.StatusBadRequest, "BadRequest", noSignoffMessage)
		return
	case !old.atSignoff():
		s.mu.Unlock()
		conflict(w, offer)
		return
	}
	p := s.replace(offer, &play{scenario: goLiveScenario(), origin: old.origin, kind: kindGoLive, emails: old.emails})
	drop := s.dropNow()
	s.mu.Unlock()
	s.accepted(w, offer, p.id, drop)
}

// cancel marks the offer's operation canceled and answers 202 with its
// Location; an offer with none gets the default scenario's.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	offer := r.PathValue("o")
	s.mu.Lock()
	p := s.plays[offer]
	if p == nil {
		sc, _ := Lookup("publish")
		p = &play{id: OperationID, scenario: sc, origin: sc, kind: kindPublish}
		s.plays[offer] = p
	}
	s.settle(offer, p) // what it reached stays deployed
	p.canceled, p.idle, p.changed = true, false, time.Now()
	id := p.id
	s.mu.Unlock()
	s.accepted(w, offer, id, false)
}

// replace makes p, with a new id, the offer's operation from now; the
// frames the old one played still count in Polls. The server's mu must be held.
func (s *Server) replace(offer string, p *play) *play {
	if old := s.plays[offer]; old != nil {
		s.settle(offer, old) // what it reached stays deployed
		s.retired += old.frame
	}
	p.id, p.changed = newGUID(), time.Now()
	s.plays[offer] = p
	return p
}

// dropNow reports whether to hang up on this accepted start: the first one
// only, with WithDropAfterStart. The server's mu must be held.
func (s *Server) dropNow() bool {
	if !s.dropAfterStart || s.dropped {
		return false
	}
	s.dropped = true
	return true
}

// hangUp closes the request's connection without an answer; false when the
// connection cannot be taken over (it is then answered as usual).
func hangUp(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// accepted answers 202 with the operation's Location in the offer's form, or
// hangs up when drop is set.
func (s *Server) accepted(w http.ResponseWriter, offer, id string, drop bool) {
	if drop && hangUp(w) {
		return
	}
	if s.isLegacy(offer) {
		w.Header().Set("Location", fmt.Sprintf("/api/operations/%s?api-version=%s", LegacyKey(offer), APIVersion))
	} else {
		w.Header().Set("Location", fmt.Sprintf("/api/publishers/%s/offers/%s/operations/%s?api-version=%s", Publisher, offer, id, APIVersion))
	}
	w.WriteHeader(http.StatusAccepted)
}

// notificationEmails reads a publish body, {"metadata":{"notification-emails":
// "a@x.com,b@y.com"}}, and returns its addresses, or the 400's message.
func notificationEmails(r *http.Request) (emails, problem string) {
	const shape = `{"metadata":{"notification-emails":"a@contoso.com,b@contoso.com"}}`
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	var req struct {
		Metadata struct {
			Emails string `json:"notification-emails"`
		} `json:"metadata"`
	}
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		return "", "The request body is not valid: expected " + shape + "."
	}
	emails = strings.TrimSpace(req.Metadata.Emails)
	if emails == "" {
		return "", "metadata.notification-emails is required: a comma-separated list of e-mail addresses, as in " + shape + "."
	}
	for _, e := range strings.Split(emails, ",") {
		if e = strings.TrimSpace(e); !strings.Contains(e, "@") {
			return "", fmt.Sprintf("metadata.notification-emails: %q is not an e-mail address.", e)
		}
	}
	return emails, ""
}

// conflict is the answer to a start while another operation runs.
func conflict(w http.ResponseWriter, offer string) {
	apiError(w, http.StatusConflict, "Conflict", "Another operation is in progress on offer "+offer+". Wait for it to finish, or cancel it, before starting another.")
}

// invalid is the "invalid" scenario's answer to a publish: 422 with a
// detail per validation error.
func invalid(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{
		"code": "UnprocessableEntity", "message": "The offer failed validation.",
		"details": []map[string]string{
			{"code": "ValidationError", "target": "plans/contoso-gen2", "message": InvalidPlanMessage},
			{"code": "ValidationError", "target": "listing", "message": InvalidListingMessage},
		},
	}})
}
