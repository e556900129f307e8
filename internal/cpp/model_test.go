package cpp

import (
	"os"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

func TestDecodeReferenceOperation(t *testing.T) {
	body, err := os.ReadFile("../../testdata/reference-operation.json")
	if err != nil {
		t.Fatal(err)
	}
	op, err := DecodeOperation(body)
	if err != nil {
		t.Fatalf("the reference's (array-wrapped) operation does not decode: %v", err)
	}
	if op.Status != "running" || len(op.Steps) != 6 {
		t.Fatalf("status %q, %d steps; want running, 6", op.Status, len(op.Steps))
	}
	cert := op.Steps[1]
	if st, ok := cert.State(); !ok || st != snapshot.StateBlocked {
		t.Errorf("certification state = %v, %v; want blocked", st, ok)
	}
	if cert.Messages[0].Level != "error" || cert.Messages[0].HTML != "No virtual machine image was found for the plan contoso." {
		t.Errorf("first certification message = %+v", cert.Messages[0])
	}
	if st, _ := op.Steps[0].State(); st != snapshot.StateCompleted {
		t.Errorf(`"complete" should read as completed, got %v`, st)
	}
	if op.Steps[0].ProgressPercentage != 100 || op.Steps[0].EstimatedTimeFrame != "< 15 min" {
		t.Errorf("first step = %+v", op.Steps[0])
	}
}

func TestDecodeOperationShapes(t *testing.T) {
	for name, body := range map[string]string{
		"object":             `{"status":"running","steps":[{"id":"a","status":"notStarted"}]}`,
		"one-element array":  `[{"status":"running","steps":[{"id":"a","status":"notStarted"}]}]`,
		"leading whitespace": "\n\t [ {\"status\":\"running\",\"steps\":[{\"id\":\"a\"}]} ]",
	} {
		op, err := DecodeOperation([]byte(body))
		if err != nil || op.Status != "running" || len(op.Steps) != 1 || op.Steps[0].ID != "a" {
			t.Errorf("%s: got %+v, %v", name, op, err)
		}
	}
	for name, body := range map[string]string{
		"empty array": `[]`,
		"html":        `<html><body>502 Bad Gateway</body></html>`,
		"truncated":   `[{"status":"running","steps":[{"id":`,
		"empty":       ``,
	} {
		if _, err := DecodeOperation([]byte(body)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestDecodeTolerance(t *testing.T) {
	op, err := DecodeOperation([]byte(`{
		"status": "Succeeded",
		"messages": ["plain string message", {"messageHtml": "an object", "level": "warning"}],
		"error": {"code": "E1", "message": "went wrong"},
		"previewLinks": ["https://a.example/p", {"displayText": "Azure", "uri": "https://b.example/q"}, 42],
		"steps": [
			{"id": "s1", "progressPercentage": 42.7},
			{"id": "s2", "progressPercentage": "55%"},
			{"id": "s3", "progressPercentage": null},
			{"id": "s4", "progressPercentage": 250}
		]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := op.State(); st != snapshot.StateCompleted {
		t.Errorf("Succeeded = %v, want completed", st)
	}
	// A list mixing both forms takes the element-by-element path.
	if len(op.Messages) != 2 || op.Messages[0].HTML != "plain string message" || op.Messages[0].Level != "information" ||
		op.Messages[1].HTML != "an object" || op.Messages[1].Level != "warning" {
		t.Errorf("string and object messages = %+v", op.Messages)
	}
	if _, err := DecodeOperation([]byte(`{"messages": ["fine", {"level": 5}]}`)); err == nil {
		t.Error("a message with a numeric level decoded without error")
	}
	if op.Error != "E1 went wrong" {
		t.Errorf("error = %q", op.Error)
	}
	if len(op.PreviewLinks) != 2 || op.PreviewLinks[0] != "https://a.example/p" || op.PreviewLinks[1] != "https://b.example/q" {
		t.Errorf("links = %q", op.PreviewLinks)
	}
	want := []snapshot.Percent{42, 55, 0, 100}
	for i, w := range want {
		if op.Steps[i].ProgressPercentage != w {
			t.Errorf("step %d progress = %d, want %d", i, op.Steps[i].ProgressPercentage, w)
		}
	}
}

func TestDecodeReferenceLists(t *testing.T) {
	body, err := os.ReadFile("../../testdata/reference-submissions.json")
	if err != nil {
		t.Fatal(err)
	}
	subs, err := DecodeSubmissions(body)
	if err != nil || len(subs) != 1 || subs[0].ID != "5a63deb5-925b-4ee0-938b-7c86fbf287c5" || subs[0].SubmissionState != "running" {
		t.Fatalf("submissions = %+v, %v", subs, err)
	}
	body, err = os.ReadFile("../../testdata/reference-offers.json")
	if err != nil {
		t.Fatal(err)
	}
	offers, err := DecodeOffers(body)
	if err != nil || len(offers) != 1 || offers[0].ID != "059afc24-07de-4126-b004-4e42a51816fe" || offers[0].Definition.DisplayText != "Contoso Virtual Machine" {
		t.Fatalf("offers = %+v, %v", offers, err)
	}
}
