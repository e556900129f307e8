package main_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// A resource tree asked for preview that answers as the draft (its
// target.targetType says draft) is no proof of what preview holds.
func TestBinaryPreviewTreeFromWrongTarget(t *testing.T) {
	v := simulator.ImageVersion{Number: simulator.NewVersion, Images: []simulator.Image{{Type: "x64Gen2", Gallery: simulator.GalleryVersionNew}}}
	wrong := func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "resource-tree") && r.URL.Query().Get("targetType") == "preview" {
			q := r.URL.Query()
			q.Set("targetType", "draft")
			r.URL.RawQuery = q.Encode()
		}
		return false
	}
	sim, url := startSim(t, "publish", simulator.WithIdle(), simulator.WithImageVersion("draft", simulator.PlanGen2, v), simulator.WithIntercept(wrong))
	r := runAction(t, imageInputs(url, nil), false)
	if r.code == 0 || hasVersion(sim, "preview", simulator.PlanGen2, simulator.NewVersion) {
		t.Fatalf("passed (status %s) with version %s not in preview; notices %q", r.outputs["status"], simulator.NewVersion, notices(r.stdout))
	}
	if r.outputs["status"] != "error" || !strings.Contains(r.stdout, `answered a tree whose target is "draft", not preview`) || changes(sim) != 0 {
		t.Errorf("status %q, %d changes; want error naming the wrong tree, nothing sent\n%s", r.outputs["status"], changes(sim), r.stdout)
	}
}

// A dry run on CPP whose version is already in the draft ends dry-run, never
// completed (a later step gating on completed must not act on a dry run),
// as on product-ingestion.
func TestBinaryCPPDryRunEndsCompleted(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	in := cppImageInputs(url, map[string]string{"start": "add-image", "notification-emails": ""})
	if r := runAction(t, in, false); r.code != 0 {
		t.Fatalf("add-image: %d\n%s", r.code, r.stdout)
	}
	in["dry-run"] = "true"
	r := runAction(t, in, false)
	if r.outputs["status"] != "dry-run" || changes(sim) != 1 { // the add-image's PUT only
		t.Fatalf("dry run ended %q; notices %q", r.outputs["status"], notices(r.stdout))
	}
}
