package apihttp

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		header http.Header
		want   time.Duration
	}{
		"seconds":          {http.Header{"Retry-After": {"30"}}, 30 * time.Second},
		"http-date":        {http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		"date in the past": {http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		"retry-after-ms":   {http.Header{"Retry-After-Ms": {"1500"}}, 1500 * time.Millisecond},
		"x-ms-ms wins":     {http.Header{"X-Ms-Retry-After-Ms": {"250"}, "Retry-After": {"30"}}, 250 * time.Millisecond},
		"garbage":          {http.Header{"Retry-After": {"soon"}}, 0},
		"negative":         {http.Header{"Retry-After": {"-5"}}, 0},
		"NaN":              {http.Header{"Retry-After": {"NaN"}}, 0},
		"absurd":           {http.Header{"Retry-After": {"99999999999"}}, 0},
		"none":             {http.Header{}, 0},
	} {
		if got := RetryAfter(tc.header, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	for _, s := range []string{"30", "0.5", "-1", "NaN", "Inf", "1e300", "Sat, 21 Nov 2026 09:01:30 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d := ParseRetryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("ParseRetryAfter(%q) = %v, outside [0, %v]", v, d, maxRetryAfter)
		}
	})
}
