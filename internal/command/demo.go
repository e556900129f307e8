package command

import (
	"context"
	"fmt"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// demo runs the real gate against the built-in simulator, started as a
// workflow would start it: start: publish, which sends the publish (CPP) or
// a configure job on the draft submission (product-ingestion) and follows it.
func demo(ctx context.Context, env Env, args []string) int {
	name, api := "publish", config.APICPP
	for _, a := range args {
		switch config.API(a) {
		case config.APICPP, config.APIProductIngestion:
			api = config.API(a)
		default:
			name = a
		}
	}
	if name == imageDemo {
		return demoImage(ctx, env, api)
	}
	sc, ok := simulator.Lookup(name)
	if !ok {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: no scenario %q; choose one of:\n", name)
		for _, s := range simulator.Scenarios() {
			fmt.Fprintf(env.Stderr, "  %-9s %s\n", s.Name, s.Description)
		}
		fmt.Fprintf(env.Stderr, "  %-9s %s\n", imageDemo, imageDemoDescription)
		fmt.Fprintf(env.Stderr, "and optionally the API: cpp (default) or product-ingestion\n")
		return 1
	}
	// Nothing under way at first: the gate starts the publish itself, as a
	// workflow with start: publish does.
	sim := simulator.New(sc, simulator.WithIdle())
	srv := sim.Start()
	defer srv.Close()
	if api == config.APIProductIngestion {
		fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated product-ingestion API at %s\n\n", sc.Description, srv.URL+simulator.IngestionPath)
		return gateOn(ctx, env, srv.URL, map[string]string{
			"api":         string(config.APIProductIngestion),
			"start":       string(config.StartPublish),
			"external-id": simulator.Offer,
			"api-url":     srv.URL + simulator.IngestionPath,
		})
	}
	fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated Cloud Partner Portal at %s\n\n", sc.Description, srv.URL)
	return gateOn(ctx, env, srv.URL, map[string]string{
		"publisher-id":        simulator.Publisher,
		"offer-id":            simulator.Offer,
		"start":               string(config.StartPublish),
		"notification-emails": "jdoe@contoso.com",
		"api-url":             srv.URL,
		"stop-at-signoff":     fmt.Sprint(sc.Name != "live"),
	})
}

// gateOn runs the gate on the demo's inputs only, the simulated app's sign-in
// and a brisk schedule added: INPUT_* of the surrounding job (action.yml
// defaults) must not point the demo at the real API.
func gateOn(ctx context.Context, env Env, base string, inputs map[string]string) int {
	for k, v := range map[string]string{
		"tenant-id": simulator.Tenant, "client-id": simulator.ClientID, "client-secret": simulator.ClientSecret,
		"authority-host": base, "timeout": "2m", "initial-interval": "300ms", "max-interval": "1s", "annotate": "information",
	} {
		inputs[k] = v
	}
	gateEnv := env
	gateEnv.Getenv = func(k string) string {
		if name, ok := inputName(k); ok {
			return inputs[name]
		}
		return env.Getenv(k)
	}
	return Gate(ctx, gateEnv)
}

// imageDemo is the demo of an image release: a new VM image version added
// to a plan and published to preview in one step.
const (
	imageDemo            = "image"
	imageDemoDescription = "a new VM image version added to a plan and published to preview (product-ingestion: a Compute Gallery version; cpp: a SAS URI)"
)

// demoImage releases a new image version as a VM publisher's workflow
// ends: start: publish with the image source; the gate checks the source
// and the plan, sends one request that adds the version and publishes it,
// follows it through certification and reads the plan back.
func demoImage(ctx context.Context, env Env, api config.API) int {
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, simulator.WithIdle())
	srv := sim.Start()
	defer srv.Close()
	if api == config.APIProductIngestion {
		fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated product-ingestion API at %s and Azure Resource Manager at %s\n\n", imageDemoDescription, srv.URL+simulator.IngestionPath, srv.URL)
		return gateOn(ctx, env, srv.URL, map[string]string{
			"api":                      string(config.APIProductIngestion),
			"start":                    string(config.StartPublish),
			"external-id":              simulator.Offer,
			"plan-id":                  simulator.PlanGen2,
			"gallery-image-version-id": simulator.GalleryVersionNew,
			"publisher-id":             simulator.Publisher,
			"api-url":                  srv.URL + simulator.IngestionPath,
			"arm-url":                  srv.URL,
		})
	}
	now := time.Now
	if env.Clock != nil {
		now = env.Clock.Now
	}
	fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated Cloud Partner Portal at %s\n\n", imageDemoDescription, srv.URL)
	return gateOn(ctx, env, srv.URL, map[string]string{
		"publisher-id":        simulator.Publisher,
		"offer-id":            simulator.Offer,
		"start":               string(config.StartPublish),
		"notification-emails": "jdoe@contoso.com",
		"plan-id":             simulator.PlanGen2,
		"image-version":       simulator.NewVersion,
		"os-disk-sas-uri":     simulator.SASURI("contoso-vm-"+simulator.NewVersion+"-gen2.vhd", now()),
		"api-url":             srv.URL,
		"stop-at-signoff":     "true",
	})
}
