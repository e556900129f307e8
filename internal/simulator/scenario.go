package simulator

import "fmt"

// The wire types below are the simulator's own, written from the reference
// pages rather than shared with the client, so a test cannot pass merely
// because both sides made the same mistake.

type wireMessage struct {
	MessageHTML string `json:"messageHtml"`
	Level       string `json:"level"`
	Timestamp   string `json:"timestamp"`
}

type wireStep struct {
	EstimatedTimeFrame string        `json:"estimatedTimeFrame,omitempty"`
	ID                 string        `json:"id"`
	StepName           string        `json:"stepName"`
	Description        string        `json:"description"`
	Status             string        `json:"status"`
	Messages           []wireMessage `json:"messages"`
	ProgressPercentage int           `json:"progressPercentage"`
}

type wireOperation struct {
	Status                   string        `json:"status"`
	Messages                 []wireMessage `json:"messages"`
	PublishingVersion        int           `json:"publishingVersion"`
	OfferVersion             int           `json:"offerVersion"`
	CancellationRequestState string        `json:"cancellationRequestState"`
	Steps                    []wireStep    `json:"steps"`
	PreviewLinks             []string      `json:"previewLinks"`
	LiveLinks                []string      `json:"liveLinks"`
	Error                    string        `json:"error,omitempty"`
}

// Scenario is a publish played one frame per GET of the operation; the last
// frame repeats for ever after.
type Scenario struct {
	Name        string
	Description string
	Frames      []wireOperation
}

// stepDefs are the six steps of the reference's GET operation example.
func stepDefs() []wireStep {
	return []wireStep{
		{EstimatedTimeFrame: "< 15 min", ID: "displaydummycertify", StepName: "Validate Pre-Requisites", Description: "Offer settings provided are validated"},
		{EstimatedTimeFrame: "< 5 day", ID: "displaycertify", StepName: "Certification", Description: "Your offer is analyzed by our certification systems for issues."},
		{EstimatedTimeFrame: "< 1 day", ID: "displayprovision", StepName: "Provisioning", Description: "Your virtual machine is being replicated in our production systems."},
		{EstimatedTimeFrame: "< 1 hour", ID: "displaypackage", StepName: "Packaging and Lead Generation Registration", Description: "Your virtual machine is packaged for being shown to your customers. Additionally, we hookup our lead generation systems to send leads for your offer."},
		{ID: "publisher-signoff", StepName: "Publisher signoff", Description: "Offer is available to preview. Ensure that everything looks good before making your offer live."},
		{EstimatedTimeFrame: "~2-5 days", ID: "live", StepName: "Live", Description: "Offer is publicly visible and is available for purchase."},
	}
}

// st is one step's state in a frame: status, progress and messages.
type st struct {
	status   string
	progress int
	msgs     []wireMessage
}

func info(text, ts string) wireMessage  { return wireMessage{text, "information", ts} }
func warn(text, ts string) wireMessage  { return wireMessage{text, "warning", ts} }
func fault(text, ts string) wireMessage { return wireMessage{text, "error", ts} }

// withStatus is step s in another state, with msgs.
func withStatus(s wireStep, status string, progress int, msgs ...wireMessage) wireStep {
	s.Status, s.ProgressPercentage, s.Messages = status, progress, append([]wireMessage{}, msgs...)
	return s
}

// frame builds an operation from the state of each of the six steps.
func frame(status string, steps ...st) wireOperation {
	op := wireOperation{
		Status: status, Messages: []wireMessage{}, PublishingVersion: 2, OfferVersion: 1,
		CancellationRequestState: "canCancel", PreviewLinks: []string{}, LiveLinks: []string{},
	}
	for i, def := range stepDefs() {
		s := def
		s.Status, s.Messages = "notStarted", []wireMessage{}
		if i < len(steps) {
			s.Status, s.ProgressPercentage = steps[i].status, steps[i].progress
			if steps[i].msgs != nil {
				s.Messages = steps[i].msgs
			}
		}
		op.Steps = append(op.Steps, s)
	}
	return op
}

const (
	t0 = "2026-11-21T09:00:04.500052Z"
	t1 = "2026-11-21T09:04:39.5506018Z"
	t2 = "2026-11-21T11:12:10.1200000Z"
	t3 = "2026-11-21T13:40:55.0000000Z"
	t4 = "2026-11-21T14:02:31.0000000Z"
)

const previewLink = "https://azuremarketplace.microsoft.com/marketplace/apps/contoso.contoso-vm-preview?tab=Overview"
const liveLink = "https://azuremarketplace.microsoft.com/marketplace/apps/contoso.contoso-vm?tab=Overview"

// Scenarios lists what the simulator can play; the first is the default.
func Scenarios() []Scenario {
	validated := st{"complete", 100, []wireMessage{info("Step completed.", t0)}}
	certified := st{"completed", 100, []wireMessage{info("Certification passed for all plans.", t1), warn("Plan <b>contoso-gen1</b> recommends VM size Standard_A1, which is being retired; consider <a href=\"https://learn.microsoft.com/azure/virtual-machines/sizes\">current sizes</a>.", t1)}}
	provisoned := st{"complete", 100, []wireMessage{info("Image replicated to 60 regions.", t2)}}
	packaged := st{"complete", 100, []wireMessage{info("Step completed.", t3)}}

	signoff := frame("running", validated, certified, provisoned, packaged,
		st{"waitingForPublisherReview", 0, []wireMessage{info("Your offer is available to preview. Review it, then select Go Live.", t4)}})
	signoff.PreviewLinks = []string{previewLink}

	publish := []wireOperation{
		frame("running", st{"running", 40, nil}),
		frame("running", validated, st{"running", 10, []wireMessage{info("Certification in progress: scanning the VHD of plan contoso-gen2.", t1)}}),
		frame("Running", validated, st{"inProgress", 65, []wireMessage{info("Certification in progress: scanning the VHD of plan contoso-gen2.", t1)}}),
		frame("running", validated, certified, st{"running", 30, nil}),
		frame("running", validated, certified, st{"running", 85, nil}),
		frame("running", validated, certified, provisoned, st{"running", 50, nil}),
		signoff,
	}

	// During the go-live the steps list "live" twice, one complete and one
	// running, as SUSE's azure-img-utils saw on the real API (cpp-publishing.md).
	goingLive := frame("running", validated, certified, provisoned, packaged, st{"complete", 100, nil}, st{"complete", 100, nil})
	goingLive.Steps = append(goingLive.Steps, withStatus(goingLive.Steps[5], "running", 40))
	wentLive := frame("Succeeded", validated, certified, provisoned, packaged, st{"complete", 100, nil}, st{"complete", 100, nil})
	wentLive.Steps = append(wentLive.Steps, withStatus(wentLive.Steps[5], "completed", 100, info("Offer is live.", t4)))
	live := append(append([]wireOperation{}, publish...), goingLive, wentLive)
	live[len(live)-1].PreviewLinks = []string{previewLink}
	live[len(live)-1].LiveLinks = []string{liveLink}

	// The reference's blocked certification, verbatim in its messages.
	blocked := []wireOperation{
		frame("running", st{"running", 60, nil}),
		frame("running", validated, st{"blocked", 0, []wireMessage{
			fault("No virtual machine image was found for the plan contoso.", "2017-03-28T19:50:39.5506018Z"),
			info("This step has not started yet.", "2017-03-28T19:50:39.5506018Z"),
		}}, st{"notStarted", 0, nil}, st{"not started", 0, nil}),
	}

	// A documented step state the retrieve pages leave out: certification
	// turns the offer down. The operation still says running; the step alone
	// must end the gate.
	rejected := []wireOperation{
		frame("running", validated, st{"inProgress", 30, nil}),
		frame("running", validated, st{"Rejected", 100, []wireMessage{
			fault("Certification rejected plan contoso-gen2: the image allows SSH password sign-in (policy 200.3.1).", t1),
		}}),
	}

	failedFrame := frame("failed", validated, certified, st{"failed", 35, []wireMessage{
		fault("Replication of the image of plan contoso-gen2 to region westeurope failed: the VHD SAS URI has expired.", t2),
	}})
	failedFrame.Error = "Provisioning failed. Renew the VHD SAS URI and publish again."
	failed := []wireOperation{
		frame("running", validated, certified, st{"running", 10, nil}),
		failedFrame,
	}

	canceled := []wireOperation{
		frame("running", st{"running", 20, nil}),
		frame("cancelled", validated, st{"canceled", 0, []wireMessage{info("The operation was canceled by the publisher.", t1)}}),
	}

	return []Scenario{
		{Name: "publish", Description: "a publish that reaches publisher sign-off (preview ready)", Frames: publish},
		{Name: "blocked", Description: "the reference's blocked certification (no VM image for the plan)", Frames: blocked},
		{Name: "live", Description: "a publish that goes through sign-off to live", Frames: live},
		{Name: "failed", Description: "a publish whose provisioning fails", Frames: failed},
		{Name: "canceled", Description: "a publish canceled by the publisher", Frames: canceled},
		{Name: "rejected", Description: "a publish whose certification step is Rejected", Frames: rejected},
		// The API refuses every publish (422) before any operation exists; the
		// operation in flight at New is an ordinary publish's.
		{Name: "invalid", Description: "a publish the API refuses: the offer fails validation (422)", Frames: publish},
	}
}

// Lookup returns the named scenario.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// Long is a publish that is still running at the first polls-1 GETs and
// live at the next one: the benchmark's operation, as long as it asks.
func Long(polls int) Scenario {
	live, _ := Lookup("live")
	running := live.Frames[2] // certification in progress
	frames := make([]wireOperation, 0, polls)
	for range max(polls-1, 0) {
		frames = append(frames, running)
	}
	frames = append(frames, live.Frames[len(live.Frames)-1])
	return Scenario{Name: "long", Description: fmt.Sprintf("a publish that goes live at poll %d", polls), Frames: frames}
}
