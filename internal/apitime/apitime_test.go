package apitime_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apitime"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]string{
		// Fraction digits as the captures carry them: 3 to 7.
		"2022-06-13T08:44:47.5235Z":    "2022-06-13T08:44:47.5235Z",
		"2022-06-13T10:00:39.866244Z":  "2022-06-13T10:00:39.866244Z",
		"2024-07-04T22:06:16.2895521Z": "2024-07-04T22:06:16.2895521Z",
		"2022-03-01T13:32:43.123456Z":  "2022-03-01T13:32:43.123456Z",
		"2022-03-01T13:32:43Z":         "2022-03-01T13:32:43Z",
		"2022-03-01T15:32:43+02:00":    "2022-03-01T13:32:43Z",
		"2022-03-01t13:32:43z":         "2022-03-01T13:32:43Z",
		// No zone (CPP changedTime): UTC.
		"2022-06-02T12:25:56.651": "2022-06-02T12:25:56.651Z",
		// Azure AD's space for the T.
		"2022-06-18 03:16:39Z": "2022-06-18T03:16:39Z",
		" 2022-01-25 ":         "2022-01-25T00:00:00Z",
	} {
		at, ok := apitime.Parse(in)
		if !ok || at.UTC().Format(time.RFC3339Nano) != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", in, at, ok, want)
		}
	}
	// Unset, broken or not a time at all: zero, and not read.
	for _, in := range []string{"", "0001-01-01", "0001-01-01T00:00:00", "0001-01-01T00:00:00Z", "2022-03-01-preview2T13:32:43.123456Z",
		"2022-03-01-preview2T13:32:43Z", "yesterday", "1643094786", "2022-13-01T00:00:00Z"} {
		if at, ok := apitime.Parse(in); ok || !at.IsZero() {
			t.Errorf("Parse(%q) = %v, %v; want zero, false", in, at, ok)
		}
	}
}

// TestDecodeNeverFails: whatever JSON stands in a time field, the body around
// it decodes; only a string can read as a time.
func TestDecodeNeverFails(t *testing.T) {
	for body, want := range map[string]apitime.Time{
		`{"at":"2022-06-02T12:25:56.651"}`: "2022-06-02T12:25:56.651",
		`{"at":null}`:                      "",
		`{}`:                               "",
		`{"at":1643094786}`:                "1643094786",
		`{"at":{"utc": "x"}}`:              `{"utc":"x"}`,
		`{"at":[1, 2]}`:                    "[1,2]",
		`{"at":true}`:                      "true",
	} {
		var v struct {
			At apitime.Time `json:"at"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil || v.At != want {
			t.Errorf("%s: %q, %v; want %q", body, v.At, err, want)
		}
		if _, ok := v.At.Parse(); ok && body != `{"at":"2022-06-02T12:25:56.651"}` {
			t.Errorf("%s reads as a time", body)
		}
	}
}

func TestString(t *testing.T) {
	for in, want := range map[apitime.Time]string{
		"2022-06-02T12:25:56.651":              "2022-06-02T12:25:56.651Z", // zoneless: shown as the UTC it is
		"2022-03-01-preview2T13:32:43.123456Z": "2022-03-01-preview2T13:32:43.123456Z",
		"0001-01-01":                           "0001-01-01",
		"":                                     "",
	} {
		if got := in.String(); got != want {
			t.Errorf("%q.String() = %q; want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2022-06-13T08:44:47.5235Z", "2022-06-02T12:25:56.651", "0001-01-01", "2022-03-01-preview2T13:32:43Z", "2022-06-18 03:16:39Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, ok := apitime.Parse(s)
		if ok != !at.IsZero() || ok && at.Year() <= 1 {
			t.Fatalf("Parse(%q) = %v, %v", s, at, ok)
		}
		if ok {
			// What String shows reads back as the same instant.
			back, ok2 := apitime.Parse(apitime.Time(s).String())
			if !ok2 || !back.Equal(at) {
				t.Fatalf("%q shown as %q reads back as %v, %v", s, apitime.Time(s).String(), back, ok2)
			}
		}
	})
}
