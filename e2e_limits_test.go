package main_test

// The runner's limits and secrets as a person reads them, through the built
// binary: a summary over 1 MiB is dropped whole, an annotation past 4096
// UTF-16 units is cut (its log line too), a job shows 50 annotations, a
// job's outputs may total 1 MB in UTF-16; and a secret must not show in any
// escaped form (an HTML entity or a JSON escape renders as the secret).

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf16"

	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// aadSecret has the alphabet of an Azure AD client secret: every one holds
// a ~, most also _, - and . — all characters Markdown escaping turns into entities.
const aadSecret = "Abc8Q~dEf_gh-IjK.lmN0pQ1rS2tU3vW4xY5z"

// hostile is server text full of Markdown and HTML specials, with
// characters of two and four bytes (one of them two UTF-16 units).
func hostile(n int) string {
	const unit = "**b**_i_[l](javascript:x)|~~s~~&lt;b&gt;#h`c`{}+-!:@='&amp;\"é→😀 "
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

// hostileOp is a blocked operation of many steps with long hostile
// messages and names; extra is put in the blocked step's first message.
func hostileOp(steps, msgs, size int, extra string) string {
	type message struct {
		HTML  string `json:"messageHtml"`
		Level string `json:"level"`
		TS    string `json:"timestamp"`
	}
	type step struct {
		ID       string    `json:"id"`
		Name     string    `json:"stepName"`
		Status   string    `json:"status"`
		Progress int       `json:"progressPercentage"`
		ETA      string    `json:"estimatedTimeFrame"`
		Messages []message `json:"messages"`
	}
	var ss []step
	for i := range steps {
		s := step{ID: fmt.Sprintf("step-%d", i), Name: fmt.Sprintf("Step %d ", i) + hostile(300), Status: "running", Progress: 50, ETA: hostile(40)}
		if i == 0 {
			s.Status, s.Name = "blocked", s.Name+hostile(4000)
		}
		for j := range msgs {
			text := fmt.Sprintf("message %d.%d ", i, j) + hostile(size)
			if i == 0 && j == 0 {
				text = extra + " " + text
			}
			s.Messages = append(s.Messages, message{text, "error", "2026-11-21T09:00:00Z"})
		}
		ss = append(ss, s)
	}
	var links []string
	for i := range 20 {
		links = append(links, fmt.Sprintf("https://preview.example/%d/%s", i, strings.Repeat("p", 500)))
	}
	b, _ := json.Marshal([]map[string]any{{"status": "running", "messages": []message{}, "steps": ss, "previewLinks": links, "liveLinks": links}})
	return string(b)
}

// utf16Bytes is a string's size as the runner approximates output sizes.
func utf16Bytes(s string) int { return 2 * len(utf16.Encode([]rune(s))) }

// manyHostileOffers runs a gate on 50 offers, each blocked with hostile text.
func manyHostileOffers(t *testing.T) (result, []string) {
	t.Helper()
	var offers []string
	var opts []simulator.Option
	sc, _ := simulator.Lookup("publish")
	for i := range 50 {
		offer := fmt.Sprintf("offer-%02d", i)
		offers = append(offers, offer)
		opts = append(opts, simulator.WithOperation(offer, fmt.Sprintf("0b5c2d6e-1111-4aaa-8bbb-%012d", i), sc))
	}
	body := hostileOp(20, 5, 6000, hostile(30000)) // the first error, in every headline
	opts = append(opts, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/operations/") && answer(200, nil, body)(call{W: w, R: r})
	}))
	_, url := startSim(t, "publish", opts...)
	in := inputsFor(url)
	delete(in, "operation-id")
	in["offer-id"] = strings.Join(offers, "\n")
	r := runAction(t, in, false)
	if r.code != 1 || r.outputs["status"] != "blocked" {
		t.Fatalf("exit %d status %q\n%.5000s", r.code, r.outputs["status"], r.stdout)
	}
	return r, offers
}

// TestBinaryManyHostileOffersStayInsideRunnerLimits: 50 offers, each with
// long hostile text in every field: the summary stays under 1 MiB with every
// offer's status, the outputs under 256 KiB as the runner counts them with
// every offer in results, every annotation under 4096 UTF-16 units, and the
// gate's annotations a small share of the job's 50.
func TestBinaryManyHostileOffersStayInsideRunnerLimits(t *testing.T) {
	r, offers := manyHostileOffers(t)
	total := 0
	for k, v := range r.outputs {
		total += utf16Bytes(k) + utf16Bytes(v)
	}
	t.Logf("summary %d bytes; outputs %d bytes in UTF-16 (results %d, steps %d)", len(r.summary), total, utf16Bytes(r.outputs["results"]), utf16Bytes(r.outputs["steps"]))
	if len(r.summary) >= 1<<20 {
		t.Errorf("summary is %d bytes: the runner drops a summary over 1 MiB whole", len(r.summary))
	}
	for _, o := range offers {
		if !strings.Contains(r.summary, "| `"+o+"` | ⛔ blocked |") || !strings.Contains(r.summary, "### ⛔ Offer `"+o+"`: blocked") {
			t.Errorf("the summary lacks offer %s's status", o)
		}
	}
	if total > 256<<10 {
		t.Errorf("outputs total %d bytes in UTF-16; want at most 256 KiB", total)
	}
	var results map[string]map[string]any
	if err := json.Unmarshal([]byte(r.outputs["results"]), &results); err != nil || len(results) != 50 {
		t.Fatalf("results: %d entries, %v", len(results), err)
	}
	for _, o := range offers {
		if e := results[o]; e["status"] != "blocked" || e["blocked-step"] != "step-0" || !strings.HasPrefix(e["operation-id"].(string), "0b5c2d6e-") || !strings.HasPrefix(e["message"].(string), "Step Step 0") {
			t.Errorf("results[%s] = %v", o, e)
		}
	}
	if !strings.Contains(r.stdout, "Outputs cut to stay within 256 KiB") {
		t.Errorf("the log does not say what was cut from the outputs")
	}
	var annotations []runnertest.Command
	for _, c := range runnertest.Commands(r.stdout) {
		switch c.Name {
		case "error", "warning", "notice":
			annotations = append(annotations, c)
			if n := len(utf16.Encode([]rune(c.Message))); n > 4096 {
				t.Errorf("an annotation of %d UTF-16 units: the runner cuts it, in the log too", n)
			}
		}
	}
	if len(annotations) > 10 || len(annotations) == 0 {
		t.Errorf("%d annotations; want at most 10 per gate step", len(annotations))
	}
	if last := annotations[len(annotations)-1]; last.Name != "error" || !strings.Contains(last.Message, "blocked") {
		t.Errorf("the last annotation is %+v; want the verdict", last)
	}
}

// TestBinaryLongErrorAnnotation: a blocked step's error of 4,200 UTF-16
// units (3,150 characters; each % three bytes in the command encoding) is cut
// within 4096 units, keeping its start, and the log still has it whole.
func TestBinaryLongErrorAnnotation(t *testing.T) {
	long := "Start of the error. " + strings.Repeat("😀😀😀 100% ", 350) + " END-OF-ERROR"
	body := hostileOp(1, 1, 1, long)
	_, url := startSim(t, "publish", simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/operations/") && answer(200, nil, body)(call{W: w, R: r})
	}))
	r := runAction(t, inputsFor(url), false)
	if r.code != 1 || r.outputs["status"] != "blocked" {
		t.Fatalf("exit %d outputs %v\n%.3000s", r.code, r.outputs, r.stdout)
	}
	var n int
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name != "error" {
			continue
		}
		n++
		if units := len(utf16.Encode([]rune(c.Message))); units > 4096 || units < 3000 {
			t.Errorf("annotation of %d UTF-16 units; want it filled up to 4096", units)
		}
		if !strings.Contains(c.Message, "Start of the error.") || !strings.HasSuffix(c.Message, "…") || strings.Contains(c.Message, "END-OF-ERROR") {
			t.Errorf("annotation %.200q…%q: want its start kept and its tail cut with an ellipsis", c.Message, c.Message[max(0, len(c.Message)-40):])
		}
	}
	if n != 2 { // the message, and the verdict naming it
		t.Errorf("%d error annotations; want 2", n)
	}
	if !strings.Contains(r.stdout, "END-OF-ERROR") {
		t.Error("the log lost the error's tail: every message must be in the log whole")
	}
}

// TestBinaryRunnerWithoutGitHubActions: with container hooks (ARC kubernetes
// mode) GITHUB_ACTIONS is not set, yet GITHUB_OUTPUT and RUNNER_TEMP are:
// masks and annotations must still be printed.
func TestBinaryRunnerWithoutGitHubActions(t *testing.T) {
	for _, env := range [][]string{{"GITHUB_ACTIONS="}, {"GITHUB_ACTIONS=", "RUNNER_TEMP=/tmp"}} {
		_, url := startSim(t, "blocked")
		cmd, stdout, stderr, output, summary := action(t, inputsFor(url), false)
		for _, kv := range env {
			name, value, _ := strings.Cut(kv, "=")
			setEnv(cmd, name, value)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := finish(t, cmd, stdout, stderr, output, summary)
		if !strings.Contains(r.stdout, "::add-mask::"+simulator.ClientSecret) || !strings.Contains(r.stdout, "::error title=Certification::No virtual machine image") {
			t.Errorf("env %v: no mask or no annotation:\n%s", env, r.stdout)
		}
		if r.outputs["status"] != "blocked" {
			t.Errorf("env %v: outputs %v", env, r.outputs)
		}
	}
}

// TestBinarySecretInEveryEscapedForm: a client secret of the Azure AD
// alphabet, echoed by the server in a step message, in an API error body and
// in links, reaches neither the log, nor the outputs, nor the summary, in no
// form: raw, HTML entities, JSON escapes or percent-encoding.
func TestBinarySecretInEveryEscapedForm(t *testing.T) {
	withSecret := func(op string) string { return strings.ReplaceAll(op, "SECRET", aadSecret) }
	pct := strings.NewReplacer("~", "%7E", "_", "%5F", "-", "%2D", ".", "%2E").Replace(aadSecret)
	linked := withSecret(`[{"status":"running","messages":[{"messageHtml":"operation saw SECRET","level":"warning","timestamp":"t"}],` +
		`"steps":[{"id":"publisher-signoff","stepName":"Signoff SECRET","status":"waitingForPublisherReview","progressPercentage":0,"estimatedTimeFrame":"SECRET",` +
		`"messages":[{"messageHtml":"see SECRET","level":"information","timestamp":"t"}]}],` +
		`"previewLinks":["https://preview.example/a?sig=SECRET","https://preview.example/SECRET/b","https://preview.example/c?sig=` + pct + `"],` +
		`"liveLinks":["https://live.example/SECRET"]}]`)
	for _, tc := range []struct {
		name, status string
		api          func(n int) (int, string)
	}{
		{"step message", "blocked", func(int) (int, string) {
			return 200, withSecret(`[{"status":"running","steps":[{"id":"SECRET","stepName":"Cert SECRET","status":"blocked","messages":[{"messageHtml":"<b>echo</b> SECRET and ` + aadSecret[:5] + `<i></i>` + aadSecret[5:] + `","level":"error","timestamp":"t"}]}]}]`)
		}},
		{"API error body", "error", func(n int) (int, string) {
			if n == 1 {
				return 500, withSecret(fmt.Sprintf(apiError, "InternalServerError", "transient SECRET"))
			}
			return 400, withSecret(fmt.Sprintf(apiError, "BadRequest", "client_secret=SECRET is not valid here"))
		}},
		{"links", "awaiting-signoff", func(int) (int, string) { return 200, linked }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sim atomic.Pointer[simulator.Server]
			var polls atomic.Int32
			s, url := startSim(t, "publish", simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
				switch {
				case strings.Contains(r.URL.Path, "/oauth2/"): // the simulator knows only its own secret
					return answer(200, map[string]string{"Content-Type": "application/json"}, fmt.Sprintf(`{"token_type":"Bearer","expires_in":"3600","access_token":%q}`, sim.Load().Authorize()))(call{W: w, R: r})
				case strings.Contains(r.URL.Path, "/operations/"):
					code, body := tc.api(int(polls.Add(1)))
					return answer(code, nil, body)(call{W: w, R: r})
				}
				return false
			}))
			sim.Store(s)
			in := inputsFor(url)
			in["client-secret"] = aadSecret
			in["annotate"] = "information"
			in["timeout"] = "10s"
			r := runAction(t, in, false)
			if r.outputs["status"] != tc.status {
				t.Fatalf("status %q, want %q\n%s", r.outputs["status"], tc.status, r.stdout)
			}
			if !strings.Contains(r.stdout, "::add-mask::"+aadSecret) {
				t.Errorf("the secret is not masked on the runner")
			}
			if !strings.Contains(r.stdout+r.summary, "***") {
				t.Errorf("nothing was scrubbed: the case did not echo the secret\n%s", r.stdout)
			}
			var outputs strings.Builder
			for k, v := range r.outputs {
				outputs.WriteString(k + "=" + v + "\n")
			}
			for name, text := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "GITHUB_OUTPUT": outputs.String(), "GITHUB_STEP_SUMMARY": r.summary} {
				if where := readable(text, aadSecret); where != "" {
					t.Errorf("the secret is readable in %s: %q", name, where)
				}
			}
		})
	}
}

// readable returns the line of text in which secret shows to a reader once
// HTML entities, JSON escapes and percent-encoding are decoded (the runner's
// ::add-mask:: line, which it swallows, excepted); "" if none.
func readable(text, secret string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "::add-mask::") {
			continue
		}
		d := line
		for range 4 { // nested encodings: an entity inside a JSON string, …
			d = percentDecode(jsonDecode(html.UnescapeString(d)))
		}
		if strings.Contains(d, secret) {
			return line
		}
	}
	return ""
}

var jsonEscape = regexp.MustCompile(`\\u[0-9a-fA-F]{4}|\\["\\/bfnrt]`)

func jsonDecode(s string) string {
	return jsonEscape.ReplaceAllStringFunc(s, func(e string) string {
		if u, err := strconv.Unquote(`"` + e + `"`); err == nil {
			return u
		}
		return e
	})
}

var pctEscape = regexp.MustCompile(`%[0-9a-fA-F]{2}`)

func percentDecode(s string) string {
	return pctEscape.ReplaceAllStringFunc(s, func(e string) string {
		b, _ := strconv.ParseUint(e[1:], 16, 8)
		return string(rune(b))
	})
}
