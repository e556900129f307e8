// Package apitime reads the timestamps the marketplace APIs send. They vary:
// 1 to 7 fraction digits, a zone or none, a date alone, a space for the T,
// 0001-01-01 for "not set", and once a jobStart with the API version in it
// (2022-03-01-preview2T13:32:43Z). A timestamp that does not read is no time
// at all, never an error: it must not fail the body it came in, and it
// proves nothing (it is never "created since" anything).
package apitime

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Time is a timestamp as the API sent it. It decodes from any JSON value, so
// an odd one never fails the body around it: a string is kept as is, null is
// empty, anything else is kept as its JSON text (which does not parse).
type Time string

// UnmarshalJSON implements the tolerance described on Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var s string
	switch {
	case string(b) == "null":
		*t = ""
	case json.Unmarshal(b, &s) == nil:
		*t = Time(s)
	default:
		var c bytes.Buffer
		if json.Compact(&c, b) != nil {
			return nil // the surrounding decoder has validated b; nothing to keep
		}
		*t = Time(c.String())
	}
	return nil
}

// Parse reads t, as Parse does.
func (t Time) Parse() (time.Time, bool) { return Parse(string(t)) }

// String is t for a person: in UTC, RFC 3339, when it reads (a zoneless time
// shown with its Z, so it can be passed back as since); else as sent.
func (t Time) String() string {
	if at, ok := t.Parse(); ok {
		return at.UTC().Format(time.RFC3339Nano)
	}
	return string(t)
}

// layouts are the forms seen from the APIs, most common first. Go reads any
// number of fraction digits where a layout has a seconds field.
var layouts = []string{
	time.RFC3339Nano,                      // 2022-06-13T08:44:47.5235Z, …+02:00
	"2006-01-02T15:04:05.999999999",       // CPP changedTime, the unset 0001-01-01T00:00:00
	"2006-01-02 15:04:05.999999999Z07:00", // Azure AD: 2022-06-18 03:16:39Z
	"2006-01-02 15:04:05.999999999",
	"2006-01-02", // the unset 0001-01-01
}

// Parse reads a timestamp in any form the APIs send; ok is false (and the
// time zero) when s is empty, the "not set" sentinel (year 1) or unreadable.
// A time without a zone is UTC: the services keep and send UTC (CPP's docs
// call changedTime's peers "UTC datetime"), so a zoneless time is read, and
// counts as proof of newness, exactly as if it ended in Z.
func Parse(s string) (time.Time, bool) {
	s = strings.ToUpper(strings.TrimSpace(s)) // RFC 3339 allows t and z
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range layouts {
		if at, err := time.Parse(layout, s); err == nil {
			if at.Year() <= 1 {
				return time.Time{}, false
			}
			return at, true
		}
	}
	return time.Time{}, false
}
