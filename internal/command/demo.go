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

// demoIngestion publishes to preview as a workflow on the product-ingestion
// API does: it takes the product's draft submission, POSTs it with target
// preview in a configure document, and gates on the job that answer names
// (with the product, so the gate names the submission the job makes).
func demoIngestion(ctx context.Context, env Env, sim *simulator.Server, base string, sc simulator.Scenario) int {
	api := base + simulator.IngestionPath
	fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated product-ingestion API at %s\n", sc.Description, api)
	token := sim.AuthorizeFor(simulator.GraphResource)
	var drafts struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	list, err := get(ctx, api+"/submission/"+simulator.ProductID+"?$version="+simulator.IngestionVersion+"&targetType=draft", token)
	if err == nil {
		err = json.Unmarshal(list, &drafts)
	}
	if err == nil && len(drafts.Value) == 0 {
		err = fmt.Errorf("product %s has no draft submission", simulator.ProductID)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: reading the draft submission: %v\n", err)
		return 1
	}
	schema := "https://schema.mp.microsoft.com/schema/"
	body, _ := json.Marshal(map[string]any{
		"$schema": schema + "configure/" + simulator.IngestionVersion,
		"resources": []any{map[string]any{
			"$schema": schema + "submission/" + simulator.IngestionVersion,
			"id":      drafts.Value[0].ID, "product": "product/" + simulator.ProductID,
			"target": map[string]string{"targetType": "preview"},
		}},
	})
	_, answer, err := post(ctx, api+"/configure?$version="+simulator.IngestionVersion, token, string(body))
	var job struct {
		JobID string `json:"jobId"`
	}
	if err == nil {
		err = json.Unmarshal(answer, &job)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: publishing to the simulator: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "POST configure (submission %s to preview) → accepted, jobId %s\n\n", drafts.Value[0].ID, job.JobID)
	return gateOn(ctx, env, base, map[string]string{
		"api":         string(config.APIProductIngestion),
		"job-id":      job.JobID,
		"external-id": simulator.Offer,
		"api-url":     api,
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

// get reads a resource with a bearer token; anything but 2xx is an error.
func get(ctx context.Context, u, token string) ([]byte, error) {
	_, b, err := send(ctx, http.MethodGet, u, token, "")
	return b, err
}

// post sends a JSON body with a bearer token and reads the answer; anything
// but 2xx is an error.
func post(ctx context.Context, u, token, body string) (http.Header, []byte, error) {
	return send(ctx, http.MethodPost, u, token, body)
}

func send(ctx context.Context, method, u, token, body string) (http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
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
