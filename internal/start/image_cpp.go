package start

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/imageplan"
	"github.com/marketplace-gate/marketplace-gate/internal/imagesource"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
)

// ImageCPP releases an image version on the Cloud Partner Portal API: it
// adds the version under the plan's vmImages in the offer's draft (GET the
// offer, PUT it back with If-Match: the ETag read) and, for start: publish,
// publishes the offer as CPP does and returns that operation to follow.
//
// The PUT changes something: it is sent at most once per ETag read, again
// only while it certainly never reached the API. On a 412 the offer is read
// again and the change re-applied, at most cpp.OfferAttempts PUTs in all.
// After an ambiguous failure it is not sent again: the offer is read to see
// whether the version landed.
//
// Nothing it says, returns or fails with shows a SAS query string, and every
// SAS signature it is given or reads is handed to Mask first.
type ImageCPP struct {
	Client    *cpp.Client
	Publisher string
	Kind      config.Start // StartPublish or StartAddImage
	Emails    string       // notification-emails, for the publish
	DryRun    bool
	APIURL    *url.URL
	// Release is the version to add: PlanID, Version, ImageTypes, a SAS
	// Source (CPP has no gallery source) and IfExists.
	Release imageplan.Release
	// SAS is what the SAS URIs are checked against (Now from the gate's
	// clock).
	SAS imagesource.SASPolicy
	// Mask hides a secret from the log at once (::add-mask::); never nil.
	Mask func(secret string)
}

// Start checks the SAS URIs, reads the offer (draft, preview and live
// slots), decides with imageplan.PrepareCPP, and PUTs and publishes as the
// outcome needs. t names the offer.
func (s *ImageCPP) Start(ctx context.Context, t config.Target, retry poll.Retry) (Result, error) {
	r := &cppImage{ImageCPP: s, send: sender{retry: retry}, t: t, offer: t.OfferID, masked: map[string]bool{}}
	res, err := r.run(ctx)
	res.Said = append(r.said, res.Said...)
	return scrubResult(res), scrubError(err)
}

// cppImage is one run of ImageCPP.Start.
type cppImage struct {
	*ImageCPP
	send   sender
	t      config.Target
	offer  string
	said   []string
	masked map[string]bool
	// preview and live are the offer's slots as read (nil: none), reused
	// when the draft is read again after a 412: they do not change between.
	preview, live []byte
}

func (r *cppImage) run(ctx context.Context) (Result, error) {
	sas := r.Release.Source.SAS
	if sas == nil {
		return Result{}, errors.New("the Cloud Partner Portal API (api: cpp) takes no gallery image: give os-disk-sas-uri (and data-disk-sas-uris) instead of gallery-image-version-id; nothing was sent")
	}
	// The given SAS URIs are secrets before anything else happens.
	for _, uri := range append([]string{sas.OSDisk}, sas.DataDisks...) {
		for _, secret := range imagesource.Secrets(uri) {
			r.mask(secret)
		}
	}
	if err := imagesource.CheckSASDisks(sas.OSDisk, sas.DataDisks, r.SAS); err != nil {
		return Result{}, fmt.Errorf("checking os-disk-sas-uri and data-disk-sas-uris before anything is sent: %w; nothing was sent", err)
	}

	draft, etag, err := r.readOffer(ctx)
	if apihttp.StatusOf(err) == http.StatusNotFound {
		return Result{}, fmt.Errorf("offer-id %q was not found under publisher %s (HTTP 404): check both ids; nothing was sent", r.offer, r.Publisher)
	}
	if err != nil {
		return Result{}, readFailed(fmt.Sprintf("reading offer %s", r.offer), err)
	}
	r.say("GET …/offers/%s: ETag %s%s", r.offer, etag, r.versionsSaid(draft))
	if r.preview, err = r.readSlot(ctx, cpp.SlotPreview); err != nil {
		return Result{}, err
	}
	if r.live, err = r.readSlot(ctx, cpp.SlotProduction); err != nil {
		return Result{}, err
	}
	change, err := r.prepare(draft)
	if err != nil {
		return Result{}, err
	}
	if change.Outcome != imageplan.Add {
		return r.nothingToAdd(ctx, change)
	}

	// One operation at a time: a publish now would be refused after the
	// PUT, leaving the draft changed and nothing published.
	if err := r.refuseIfBusy(ctx); err != nil {
		return Result{}, err
	}
	if r.DryRun {
		return r.dryRun(change, etag)
	}
	return r.put(ctx, change, etag)
}

// prepare checks the release against the draft as read and the slots.
func (r *cppImage) prepare(draft []byte) (*imageplan.CPPChange, error) {
	change, err := imageplan.PrepareCPP(r.Release, imageplan.CPPOffers{Draft: draft, Preview: r.preview, Live: r.live})
	if err != nil {
		return nil, fmt.Errorf("%w (nothing was sent)", err)
	}
	return change, nil
}

// nothingToAdd ends a release whose version the offer already holds with
// this image: published (or only in the draft, for add-image) ends here;
// only in the draft, for publish, publishes the draft as is.
func (r *cppImage) nothingToAdd(ctx context.Context, change *imageplan.CPPChange) (Result, error) {
	img := imageOf(change, r.Publisher)
	if change.Outcome == imageplan.Published || r.Kind != config.StartPublish {
		if r.DryRun {
			// A dry run never ends completed: a later step gating on
			// status completed must not act on one.
			return Result{Plan: "nothing: " + change.Notice(), Image: img}, nil
		}
		return Result{Done: change.Notice(), Image: img}, nil
	}
	r.say("version %s of plan %s is already in the draft of offer %s with this image: no PUT; publishing the draft as is", change.Release.Version, change.Release.PlanID, r.offer)
	return r.publish(ctx, img)
}

// publish runs CPP's publish and says the image it is about.
func (r *cppImage) publish(ctx context.Context, img *Image) (Result, error) {
	p := &CPP{Client: r.Client, Publisher: r.Publisher, Kind: config.StartPublish, Emails: r.Emails, DryRun: r.DryRun, APIURL: r.APIURL}
	res, err := p.Start(ctx, r.t, r.send.retry)
	res.Image = img
	return res, err
}

func (r *cppImage) dryRun(change *imageplan.CPPChange, etag string) (Result, error) {
	v := change.Release
	plan := fmt.Sprintf("PUT …/offers/%s (If-Match: %s) adding version %s to plan %s", r.offer, etag, v.Version, v.PlanID)
	if r.Kind == config.StartPublish {
		plan += fmt.Sprintf(", then POST …/offers/%s/publish with notification-emails %s, then follow the operation its Location names", r.offer, r.Emails)
	} else {
		plan += " in the draft, and nothing more (start: add-image)"
	}
	// Only the entry added is shown: the rest of the offer goes back as
	// read, and may hold credentials of its own (a lead destination's
	// storage connection string) that no log should show.
	luns := []map[string]string{}
	for _, d := range v.Source.SAS.DataDisks {
		luns = append(luns, map[string]string{"lunVhdUrl": imageplan.RedactText(d)})
	}
	entry, err := json.Marshal(map[string]any{v.Version: map[string]any{"osVhdUrl": imageplan.RedactText(v.Source.SAS.OSDisk), "lunVhdDetails": luns}})
	if err != nil {
		return Result{}, fmt.Errorf("dry run: %w", err)
	}
	r.say("Dry run: the PUT would send the offer as read, with this entry added to plan %s's microsoft-azure-virtualmachines.vmImages (SAS query strings redacted): %s", v.PlanID, entry)
	return Result{Plan: plan, Image: imageOf(change, r.Publisher)}, nil
}

// put sends the offer with the version added, with If-Match: the ETag it
// was read with; on 412 it reads again and re-applies. Then it proves the
// version landed and, for start: publish, publishes.
func (r *cppImage) put(ctx context.Context, change *imageplan.CPPChange, etag string) (Result, error) {
	request := fmt.Sprintf("PUT …/offers/%s", r.offer)
	for attempt := 1; ; attempt++ {
		at, tr, err := r.send.change(ctx, func(ctx context.Context) error {
			return r.Client.PutOffer(ctx, r.Publisher, r.offer, change.Offer, etag)
		})
		var stale *cpp.StaleETagError
		switch {
		case err == nil:
			r.say("%s (If-Match: %s) adding version %s to plan %s → 200", request, etag, change.Release.Version, change.Release.PlanID)
			after, _, rerr := r.readOffer(ctx)
			if rerr != nil {
				return Result{}, fmt.Errorf("%s was answered 200, but reading the offer back to prove version %s is in plan %s failed (%w): look at the offer in Partner Center before running again (a run again finds the version in the draft and goes on)", request, change.Release.Version, change.Release.PlanID, rerr)
			}
			if verr := change.Verify(after); verr != nil {
				return Result{}, verr
			}
			r.say("GET …/offers/%s: version %s is in plan %s with the SAS sent", r.offer, change.Release.Version, change.Release.PlanID)
			return r.added(ctx, change, at)
		case errors.As(err, &stale):
			if attempt == cpp.OfferAttempts {
				return Result{}, fmt.Errorf("offer %s changed under each of %d attempts to update it (HTTP 412 each time): someone else keeps editing it; nothing was written: try again later", r.offer, cpp.OfferAttempts)
			}
			body, fresh, rerr := r.readOffer(ctx)
			if rerr != nil {
				return Result{}, readFailed(fmt.Sprintf("%s answered 412 (the offer changed since it was read; nothing was written), and reading offer %s again", request, r.offer), rerr)
			}
			next, perr := r.prepare(body)
			if perr != nil {
				return Result{}, fmt.Errorf("%s answered 412: the offer changed since it was read; read again, it no longer takes the version: %w", request, perr)
			}
			if next.Outcome != imageplan.Add {
				r.say("%s (If-Match: %s) → 412: the offer changed since it was read; read again (ETag %s), it already holds version %s with this image: no PUT", request, etag, fresh, next.Release.Version)
				return r.nothingToAdd(ctx, next)
			}
			r.say("%s (If-Match: %s) → 412: the offer changed since it was read; read it again (ETag %s) and re-applied (try %d of %d)", request, etag, fresh, attempt+1, cpp.OfferAttempts)
			change, etag = next, fresh
			continue
		case unsent(err):
			return Result{}, notSent(ctx, request, tr, err)
		}
		if ierr := interrupted(ctx, err); ierr != nil {
			return Result{}, ierr
		}
		if apihttp.StatusOf(err) != 0 && !ambiguous(err) {
			return Result{}, fmt.Errorf("%s was refused; nothing was written or published: %w", request, err)
		}
		return r.lookAfterLostPut(ctx, change, request, err, at)
	}
}

// lookAfterLostPut: the PUT may or may not have been applied. It is not
// sent again; the offer read again says which.
func (r *cppImage) lookAfterLostPut(ctx context.Context, change *imageplan.CPPChange, request string, putErr error, at time.Time) (Result, error) {
	v := change.Release
	r.say("%s: no usable answer (%v); not sending it again: reading the offer to see whether it was applied", request, putErr)
	after, _, err := r.readOffer(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("%s got no usable answer (%v), and reading offer %s again to see whether it was applied failed (%w): the PUT may have been applied; look at plan %s in Partner Center before running again", request, putErr, r.offer, err, v.PlanID)
	}
	if change.Verify(after) != nil {
		return Result{}, fmt.Errorf("%s got no usable answer (%v), and offer %s read again does not hold version %s in plan %s with the SAS sent: the PUT may not have been applied; look at the offer in Partner Center before running again", request, putErr, r.offer, v.Version, v.PlanID)
	}
	r.say("GET …/offers/%s: version %s is in plan %s with the SAS sent: the PUT was applied", r.offer, v.Version, v.PlanID)
	return r.added(ctx, change, at)
}

// added ends a release whose PUT landed: add-image is done; publish
// publishes the draft.
func (r *cppImage) added(ctx context.Context, change *imageplan.CPPChange, at time.Time) (Result, error) {
	v := change.Release
	img := imageOf(change, r.Publisher)
	if r.Kind != config.StartPublish {
		return Result{At: at, Image: img, Done: fmt.Sprintf("version %s added to plan %s of offer %s in the draft (offer PUT); not published: publish it with start: publish", v.Version, v.PlanID, r.offer)}, nil
	}
	res, err := r.publish(ctx, img)
	if err != nil {
		return res, fmt.Errorf("version %s was added to plan %s in the draft of offer %s (offer PUT), but the publish did not start: %w; a run again finds the version in the draft and publishes it as is", v.Version, v.PlanID, r.offer, err)
	}
	return res, nil
}

// refuseIfBusy refuses while an operation runs on the offer.
func (r *cppImage) refuseIfBusy(ctx context.Context) error {
	var subs []cpp.Submission
	err := r.send.read(ctx, func(ctx context.Context) (err error) {
		subs, err = r.Client.Submissions(ctx, r.Publisher, r.offer)
		return err
	})
	if err != nil {
		return readFailed(fmt.Sprintf("reading the operations of offer %s", r.offer), err)
	}
	if run, ok := cpp.Running(subs); ok {
		return &BusyError{Running: run.Describe(), Way: "Nothing was sent: run this step again once it has ended (gate on it with operation-id: " + run.ID + ")"}
	}
	return nil
}

// readOffer reads the draft with its ETag, on the retry schedule, and masks
// every signature in it: earlier versions' SAS URIs are secrets too.
func (r *cppImage) readOffer(ctx context.Context) (body []byte, etag string, err error) {
	err = r.send.read(ctx, func(ctx context.Context) (err error) {
		body, etag, err = r.Client.Offer(ctx, r.Publisher, r.offer)
		return err
	})
	r.maskBody(body)
	return body, etag, err
}

// readSlot reads what is published to slot; nil when nothing is (404).
func (r *cppImage) readSlot(ctx context.Context, slot string) ([]byte, error) {
	var body []byte
	var found bool
	err := r.send.read(ctx, func(ctx context.Context) (err error) {
		body, found, err = r.Client.Slot(ctx, r.Publisher, r.offer, slot)
		return err
	})
	r.maskBody(body)
	if err != nil {
		// Without it a version's published-ness is unknown: better stop.
		return nil, readFailed(fmt.Sprintf("reading the %s slot of offer %s (what is published there)", slot, r.offer), err)
	}
	if !found {
		r.say("GET …/offers/%s/slot/%s: nothing published there (HTTP 404)", r.offer, slot)
		return nil, nil
	}
	r.say("GET …/offers/%s/slot/%s:%s", r.offer, slot, strings.TrimPrefix(r.versionsSaid(body), ";"))
	return body, nil
}

func (r *cppImage) maskBody(body []byte) {
	for _, sig := range imageplan.Signatures(body) {
		r.mask(sig)
	}
}

// mask hands each secret to Mask once.
func (r *cppImage) mask(secret string) {
	if secret == "" || r.masked[secret] {
		return
	}
	r.masked[secret] = true
	r.Mask(secret)
}

// say adds a line for the log, never with a SAS query string in it.
func (r *cppImage) say(format string, args ...any) {
	r.said = append(r.said, imageplan.RedactText(fmt.Sprintf(format, args...)))
}

// versionsSaid is "; plan P holds versions a, b" for the log: the plan's
// vmImages keys in the order the offer lists them ("" when the offer has no
// such plan, or does not read).
func (r *cppImage) versionsSaid(body []byte) string {
	vs, ok := cppPlanVersions(body, r.Release.PlanID)
	switch {
	case !ok:
		return ""
	case len(vs) == 0:
		return fmt.Sprintf("; plan %s holds no versions", r.Release.PlanID)
	}
	return fmt.Sprintf("; plan %s holds versions %s", r.Release.PlanID, strings.Join(vs, ", "))
}

// cppPlanVersions are the keys of plan planID's vmImages, in document order.
func cppPlanVersions(body []byte, planID string) ([]string, bool) {
	var doc struct {
		Definition struct {
			Plans []map[string]json.RawMessage `json:"plans"`
		} `json:"definition"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil, false
	}
	for _, p := range doc.Definition.Plans {
		var id string
		if json.Unmarshal(p["planId"], &id) != nil || !strings.EqualFold(id, planID) {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(p["microsoft-azure-virtualmachines.vmImages"]))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, true // absent or null: none
		}
		var out []string
		for dec.More() {
			tok, err := dec.Token()
			key, isKey := tok.(string)
			var skip json.RawMessage
			if err != nil || !isKey || dec.Decode(&skip) != nil {
				break
			}
			out = append(out, key)
		}
		return out, true
	}
	return nil, false
}

func imageOf(c *imageplan.CPPChange, publisher string) *Image {
	return &Image{Version: c.Release.Version, SKUIDs: c.SKUIDs, URNs: c.URNs(publisher)}
}

// scrubResult is res with no SAS query string in anything a person reads.
func scrubResult(res Result) Result {
	for i, l := range res.Said {
		res.Said[i] = imageplan.RedactText(l)
	}
	for i, l := range res.Warnings {
		res.Warnings[i] = imageplan.RedactText(l)
	}
	res.Plan = imageplan.RedactText(res.Plan)
	res.Done = imageplan.RedactText(res.Done)
	res.Unsure = imageplan.RedactText(res.Unsure)
	return res
}

// scrubError cleans err's text, and the texts of a refusal that the gate
// shows on their own (a 422's reasons, what runs), of SAS query strings:
// an API's answer may quote a VHD's URL.
func scrubError(err error) error {
	if err == nil {
		return nil
	}
	var rej *RejectedError
	if errors.As(err, &rej) {
		for i, m := range rej.Messages {
			rej.Messages[i] = imageplan.RedactText(m)
		}
		rej.Err = imageplan.RedactError(rej.Err)
	}
	var busy *BusyError
	if errors.As(err, &busy) {
		busy.Running, busy.Way = imageplan.RedactText(busy.Running), imageplan.RedactText(busy.Way)
	}
	return imageplan.RedactError(err)
}
