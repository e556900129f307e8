package command

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// demo runs the real gate against the built-in simulator: it publishes the
// way a workflow would, takes the Location header, and gates on it.
func demo(ctx context.Context, env Env, args []string) int {
	name := "publish"
	if len(args) > 0 {
		name = args[0]
	}
	sc, ok := simulator.Lookup(name)
	if !ok {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: no scenario %q; choose one of:\n", name)
		for _, s := range simulator.Scenarios() {
			fmt.Fprintf(env.Stderr, "  %-9s %s\n", s.Name, s.Description)
		}
		return 1
	}
	sim := simulator.New(sc)
	srv := sim.Start()
	defer srv.Close()

	fmt.Fprintf(env.Stdout, "marketplace-gate demo: %s, against a simulated Cloud Partner Portal at %s\n", sc.Description, srv.URL)
	location, err := publish(ctx, srv.URL, sim.Authorize())
	if err != nil {
		fmt.Fprintf(env.Stderr, "marketplace-gate demo: publishing to the simulator: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "POST …/offers/%s/publish → 202 Accepted, Location: %s\n\n", simulator.Offer, location)

	inputs := map[string]string{
		"publisher-id":     simulator.Publisher,
		"operation-id":     location,
		"tenant-id":        simulator.Tenant,
		"client-id":        simulator.ClientID,
		"client-secret":    simulator.ClientSecret,
		"authority-host":   srv.URL,
		"api-url":          srv.URL,
		"timeout":          "2m",
		"initial-interval": "300ms",
		"max-interval":     "1s",
		"annotate":         "information",
		"stop-at-signoff":  fmt.Sprint(sc.Name != "live"),
	}
	gateEnv := env
	gateEnv.Getenv = func(k string) string {
		if in, ok := strings.CutPrefix(k, "INPUT_"); ok {
			// The demo's inputs only: INPUT_* of the surrounding job (action.yml
			// defaults) must not point the demo at the real API.
			return inputs[strings.ReplaceAll(strings.ToLower(in), "_", "-")]
		}
		return env.Getenv(k)
	}
	return Gate(ctx, gateEnv)
}

// publish POSTs Publish as a release workflow does and returns the Location.
func publish(ctx context.Context, base, token string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := fmt.Sprintf("%s/api/publishers/%s/offers/%s/publish?api-version=%s", base, simulator.Publisher, simulator.Offer, simulator.APIVersion)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(`{"metadata":{"notification-emails":"jdoe@contoso.com"}}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.Header.Get("Location"), nil
}
