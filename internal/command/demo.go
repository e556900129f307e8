package command

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// demo runs the real gate against the built-in simulator: it publishes the
// way a workflow would, takes the Location header (or, with the
// product-ingestion API, publishes with POST configure), and gates on it.
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
	sc, ok := simulator.Lookup(name)
	if !ok {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: no scenario %q; choose one of:\n", name)
		for _, s := range simulator.Scenarios() {
			fmt.Fprintf(env.Stderr, "  %-9s %s\n", s.Name, s.Description)
		}
		fmt.Fprintf(env.Stderr, "and optionally the API: cpp (default) or product-ingestion\n")
		return 1
	}
	sim := simulator.New(sc)
	srv := sim.Start()
	defer srv.Close()
	if api == config.APIProductIngestion {
		return demoIngestion(ctx, env, sim, srv.URL, sc)
	}

	fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated Cloud Partner Portal at %s\n", sc.Description, srv.URL)
	location, err := publish(ctx, srv.URL, sim.Authorize())
	if err != nil {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: publishing to the simulator: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "POST …/offers/%s/publish → 202 Accepted, Location: %s\n\n", simulator.Offer, location)

	return gateOn(ctx, env, srv.URL, map[string]string{
		"publisher-id":    simulator.Publisher,
		"operation-id":    location,
		"api-url":         srv.URL,
		"stop-at-signoff": fmt.Sprint(sc.Name != "live"),
	})
}

// demoIngestion publishes to preview with POST configure, as a workflow on
// the product-ingestion API does, then gates on the product by external id.
func demoIngestion(ctx context.Context, env Env, sim *simulator.Server, base string, sc simulator.Scenario) int {
	fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated product-ingestion API at %s\n", sc.Description, base+simulator.IngestionPath)
	u := base + simulator.IngestionPath + "/configure?$version=" + simulator.IngestionVersion
	body := `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2","resources":[{"$schema":"https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2","product":{"externalId":"` + simulator.Offer + `"},"target":{"targetType":"preview"}}]}`
	_, answer, err := post(ctx, u, sim.AuthorizeFor(simulator.GraphResource), body)
	if err != nil {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: publishing to the simulator: %v\n", err)
		return 1
	}
	var job struct {
		JobID string `json:"jobId"`
	}
	_ = json.Unmarshal(answer, &job)
	fmt.Fprintf(env.Stdout, "POST configure (submission to preview) → accepted, jobId %s\n\n", job.JobID)
	return gateOn(ctx, env, base, map[string]string{
		"api":         string(config.APIProductIngestion),
		"external-id": simulator.Offer,
		"api-url":     base + simulator.IngestionPath,
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

// publish POSTs Publish as a release workflow does and returns the Location.
func publish(ctx context.Context, base, token string) (string, error) {
	u := fmt.Sprintf("%s/api/publishers/%s/offers/%s/publish?api-version=%s", base, simulator.Publisher, simulator.Offer, simulator.APIVersion)
	h, _, err := post(ctx, u, token, `{"metadata":{"notification-emails":"jdoe@contoso.com"}}`)
	if err != nil {
		return "", err
	}
	return h.Get("Location"), nil
}

// post sends a JSON body with a bearer token and reads the answer; anything
// but 2xx is an error.
func post(ctx context.Context, u, token, body string) (http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.Header, b, err
}
