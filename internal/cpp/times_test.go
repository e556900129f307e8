package cpp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
)

// TestChangedTimeAnyForm: changedTime comes with a zone or without (the
// offers list shows 2022-06-02T12:25:56.651), and an odd one must not fail
// the list: it is then no time, never "changed since".
func TestChangedTimeAnyForm(t *testing.T) {
	subs, err := cpp.DecodeSubmissions([]byte(`[
		{"id":"a","submissionState":"running","changedTime":"2018-03-26T21:46:01.179948Z"},
		{"id":"b","changedTime":"2022-06-02T12:25:56.651"},
		{"id":"c","changedTime":1643094786},
		{"id":"d","changedTime":null},
		{"id":"e","changedTime":"0001-01-01T00:00:00"},
		{"id":"f"}]`))
	if err != nil || len(subs) != 6 {
		t.Fatalf("%d submissions, %v", len(subs), err)
	}
	want := []string{"2018-03-26T21:46:01.179948Z", "2022-06-02T12:25:56.651Z", "", "", "", ""}
	for i, s := range subs {
		at, ok := s.Changed()
		got := ""
		if ok {
			got = at.Format(time.RFC3339Nano)
		}
		if got != want[i] || ok == at.IsZero() {
			t.Errorf("%s: changed %q (%v), want %q", s.ID, got, ok, want[i])
		}
	}
	if subs[0].SubmissionState != "running" || subs[2].ChangedTime != "1643094786" {
		t.Errorf("other fields lost: %+v", subs)
	}
	if d := subs[1].Describe(); d != "operation b (, , changed 2022-06-02T12:25:56.651Z)" {
		t.Errorf("Describe = %q: a zoneless time is shown as the UTC it is", d)
	}
}

// TestMessageTimestampAnyType: a message's timestamp is only shown; another
// JSON type keeps the operation readable.
func TestMessageTimestampAnyType(t *testing.T) {
	op, err := cpp.DecodeOperation([]byte(`{"status":"running","steps":[{"id":"s","status":"failed","messages":[
		{"messageHtml":"a","level":"error","timestamp":"2017-03-28T19:50:39.5506018Z"},
		{"messageHtml":"b","level":"error","timestamp":1490730639},
		{"messageHtml":"c","level":"error","timestamp":null}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ms := op.Steps[0].Messages
	if len(ms) != 3 || ms[0].Timestamp != "2017-03-28T19:50:39.5506018Z" || ms[1].HTML != "b" || ms[1].Timestamp != "1490730639" || ms[2].Timestamp != "" {
		t.Errorf("messages = %+v", ms)
	}
}

// TestStartReadsEitherLocationHeader: the 2020+ docs answer a start with a
// relative Location, the 2018 docs (and devigned/pub) with an absolute
// Operation-Location.
func TestStartReadsEitherLocationHeader(t *testing.T) {
	for header, value := range map[string]string{
		"Location":           "/api/publishers/contoso/offers/o/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8?api-version=2017-10-31",
		"Operation-Location": "https://cloudpartner.azure.com/api/publishers/contoso/offers/o/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(header, value)
			w.WriteHeader(http.StatusAccepted)
		}))
		base, _ := url.Parse(srv.URL)
		c := cpp.New(base, "2017-10-31", auth.Static("t"))
		got, err := c.GoLive(context.Background(), "contoso", "o")
		if err != nil || got != value {
			t.Errorf("%s: got %q, %v", header, got, err)
		}
		got, err = c.Publish(context.Background(), "contoso", "o", "a@example.com")
		if err != nil || got != value {
			t.Errorf("%s: publish got %q, %v", header, got, err)
		}
		srv.Close()
	}
}
