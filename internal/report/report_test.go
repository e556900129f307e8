package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

type runner struct {
	out             bytes.Buffer
	output, summary string
	rep             *Reporter
}

func newRunner(t *testing.T, annotate config.Annotate) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{output: filepath.Join(dir, "output"), summary: filepath.Join(dir, "summary")}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": r.output, "GITHUB_STEP_SUMMARY": r.summary}
	r.rep = New(WithWriter(&r.out), WithGetenv(func(k string) string { return env[k] }), WithAnnotate(annotate))
	return r
}

func msg(level, html string) snapshot.Message {
	return snapshot.Message{Level: level, HTML: html, Timestamp: "2026-11-21T09:00:00Z"}
}

func TestAnnotationsOncePerMessageAcrossPolls(t *testing.T) {
	r := newRunner(t, config.AnnotateWarning)
	op := &snapshot.Operation{Status: "running", Steps: []snapshot.Step{{
		ID: "displaycertify", Name: "Certification", Status: "running",
		Messages: []snapshot.Message{msg("warning", "Plan <b>gen1</b> is &quot;old&quot;"), msg("information", "Scanning"), msg("error", "Bad VHD")},
	}}}
	r.rep.Snapshot(op, 1)
	r.rep.Snapshot(op, 2)
	op.Steps[0].Messages[1].Timestamp = "later" // the same text re-stamped is not a new message
	r.rep.Snapshot(op, 3)

	cmds := runnertest.Commands(r.out.String())
	var annotations []runnertest.Command
	for _, c := range cmds {
		if c.Name == "warning" || c.Name == "error" || c.Name == "notice" {
			annotations = append(annotations, c)
		}
	}
	if len(annotations) != 2 {
		t.Fatalf("annotations = %+v; want one error and one warning", annotations)
	}
	if a := annotations[0]; a.Name != "error" || a.Message != "Bad VHD" {
		t.Errorf("first annotation = %+v; want the error first", a)
	}
	if a := annotations[1]; a.Name != "warning" || a.Message != `Plan gen1 is "old"` || a.Properties["title"] != "Certification" {
		t.Errorf("warning = %+v; want HTML rendered and titled with the step", a)
	}
	if n := strings.Count(r.out.String(), "Scanning"); n != 1 {
		t.Errorf("the information message is logged %d times; want once, as a plain line", n)
	}
	if n := strings.Count(r.out.String(), "Certification: running, 0%"); n != 1 {
		t.Errorf("the unchanged step is logged %d times; want once", n)
	}
}

func TestAnnotateThresholds(t *testing.T) {
	for _, tc := range []struct {
		annotate config.Annotate
		want     []string
	}{
		{config.AnnotateNone, nil},
		{config.AnnotateError, []string{"error"}},
		{config.AnnotateWarning, []string{"error", "warning"}},
		{config.AnnotateInformation, []string{"error", "warning", "notice"}},
	} {
		r := newRunner(t, tc.annotate)
		r.rep.Snapshot(&snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "s", Status: "running",
			Messages: []snapshot.Message{msg("information", "msg-i"), msg("warning", "msg-w"), msg("error", "msg-e")}}}}, 1)
		var got []string
		for _, c := range runnertest.Commands(r.out.String()) {
			if c.Name != "debug" {
				got = append(got, c.Name)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("annotate %v: %v; want %v", tc.annotate, got, tc.want)
		}
		for _, text := range []string{"msg-i", "msg-w", "msg-e"} { // all in the log, annotated or not
			if !strings.Contains(r.out.String(), text) {
				t.Errorf("annotate %v: message %q missing from the log", tc.annotate, text)
			}
		}
	}
}

// TestBlockedOrRejectedStepMessagesAreErrors: Blocked and Rejected end a
// publish, so a step's messages in either state are what the user must fix,
// whatever their level; both states are documented, never "unknown".
func TestBlockedOrRejectedStepMessagesAreErrors(t *testing.T) {
	for status, text := range map[string]string{
		"blocked":  "No virtual machine image was found for the plan contoso.",
		"Rejected": "The offer does not meet policy 100.1.3.",
	} {
		r := newRunner(t, config.AnnotateError)
		r.rep.Snapshot(&snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "displaycertify", Name: "Certification", Status: status,
			Messages: []snapshot.Message{msg("information", text)}}}}, 1)
		cmds := runnertest.Commands(r.out.String())
		if len(cmds) < 1 || cmds[len(cmds)-1].Name != "error" || cmds[len(cmds)-1].Message != text {
			t.Errorf("%s: commands = %+v", status, cmds)
		}
		if strings.Contains(r.out.String(), "Unknown status") {
			t.Errorf("%s is a documented state:\n%s", status, r.out.String())
		}
	}
}

// TestTwoLiveSteps: during a go-live the API lists two "live" steps, one
// complete and one running. Each keeps its own line (no flapping between
// them every poll), and the steps output keeps both.
func TestTwoLiveSteps(t *testing.T) {
	r := newRunner(t, config.AnnotateWarning)
	op := &snapshot.Operation{Status: "running", Steps: []snapshot.Step{
		{ID: "live", Name: "Live", Status: "complete", ProgressPercentage: 100},
		{ID: "live", Name: "Live", Status: "running", ProgressPercentage: 40},
	}}
	for poll := 1; poll <= 3; poll++ {
		r.rep.Snapshot(op, poll)
	}
	log := r.out.String()
	if strings.Count(log, "Live: completed, 100%") != 1 || strings.Count(log, "Live: running, 40%") != 1 {
		t.Errorf("each live step should be logged once:\n%s", log)
	}
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.Running, Operation: op, Polls: 3}); err != nil {
		t.Fatal(err)
	}
	outs, err := runnertest.Outputs(r.output)
	if err != nil {
		t.Fatal(err)
	}
	var steps []StepOut
	if err := json.Unmarshal([]byte(outs["steps"]), &steps); err != nil || len(steps) != 2 || steps[0].Status != "completed" || steps[1].Status != "running" {
		t.Errorf("steps = %+v, %v; want both live steps", steps, err)
	}
	summary, _ := os.ReadFile(r.summary)
	if !strings.Contains(string(summary), "| Live | completed | 100% |") || !strings.Contains(string(summary), "| Live | running | 40% |") {
		t.Errorf("summary should show both live steps:\n%s", summary)
	}
}

func TestNoCommandInjection(t *testing.T) {
	r := newRunner(t, config.AnnotateInformation)
	hostile := []string{
		"line\n::error::injected from a newline",
		"  ::warning::leading spaces",
		"%0A::error::encoded newline",
		"legacy ##[error]form anywhere",
		"<script>alert(1)</script><img src=x onerror=alert(2)>::set-output name=x::y",
		"\r::error::carriage return",
	}
	var msgs []snapshot.Message
	for _, h := range hostile {
		msgs = append(msgs, msg("error", h), msg("information", h+" info"))
	}
	op := &snapshot.Operation{Status: "running\n::error::status", Steps: []snapshot.Step{
		{ID: "s\n::error::id", Name: "Name\n::error::title", Status: "weird\n::error::x", EstimatedTimeFrame: "##[error]eta", Messages: msgs},
		{ID: "first", Name: "  ::error::a step line starting with a command", Status: "running"},
	}}
	r.rep.Snapshot(op, 1)
	r.rep.Retrying(errors.New("proxy said\n::error::boom ##[error]x"), time.Second)
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.Failed, FailedStep: "s\n::error::id", Operation: op}); err != nil {
		t.Fatal(err)
	}
	cmds := runnertest.Commands(r.out.String())
	for _, c := range cmds {
		switch c.Name {
		case "legacy":
			t.Errorf("a legacy ##[ command got through: %q", c.Message)
		case "error", "warning", "notice":
			if c.Properties["title"] == "" { // every annotation of ours has a title
				t.Errorf("a log line became an annotation: %+v", c)
			}
			fallthrough
		case "debug":
			if strings.Contains(c.Message, "\n") || strings.Contains(c.Properties["title"], "\n") {
				t.Errorf("an annotation spans lines: %+v", c)
			}
		default:
			t.Errorf("unexpected command %q: %+v", c.Name, c)
		}
	}
	// Each hostile error message is one annotation, not more.
	errorsSeen := 0
	for _, c := range cmds {
		if c.Name == "error" && c.Properties["title"] != "marketplace-gate" && !strings.HasPrefix(c.Message, "Unknown status") {
			errorsSeen++
		}
	}
	if errorsSeen != len(hostile) {
		t.Errorf("%d error annotations for %d hostile messages", errorsSeen, len(hostile))
	}
	outs, err := runnertest.Outputs(r.output)
	if err != nil {
		t.Fatalf("outputs unreadable: %v", err)
	}
	if len(outs) != 16 {
		t.Errorf("outputs = %d; want 16 (no output was forged)", len(outs))
	}
	summary, _ := os.ReadFile(r.summary)
	for _, bad := range []string{"<script", "<img", "](javascript", "\n::"} {
		if strings.Contains(string(summary), bad) {
			t.Errorf("summary contains %q", bad)
		}
	}
}

func TestMaskAndScrub(t *testing.T) {
	r := newRunner(t, config.AnnotateInformation)
	r.rep.Mask("tok-SECRET-123")
	r.rep.Mask("tok-SECRET-123")
	r.rep.Snapshot(&snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "s", Status: "running",
		Messages: []snapshot.Message{msg("error", "server echoed tok-SECRET-123")}}}}, 1)
	_ = r.rep.Finish(verdict.Verdict{Status: verdict.Error, Err: errors.New("bearer tok-SECRET-123 refused")})
	cmds := runnertest.Commands(r.out.String())
	if cmds[0].Name != "add-mask" || cmds[0].Message != "tok-SECRET-123" {
		t.Fatalf("first command = %+v; want the mask", cmds[0])
	}
	rest := strings.SplitN(r.out.String(), "\n", 2)[1]
	summary, _ := os.ReadFile(r.summary)
	outputs, _ := os.ReadFile(r.output)
	for name, text := range map[string]string{"log": rest, "summary": string(summary), "outputs": string(outputs)} {
		if strings.Contains(text, "tok-SECRET-123") {
			t.Errorf("the secret reached the %s", name)
		}
	}
	if strings.Count(r.out.String(), "add-mask") != 1 {
		t.Errorf("a secret should be masked once")
	}
}

func TestOutputs(t *testing.T) {
	r := newRunner(t, config.AnnotateWarning)
	op := &snapshot.Operation{Status: "running", PreviewLinks: snapshot.Links{"https://preview.example/a(b)", "javascript:alert(1)"}, Steps: []snapshot.Step{
		{ID: "displaycertify", Name: "Certification", Status: "complete", ProgressPercentage: 100, EstimatedTimeFrame: "< 5 day", Messages: []snapshot.Message{msg("warning", "a\nb")}},
		{ID: "publisher-signoff", Name: "Publisher signoff", Status: "waitingForPublisherReview"},
	}}
	err := r.rep.Finish(verdict.Verdict{Status: verdict.AwaitingSignoff, OperationID: "5a63deb5-925b-4ee0-938b-7c86fbf287c5", OfferID: "contoso-vm", Operation: op, Polls: 7, Elapsed: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := runnertest.Outputs(r.output)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"status": "awaiting-signoff", "operation-id": "5a63deb5-925b-4ee0-938b-7c86fbf287c5", "offer-id": "contoso-vm",
		"blocked-step": "", "failed-step": "", "submission-id": "", "polls": "7", "elapsed-seconds": "90",
		"preview-links": `["https://preview.example/a%28b%29"]`, "live-links": `[]`,
	}
	for k, v := range want {
		if outs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outs[k], v)
		}
	}
	var steps []StepOut
	if err := json.Unmarshal([]byte(outs["steps"]), &steps); err != nil {
		t.Fatalf("steps is not JSON: %v", err)
	}
	if len(steps) != 2 || steps[0].Status != "completed" || steps[0].Progress != 100 || steps[0].EstimatedTime != "< 5 day" ||
		steps[0].Messages[0] != (MessageOut{Level: "warning", Text: "a b", Timestamp: "2026-11-21T09:00:00Z"}) || steps[1].Status != "waitingForPublisherReview" {
		t.Errorf("steps = %+v", steps)
	}
	summary, _ := os.ReadFile(r.summary)
	for _, part := range []string{"awaiting-signoff", "| Certification | completed | 100% |", "### Preview links", "(https://preview.example/a%28b%29)"} {
		if !strings.Contains(string(summary), part) {
			t.Errorf("summary lacks %q:\n%s", part, summary)
		}
	}
}

// TestAnnotationCapKeepsTheImportant floods one snapshot with errors and
// warnings: the gate annotates ten at most, so the blocked step's messages
// must come first, and the verdict must still get its slot.
func TestAnnotationCapKeepsTheImportant(t *testing.T) {
	r := newRunner(t, config.AnnotateWarning)
	var noise, blocked []snapshot.Message
	for i := range 25 {
		noise = append(noise, msg("error", "noise "+strconv.Itoa(i)), msg("warning", "chatter "+strconv.Itoa(i)))
		blocked = append(blocked, msg("warning", "fix me "+strconv.Itoa(i)))
	}
	op := &snapshot.Operation{Status: "running", Steps: []snapshot.Step{
		{ID: "noisy", Status: "running", Messages: noise},
		{ID: "cert", Name: "Certification", Status: "blocked", Messages: blocked},
	}}
	r.rep.Snapshot(op, 1)
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.Blocked, BlockedStep: "cert", Operation: op}); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var errs []string
	for _, c := range runnertest.Commands(r.out.String()) {
		count[c.Name]++
		if c.Name == "error" {
			errs = append(errs, c.Message)
		}
	}
	if count["error"] != maxAnnotations || count["warning"] != 0 {
		t.Fatalf("annotations per kind = %v; want %d errors (verdict included) and no warning: errors first, %d in all", count, maxAnnotations, maxAnnotations)
	}
	for i, text := range errs[:maxAnnotations-1] {
		if !strings.HasPrefix(text, "fix me ") {
			t.Errorf("error annotation %d is %q; the blocked step's messages must come first", i, text)
		}
	}
	if last := errs[len(errs)-1]; !strings.Contains(last, "is blocked") {
		t.Errorf("the last error annotation is %q; want the verdict", last)
	}
	for _, text := range []string{"noise 24", "chatter 24", "fix me 24", "more messages than the gate annotates"} {
		if !strings.Contains(r.out.String(), text) {
			t.Errorf("the log lacks %q", text)
		}
	}
}

// TestAnnotationShareKeepsLaterErrors: warnings of early polls may take half
// of the message slots, so a later poll's errors still show, and the verdict.
func TestAnnotationShareKeepsLaterErrors(t *testing.T) {
	r := newRunner(t, config.AnnotateInformation)
	var warnings, errs []snapshot.Message
	for i := range 20 {
		warnings = append(warnings, msg("warning", "early "+strconv.Itoa(i)), msg("information", "note "+strconv.Itoa(i)))
		errs = append(errs, msg("error", "late "+strconv.Itoa(i)))
	}
	r.rep.Snapshot(&snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "s", Status: "running", Messages: warnings}}}, 1)
	op := &snapshot.Operation{Status: "failed", Steps: []snapshot.Step{{ID: "s", Status: "failed", Messages: append(warnings, errs...)}}}
	r.rep.Snapshot(op, 2)
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.Failed, FailedStep: "s", Operation: op}); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range runnertest.Commands(r.out.String()) {
		count[c.Name]++
	}
	slots := maxAnnotations - 1
	if count["warning"]+count["notice"] != slots/2 || count["error"] != slots-slots/2+1 {
		t.Errorf("annotations = %v; want %d warnings and notices, and the rest errors, the verdict included", count, slots/2)
	}
}

// TestManyVerdictsShareTheSlots: with more offers than verdict slots, those
// that did not pass come first, and one annotation sums up the rest; the
// gate stays within its share, messages included.
func TestManyVerdictsShareTheSlots(t *testing.T) {
	r := newRunner(t, config.AnnotateInformation)
	var vs []verdict.Verdict
	for i := range 12 {
		offer := fmt.Sprintf("offer-%02d", i)
		s := r.rep.Subject(offer)
		op := &snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "cert", Name: "Certification", Status: "blocked", Messages: []snapshot.Message{msg("error", "no image "+offer)}}}}
		s.Snapshot(op, 1)
		v := verdict.Verdict{Status: verdict.Blocked, BlockedStep: "cert", OfferID: offer, Operation: op}
		if i%3 == 0 {
			v = verdict.Verdict{Status: verdict.Completed, OfferID: offer}
		}
		vs = append(vs, v)
	}
	if err := r.rep.Finish(vs...); err != nil {
		t.Fatal(err)
	}
	var annotations []runnertest.Command
	for _, c := range runnertest.Commands(r.out.String()) {
		if c.Name == "error" || c.Name == "notice" {
			annotations = append(annotations, c)
		}
	}
	if len(annotations) != maxAnnotations {
		t.Fatalf("%d annotations; want %d:\n%s", len(annotations), maxAnnotations, r.out.String())
	}
	verdicts := annotations[maxAnnotations-maxVerdicts:]
	for _, c := range verdicts[:maxVerdicts-1] {
		if c.Name != "error" || !strings.Contains(c.Message, "is blocked") {
			t.Errorf("verdict annotation %+v; want the blocked offers first", c)
		}
	}
	sum := verdicts[maxVerdicts-1]
	if sum.Name != "error" || !strings.HasPrefix(sum.Message, "8 more offers; blocked: offer-07, offer-08, offer-10, offer-11; completed: offer-00, offer-03, offer-06, offer-09.") {
		t.Errorf("the last annotation is %+v; want the rest summed up", sum)
	}
	for _, v := range vs { // every verdict in the log, as an annotation or a line
		if !strings.Contains(r.out.String(), "::error title="+v.OfferID+"::") && !strings.Contains(r.out.String(), "::notice title="+v.OfferID+"::") && !strings.Contains(r.out.String(), "\n"+v.OfferID+": ") {
			t.Errorf("the log lacks %s's verdict", v.OfferID)
		}
	}
}

// TestAnnotationLength: the runner cuts a message past 4096 UTF-16 units (in
// the log too), counted as decoded, so every annotation is cut within it at a
// rune, the start kept, and the log then has the message whole.
func TestAnnotationLength(t *testing.T) {
	r := newRunner(t, config.AnnotateInformation)
	// Under the 4000 characters kept of a server text, over 4096 units: 😀 is
	// two, and % is three bytes in the command encoding, one unit decoded.
	long := "Start. " + strings.Repeat("😀😀😀 100% ", 350) + "END"
	name := "Cert " + strings.Repeat("é", 1000)
	op := &snapshot.Operation{Status: "failed", Error: snapshot.ErrorText(long), Steps: []snapshot.Step{{ID: "s", Name: name, Status: "failed", Messages: []snapshot.Message{msg("error", long), msg("warning", long+" again")}}}}
	r.rep.Snapshot(op, 1)
	r.rep.Warn(long)
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.Failed, FailedStep: "s", Operation: op}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range runnertest.Commands(r.out.String()) {
		if c.Name == "debug" || c.Name == "add-mask" {
			continue
		}
		n++
		if u := len(utf16.Encode([]rune(c.Message))); u > maxAnnotationUnits || u < maxAnnotationUnits-1 {
			t.Errorf("%s annotation of %d UTF-16 units; want it cut within %d", c.Name, u, maxAnnotationUnits)
		}
		if !strings.HasSuffix(c.Message, "…") || !utf8.ValidString(c.Message) {
			t.Errorf("%s annotation does not end in an ellipsis at a rune: %q", c.Name, c.Message[len(c.Message)-20:])
		}
		if u := len(utf16.Encode([]rune(c.Properties["title"]))); u > maxTitleUnits {
			t.Errorf("title of %d UTF-16 units", u)
		}
	}
	if n != 4 {
		t.Errorf("%d annotations; want 4", n)
	}
	verdictLine := "The publish failed at step Cert éé"
	if !strings.Contains(r.out.String(), "::error title=marketplace-gate::"+verdictLine) || !strings.Contains(r.out.String(), "…: Start. 😀😀😀 100%25") {
		t.Errorf("the verdict should name the step, cut, and keep the start of the error:\n%.3000s", r.out.String())
	}
	if c := strings.Count(r.out.String(), "END"); c != 4 {
		t.Errorf("the log has the message's tail %d times; want every cut message whole in the log once", c)
	}
}

func TestUnwritableFilesAreErrorsNotPanics(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": "/nonexistent/dir/output", "GITHUB_STEP_SUMMARY": "/nonexistent/dir/summary"}
	rep := New(WithWriter(&out), WithGetenv(func(k string) string { return env[k] }))
	err := rep.Finish(verdict.Verdict{Status: verdict.Completed})
	if err == nil || !strings.Contains(err.Error(), "GITHUB_OUTPUT") || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlainOutsideRunner(t *testing.T) {
	var out bytes.Buffer
	rep := New(WithWriter(&out), WithGetenv(func(string) string { return "" }))
	rep.Mask("secret-value")
	rep.Snapshot(&snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "s", Name: "Certification", Status: "blocked", Messages: []snapshot.Message{msg("error", "No image")}}}}, 1)
	_ = rep.Finish(verdict.Verdict{Status: verdict.Blocked, BlockedStep: "s"})
	if cmds := runnertest.Commands(out.String()); len(cmds) != 0 {
		t.Fatalf("workflow commands outside the runner: %+v", cmds)
	}
	if !strings.Contains(out.String(), "Certification: error: No image") {
		t.Fatalf("log:\n%s", out.String())
	}
}

func TestAnnotateNoneMeansNoAnnotations(t *testing.T) {
	r := newRunner(t, config.AnnotateNone)
	r.rep.Snapshot(&snapshot.Operation{Status: "Exploding", Steps: []snapshot.Step{{ID: "s", Status: "blocked", Messages: []snapshot.Message{msg("error", "bad")}}}}, 1)
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.Blocked, BlockedStep: "s"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range runnertest.Commands(r.out.String()) {
		if c.Name != "debug" {
			t.Errorf("annotate none, yet %+v", c)
		}
	}
	for _, want := range []string{"Unknown status", "s: error: bad", "is blocked"} {
		if !strings.Contains(r.out.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, r.out.String())
		}
	}
}

func TestSummaryKeepsEveryMessageOutputCapsThem(t *testing.T) {
	r := newRunner(t, config.AnnotateNone)
	var msgs []snapshot.Message
	for i := range maxOutputMessages + 5 {
		msgs = append(msgs, msg("information", "note"+strconv.Itoa(i)))
	}
	op := &snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "s", Name: "Certification", Status: "running", Messages: msgs}}}
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.TimedOut, Operation: op}); err != nil {
		t.Fatal(err)
	}
	outs, err := runnertest.Outputs(r.output)
	if err != nil {
		t.Fatal(err)
	}
	var steps []StepOut
	if err := json.Unmarshal([]byte(outs["steps"]), &steps); err != nil || len(steps[0].Messages) != maxOutputMessages {
		t.Fatalf("steps output holds %d messages (%v); want the cap %d", len(steps[0].Messages), err, maxOutputMessages)
	}
	summary, _ := os.ReadFile(r.summary)
	if last := "note" + strconv.Itoa(maxOutputMessages+4); !strings.Contains(string(summary), last) {
		t.Fatalf("the summary lacks %s: it must keep every message", last)
	}
}

// TestRunawayOperationStaysInsideRunnerLimits: thousands of steps with long
// messages must not push the summary past the runner's 1 MiB (it would be
// dropped whole) nor the steps output past its budget, and both stay valid.
func TestRunawayOperationStaysInsideRunnerLimits(t *testing.T) {
	r := newRunner(t, config.AnnotateWarning)
	long := strings.Repeat("x", 900)
	op := &snapshot.Operation{Status: "running", PreviewLinks: snapshot.Links{"https://example.com/preview"}}
	for i := range 3000 {
		s := snapshot.Step{ID: "s" + strconv.Itoa(i), Name: "Step " + strconv.Itoa(i), Status: "running"}
		for j := range 5 {
			s.Messages = append(s.Messages, msg("warning", long+strconv.Itoa(i*5+j)))
		}
		op.Steps = append(op.Steps, s)
	}
	r.rep.Snapshot(op, 1)
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.TimedOut, Operation: op}); err != nil {
		t.Fatal(err)
	}
	summary, _ := os.ReadFile(r.summary)
	if len(summary) > summaryBudget || !strings.Contains(string(summary), "more messages are not shown") {
		t.Errorf("summary is %d bytes (budget %d) or does not say what it left out", len(summary), summaryBudget)
	}
	if !strings.Contains(string(summary), "example.com/preview") {
		t.Error("the summary lost the preview link")
	}
	outs, err := runnertest.Outputs(r.output)
	if err != nil {
		t.Fatal(err)
	}
	var steps []StepOut
	total := 0
	for k, v := range outs {
		total += 2 * len(utf16.Encode([]rune(k+v)))
	}
	if total > outputsBudget || json.Unmarshal([]byte(outs["steps"]), &steps) != nil || len(steps) == 0 {
		t.Errorf("outputs are %d bytes in UTF-16 (budget %d), %d steps", total, outputsBudget, len(steps))
	}
	if !strings.Contains(r.out.String(), "Outputs cut to stay within 256 KiB") || !strings.Contains(r.out.String(), "steps keeps ") {
		t.Error("the log does not say what was cut from the outputs")
	}
	if !strings.Contains(r.out.String(), long+"14999") {
		t.Error("the log lacks the last message: every message must be logged")
	}
}

func TestHeadlineEndsOnce(t *testing.T) {
	for _, errText := range []string{"Renew the VHD SAS URI and publish again.", "Renew the VHD SAS URI and publish again"} {
		op := &snapshot.Operation{Status: "failed", Error: snapshot.ErrorText(errText)}
		got := Headline(verdict.Verdict{Status: verdict.Failed, Operation: op})
		if got != "The publish failed: Renew the VHD SAS URI and publish again." {
			t.Errorf("headline for %q = %q", errText, got)
		}
	}
}

// TestRunnerWithoutGitHubActions: container hooks (ARC kubernetes mode) do
// not pass GITHUB_ACTIONS; GITHUB_OUTPUT or RUNNER_TEMP still mean the
// runner, so masks and annotations are not lost. With none of them the
// reporter prints plain lines.
func TestRunnerWithoutGitHubActions(t *testing.T) {
	for _, tc := range []struct {
		env    map[string]string
		runner bool
	}{
		{map[string]string{"GITHUB_OUTPUT": filepath.Join(t.TempDir(), "output")}, true},
		{map[string]string{"RUNNER_TEMP": t.TempDir()}, true},
		{map[string]string{"GITHUB_ACTIONS": "true"}, true},
		{map[string]string{"GITHUB_ACTIONS": "false"}, false},
		{map[string]string{}, false},
	} {
		var out bytes.Buffer
		rep := New(WithWriter(&out), WithGetenv(func(k string) string { return tc.env[k] }))
		rep.Mask("tok-SECRET-123")
		rep.Snapshot(&snapshot.Operation{Status: "running", Steps: []snapshot.Step{{ID: "s", Name: "Certification", Status: "blocked", Messages: []snapshot.Message{msg("error", "No image")}}}}, 1)
		masked := strings.Contains(out.String(), "::add-mask::tok-SECRET-123")
		annotated := strings.Contains(out.String(), "::error title=Certification::No image")
		if masked != tc.runner || annotated != tc.runner {
			t.Errorf("env %v: masked %v, annotated %v; want %v\n%s", tc.env, masked, annotated, tc.runner, out.String())
		}
	}
}

// TestSecretScrubbedBeforeEscaping: the summary escapes Markdown into
// entities and the outputs are JSON, and either form of a secret reads as
// the secret; so every server string is scrubbed before it is escaped.
func TestSecretScrubbedBeforeEscaping(t *testing.T) {
	for _, secret := range []string{"Abc8Q~dEf_gh-IjK.lmN0pQ1rS2tU3vW4xY5z", `p<ss&w>"rd~x`} {
		r := newRunner(t, config.AnnotateInformation)
		r.rep.Mask(secret)
		esc := html.EscapeString(secret)
		op := &snapshot.Operation{Status: "failed", Error: snapshot.ErrorText("rejected " + esc),
			Messages:     []snapshot.Message{msg("error", "op "+esc)},
			PreviewLinks: snapshot.Links{"https://preview.example/?sig=" + url.QueryEscape(secret)},
			Steps: []snapshot.Step{{ID: "s " + esc, Name: "Name " + esc, Status: "failed", EstimatedTimeFrame: esc,
				Messages: []snapshot.Message{msg("error", "echo "+esc)}}}}
		r.rep.Snapshot(op, 1)
		if err := r.rep.Finish(verdict.Verdict{Status: verdict.Failed, FailedStep: "s " + secret, OfferID: "contoso-vm", Operation: op}); err != nil {
			t.Fatal(err)
		}
		summary, _ := os.ReadFile(r.summary)
		outs, err := runnertest.Outputs(r.output)
		if err != nil {
			t.Fatal(err)
		}
		var outputs strings.Builder
		for _, v := range outs {
			var decoded any
			if json.Unmarshal([]byte(v), &decoded) == nil {
				fmt.Fprintln(&outputs, decoded) // as it reads once decoded
			}
			fmt.Fprintln(&outputs, v)
		}
		log := strings.SplitN(r.out.String(), "\n", 2)[1] // after the ::add-mask::
		for name, text := range map[string]string{"summary": html.UnescapeString(string(summary)), "outputs": outputs.String(), "log": log} {
			if strings.Contains(text, secret) {
				t.Errorf("secret %q readable in the %s", secret, name)
			}
		}
		if !strings.Contains(string(summary), "&#42;&#42;&#42;") {
			t.Errorf("secret %q: nothing scrubbed in the summary", secret)
		}
	}
}

// hostileText is server text made of Markdown specials, which escaping makes
// up to six times longer.
func hostileText(n int) string {
	const unit = "**b**_i_[l](javascript:x)|~~s~~&lt;b&gt;#h`c`{}+-!:@='&amp;\"é→😀 "
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

// TestSummaryBudgetCountsWhatIsWritten: the budget holds for the bytes
// written, escaped and scrubbed, headings, headlines and the overview table
// included, whatever the server sends; every offer keeps its status.
func TestSummaryBudgetCountsWhatIsWritten(t *testing.T) {
	op := func(steps int) *snapshot.Operation {
		o := &snapshot.Operation{Status: "failed", Error: snapshot.ErrorText(hostileText(20000)), Messages: []snapshot.Message{msg("error", hostileText(5000))}}
		for i := range steps {
			s := snapshot.Step{ID: "s" + strconv.Itoa(i), Name: hostileText(5000), Status: "failed", EstimatedTimeFrame: hostileText(3000)}
			for range 3 {
				s.Messages = append(s.Messages, msg("error", hostileText(5000)))
			}
			o.Steps = append(o.Steps, s)
			o.PreviewLinks = append(o.PreviewLinks, "https://preview.example/"+strings.Repeat("p", 3000+i))
		}
		return o
	}
	for _, tc := range []struct {
		name   string
		offers int
		steps  int
		mask   string
	}{
		{"one offer", 1, 200, ""},
		{"50 offers", 50, 10, ""},
		{"a short secret scrubbed after escaping", 1, 200, "é"}, // *** is longer than é
	} {
		r := newRunner(t, config.AnnotateNone)
		if tc.mask != "" {
			r.rep.Mask(tc.mask)
		}
		var vs []verdict.Verdict
		for i := range tc.offers {
			o := op(tc.steps)
			vs = append(vs, verdict.Verdict{Status: verdict.Failed, FailedStep: "s0", OfferID: fmt.Sprintf("offer-%02d", i), OperationID: strings.Repeat("9", 40), Operation: o})
		}
		if err := r.rep.Finish(vs...); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(r.summary)
		summary := string(b)
		if len(summary) > summaryBudget+1 { // the library adds a newline
			t.Errorf("%s: summary of %d bytes; budget %d", tc.name, len(summary), summaryBudget)
		}
		if tc.offers > 1 {
			for _, v := range vs {
				if !strings.Contains(summary, "| `"+v.OfferID+"` | ❌ failed |") || !strings.Contains(summary, "### ❌ Offer `"+v.OfferID+"`: failed") {
					t.Errorf("%s: the summary lacks %s's status", tc.name, v.OfferID)
				}
			}
		} else if !strings.Contains(summary, "## ❌ Marketplace publish: failed") {
			t.Errorf("%s: the summary lacks the status", tc.name)
		}
		if !strings.Contains(summary, "The publish failed at step") {
			t.Errorf("%s: the summary lacks the headline", tc.name)
		}
		if regexp.MustCompile(`&#[0-9]*(…|\n|$)`).MatchString(summary) {
			t.Errorf("%s: an entity was cut", tc.name)
		}
		if !utf8.ValidString(summary) {
			t.Errorf("%s: a character was cut", tc.name)
		}
	}
}

func TestFitText(t *testing.T) {
	s := strings.Repeat("| row |\n", 1000)
	got := fitText(s, 500)
	if len(got) > 500 || !strings.HasSuffix(got, summaryCut) || !strings.HasPrefix(got, "| row |\n| row |") || strings.Contains(got, "| row |"+summaryCut[:1]+"*") {
		t.Errorf("fitText = %q", got)
	}
	if fitText(s, len(s)) != s {
		t.Error("text within its budget must stay whole")
	}
}

func TestCutUnits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"a😀b", 3, "a…"}, // 😀 is two units: a + 😀 + … would be four
		{"a😀b", 4, "a😀b"},
		{"😀😀", 3, "😀…"},
		{"ééé", 2, "é…"},
	} {
		if got := cutUnits(tc.in, tc.n); got != tc.want {
			t.Errorf("cutUnits(%q, %d) = %q; want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestMdCutNeverSplitsAnEntity(t *testing.T) {
	for n := 3; n < 40; n++ {
		got := mdCut("~~__**é😀||", n)
		if len(got) > n || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) || regexp.MustCompile(`&#?[0-9]*…$`).MatchString(got) {
			t.Errorf("mdCut(_, %d) = %q", n, got)
		}
	}
}

// TestOutputsWithinBudget: all outputs together stay within 256 KiB as the
// runner counts them (UTF-16, two bytes a unit), steps cut first; results
// keep every target's status and ids, and the log says what was cut.
func TestOutputsWithinBudget(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links int
		id    int // length of the blocked step's id
		says  []string
	}{
		{"long links and messages", 40, 10, []string{"steps keeps", "each results message cut to 200 characters", "links left out"}},
		{"runaway ids", 0, 3000, []string{"ids longer than 100 characters cut"}},
	} {
		r := newRunner(t, config.AnnotateNone)
		var vs []verdict.Verdict
		for i := range 50 {
			op := &snapshot.Operation{Status: "running"}
			for j := range 30 {
				op.Steps = append(op.Steps, snapshot.Step{ID: strings.Repeat("s", tc.id) + strconv.Itoa(j), Name: hostileText(500), Status: "blocked", Messages: []snapshot.Message{msg("error", hostileText(3000))}})
			}
			for j := range tc.links {
				op.PreviewLinks = append(op.PreviewLinks, fmt.Sprintf("https://preview.example/%d/%s", j, strings.Repeat("😀", 300)))
			}
			vs = append(vs, verdict.Verdict{Status: verdict.Blocked, BlockedStep: op.Steps[0].ID, OfferID: fmt.Sprintf("offer-%02d", i), OperationID: fmt.Sprintf("0b5c2d6e-1111-4aaa-8bbb-%012d", i), Operation: op})
		}
		if err := r.rep.Finish(vs...); err != nil {
			t.Fatal(err)
		}
		outs, err := runnertest.Outputs(r.output)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for k, v := range outs {
			total += 2 * len(utf16.Encode([]rune(k+v)))
		}
		if total > outputsBudget {
			t.Errorf("%s: outputs of %d bytes in UTF-16; budget %d", tc.name, total, outputsBudget)
		}
		var results map[string]Result
		if err := json.Unmarshal([]byte(outs["results"]), &results); err != nil || len(results) != 50 {
			t.Fatalf("%s: results of %d entries: %v", tc.name, len(results), err)
		}
		for _, v := range vs {
			got := results[v.OfferID]
			if got.Status != verdict.Blocked || got.OperationID != v.OperationID || got.BlockedStep == "" || !strings.HasPrefix(v.BlockedStep, strings.TrimSuffix(got.BlockedStep, "…")) || !strings.HasPrefix(got.Message, "Step ") {
				t.Errorf("%s: results[%s] = %+v", tc.name, v.OfferID, got)
			}
		}
		var steps []StepOut
		if err := json.Unmarshal([]byte(outs["steps"]), &steps); err != nil {
			t.Errorf("%s: steps is not JSON: %v", tc.name, err)
		}
		lines := 0
		for _, l := range strings.Split(r.out.String(), "\n") {
			if strings.HasPrefix(l, "Outputs cut to stay within 256 KiB") {
				lines++
				for _, s := range tc.says {
					if !strings.Contains(l, s) {
						t.Errorf("%s: the log line does not say %q: %s", tc.name, s, l)
					}
				}
			}
		}
		if lines != 1 {
			t.Errorf("%s: %d log lines say what was cut; want one", tc.name, lines)
		}
	}
	// Nothing cut, nothing said.
	r := newRunner(t, config.AnnotateNone)
	if err := r.rep.Finish(verdict.Verdict{Status: verdict.Completed, OfferID: "contoso-vm", Operation: &snapshot.Operation{Status: "completed"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.out.String(), "Outputs cut") {
		t.Errorf("a small gate's outputs were cut:\n%s", r.out.String())
	}
}

// TestImageOutputs: an image release's facts are outputs in action.yml's
// order (after started-at), JSON arrays even when empty, in results, and in
// the summary; scrubbed like every output. A release already done ends with
// its notice as a notice annotation, at the default threshold; not with
// annotate: none.
func TestImageOutputs(t *testing.T) {
	r := newRunner(t, config.AnnotateWarning)
	r.rep.Mask("s3cr3t-sig-value")
	err := r.rep.Finish(verdict.Verdict{Status: verdict.Completed, OfferID: "contoso-vm", Kind: "product",
		Notice:       "version 1.1.0 of plan contoso-gen2 is already published to live with this image; nothing was sent",
		ImageVersion: "1.1.0", SKUIDs: []string{"contoso-gen2", "s3cr3t-sig-value"}, ImageURNs: []string{"contoso:contoso-vm:contoso-gen2:1.1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(r.output)
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^([a-z-]+)<<`).FindAllStringSubmatch(string(raw), -1) {
		names = append(names, m[1])
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "started-at image-version sku-ids image-urns offer-id") {
		t.Errorf("outputs in order %s; want the image ones after started-at", got)
	}
	outs, _ := runnertest.Outputs(r.output)
	if outs["image-version"] != "1.1.0" || outs["sku-ids"] != `["contoso-gen2","***"]` || outs["image-urns"] != `["contoso:contoso-vm:contoso-gen2:1.1.0"]` {
		t.Errorf("outputs %v", outs)
	}
	if !strings.Contains(outs["results"], `"image-version":"1.1.0","sku-ids":["contoso-gen2","***"]`) {
		t.Errorf("results %s", outs["results"])
	}
	notices := 0
	for _, c := range runnertest.Commands(r.out.String()) {
		if c.Name == "notice" && strings.Contains(c.Message, "already published to live") {
			notices++
		}
	}
	summary, _ := os.ReadFile(r.summary)
	if notices != 1 || !strings.Contains(string(summary), "image version `1.1.0` · SKUs `contoso-gen2`, `***` · URNs `contoso:contoso-vm:contoso-gen2:1.1.0`") {
		t.Errorf("%d notices; summary:\n%s", notices, summary)
	}
	if strings.Contains(string(raw)+string(summary), "s3cr3t") {
		t.Error("a masked value reached the outputs or summary")
	}

	plain := newRunner(t, config.AnnotateWarning)
	if err := plain.rep.Finish(verdict.Verdict{Status: verdict.Completed, OfferID: "contoso-vm"}); err != nil {
		t.Fatal(err)
	}
	if outs, _ := runnertest.Outputs(plain.output); outs["image-version"] != "" || outs["sku-ids"] != "[]" || outs["image-urns"] != "[]" || strings.Contains(outs["results"], "image-version") {
		t.Errorf("without an image: outputs %v", outs)
	}

	off := newRunner(t, config.AnnotateNone)
	if err := off.rep.Finish(verdict.Verdict{Status: verdict.Completed, Notice: "already done"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range runnertest.Commands(off.out.String()) {
		if c.Name == "notice" {
			t.Errorf("annotate none, yet %+v", c)
		}
	}
}

// TestServerTextShowsNoSASQuery: a SAS URI quoted in server text loses its
// query (signature and all); the blob's path stays; other URLs keep theirs.
func TestServerTextShowsNoSASQuery(t *testing.T) {
	for in, want := range map[string]string{
		"copy failed: https://acct.blob.core.windows.net/vhds/os.vhd?sv=2024-08-04&sp=rl&sig=AbC%2Bd12345 (403)": "copy failed: https://acct.blob.core.windows.net/vhds/os.vhd?REDACTED (403)",
		"two: https://a/x.vhd?SIG=one1234567 and https://b/y.vhd?se=2027&sig=two1234567.":                        "two: https://a/x.vhd?REDACTED and https://b/y.vhd?REDACTED",
		"token sv=2024&sig=bare123456 here":                  "token sv=2024&?REDACTED here",
		"see https://learn.microsoft.com/azure?tab=overview": "see https://learn.microsoft.com/azure?tab=overview",
	} {
		if got := inert(in); got != want {
			t.Errorf("inert(%q)\n= %q\nwant %q", in, got, want)
		}
	}
}
