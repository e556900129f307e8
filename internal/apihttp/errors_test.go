package apihttp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestErrorQuotesTheServer: every shape an error body comes in (captures
// from the live services and their clients) gives an error that names the
// HTTP status and quotes what the server said, on one line.
func TestErrorQuotesTheServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		said   string // "" : the error says the body was empty
	}{
		{"error envelope with details", 400, `{"error":{"code":"badRequest","message":"Invalid configuration: schema validation failed","details":[{"code":"schemaValidationError","message":"Schema validation failed for schema https://scheme"}]}}`,
			`"badRequest: Invalid configuration: schema validation failed; schemaValidationError: Schema validation failed for schema https://scheme"`},
		{"details an empty object", 400, `{"error":{"code":"badRequest","message":"m","details":{}}}`, `"badRequest: m"`},
		{"details null, nested object", 400, `{"error":{"code":"conflict","message":"m","details":{"code":"invalidState","message":"n","details":null}}}`, `"conflict: m; invalidState: n"`},
		{"bare code and message", 409, `{"code":"Conflict","message":"Another operation is in progress"}`, `"Conflict: Another operation is in progress"`},
		{"message only", 400, `{"message":"nope"}`, `"nope"`},
		{"CPP PascalCase envelope", 403, `{"error":{"code":"Forbidden","message":"User does not have the required permissions"}}`, `"Forbidden: User does not have the required permissions"`},
		{"keys in another case", 400, `{"Error":{"Code":"BadRequest","Message":"m"}}`, `"BadRequest: m"`},
		{"a JSON string", 400, `"ICH50400 - Unable to complete request. {\"faultCode\":50400,\"data\":{\"FeatureName\":[\"The field FeatureName is invalid.\"]}}"`,
			`"ICH50400 - Unable to complete request. {"faultCode":50400,"data":{"FeatureName":["The field FeatureName is invalid."]}}"`},
		{"plain text fragment", 500, "InternalServerError\",\"message\":\"We cannot complete the request now, please try again later.\"\n",
			`"InternalServerError","message":"We cannot complete the request now, please try again later.""`},
		{"OAuth style", 400, `{"error":"invalid_request","error_description":"AADSTS900144: bad\r\nTrace ID: x"}`, `"invalid_request: AADSTS900144: bad Trace ID: x"`},
		{"errors list", 422, `{"errors":[{"code":"a","message":"one"},"two"]}`, `"a: one; two"`},
		{"validations list", 400, `{"value":[{"errorCode":"Resell-20007","severity":"Error","message":"ResellerConfiguration module is missing..","resource":"Resell"}]}`, `"Resell-20007: ResellerConfiguration module is missing.."`},
		{"JSON without a message", 502, `{"status":"down"}`, `"{"status":"down"}"`},
		{"multi-line text", 503, "Service Unavailable\r\n\r\n  try later\t", `"Service Unavailable try later"`},
		{"empty", 404, "", ""},
		{"white space only", 404, " \r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := New(fixedToken{}, func(int) string { return "what it means" }).Do(context.Background(), http.MethodGet, "GET x", srv.URL)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%v is not an *Error", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "GET x: HTTP "+strconv.Itoa(tc.status)+" — what it means") || strings.ContainsAny(msg, "\r\n\t") {
				t.Errorf("error %q does not name the status on one line", msg)
			}
			want := "(the server said: " + tc.said + ")"
			if tc.said == "" {
				want = "(the server sent no body)"
			}
			if !strings.HasSuffix(msg, want) {
				t.Errorf("error %q\nwant it to end %s", msg, want)
			}
		})
	}
}

// TestDetailIsBounded: a long answer is cut, on a character boundary.
func TestDetailIsBounded(t *testing.T) {
	long := strings.Repeat("é", 2000)
	for _, body := range []string{long, `{"error":{"message":"` + long + `"}}`, `"` + long + `"`} {
		d := serverDetail([]byte(body))
		if len(d) > maxDetail+len("…") || !strings.HasSuffix(d, "é…") {
			t.Errorf("detail of %d bytes: %d bytes, ends %q", len(body), len(d), d[len(d)-6:])
		}
	}
}

// TestFaultsShapes: details and errors come as an array, {}, null, a string
// or not at all, at any depth; none fails the decode and no message is lost.
func TestFaultsShapes(t *testing.T) {
	for body, want := range map[string]string{
		`[]`:   "",
		`{}`:   "",
		`null`: "",
		`[{"code":"internalServerError","message":"Certification failed.","details":{}}]`:                                         "internalServerError: Certification failed.",
		`[{"code":"conflict","message":"Error message","details":[{"code":"invalidResource","message":"Failure","details":[]}]}]`: "conflict: Error message; invalidResource: Failure",
		`[{"code":"a","message":"m","details":[{"code":"b","message":"n","details":{"code":"c","message":"o"}}]}]`:                "a: m; b: n; c: o",
		`[{"code":"a","message":"m","details":[null,{},{"details":[{"message":"lifted"}]},"plain",7,[{"message":"inner"}]]}]`:     "a: m; lifted; plain; inner",
		`{"code":"Conflict","message":"one object"}`:                                                                              "Conflict: one object",
		`[{"code":400,"message":"numeric code","resourceId":"plan/p/1"}]`:                                                         "400: numeric code (resource plan/p/1)",
		`["bad <plan>", {"message":""}, true]`:                                                                                    "bad <plan>",
	} {
		var fs Faults
		if err := json.Unmarshal([]byte(body), &fs); err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		texts := make([]string, len(fs))
		for i := range fs {
			texts[i] = fs[i].Text()
		}
		if got := strings.Join(texts, " | "); got != want {
			t.Errorf("%s:\n got %q\nwant %q", body, got, want)
		}
	}
	deep := strings.Repeat(`{"code":"c","message":"m","details":`, 100) + "null" + strings.Repeat("}", 100)
	var fs Faults
	if err := json.Unmarshal([]byte(deep), &fs); err != nil || len(fs) != 1 || strings.Count(fs[0].Text(), "c: m") > maxFaultDepth+1 {
		t.Errorf("a deep tree: %v, %d errors", err, len(fs))
	}
}

// TestHasCodeIgnoresCase: the same code arrives as conflict and Conflict.
func TestHasCodeIgnoresCase(t *testing.T) {
	if (&Error{Body: []byte(`["no code here"]`)}).HasCode("") {
		t.Error("an empty code matched")
	}
	e := &Error{StatusCode: 400, Body: []byte(`{"error":{"code":"badRequest","message":"m","details":[{"code":"invalidState","message":"Certification"}]}}`)}
	for code, want := range map[string]bool{"BadRequest": true, "badrequest": true, "INVALIDSTATE": true, "conflict": false, "": false} {
		if got := e.HasCode(code); got != want {
			t.Errorf("HasCode(%q) = %v; want %v", code, got, want)
		}
	}
	for _, body := range []string{`{"code":"Conflict","message":"m"}`, `{"error":{"code":"conflict"}}`, `[{"code":"CONFLICT","message":"m"}]`} {
		if !(&Error{Body: []byte(body)}).HasCode("conflict") {
			t.Errorf("%s: no conflict code found", body)
		}
	}
	if (&Error{Body: []byte(`"conflict"`)}).HasCode("conflict") {
		t.Error("a message is not a code")
	}
}

// TestNextLinkSpellings: PI pages say @nextLink, the older ingestion API
// nextLink; the last page leaves the key out.
func TestNextLinkSpellings(t *testing.T) {
	for body, want := range map[string]string{
		`{"value":[1],"@nextLink":"https://x/?$skipToken=a"}`:             "https://x/?$skipToken=a",
		`{"nextLink":"v1.0/ingestion/products?$skipToken=b","value":[2]}`: "v1.0/ingestion/products?$skipToken=b",
		`{"value":[3]}`: "",
		`[4]`:           "",
	} {
		list, next, err := DecodePage[int]([]byte(body), "things")
		if err != nil || len(list) != 1 || next != want {
			t.Errorf("%s: %v %q %v; want next %q", body, list, next, err, want)
		}
	}
}

// FuzzServerDetail: whatever the body, what is quoted is one bounded line
// of valid UTF-8, and valid JSON always decodes as Faults.
func FuzzServerDetail(f *testing.F) {
	for _, s := range []string{`{"error":{"code":"c","message":"m","details":{}}}`, `"ICH50400 - x"`, "InternalServerError\",\"message\":\"x\"", ``, `[[["a"]]]`, `{"errors":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := serverDetail(body)
		if len(d) > maxDetail+len("…") || strings.ContainsAny(d, "\r\n\t") || !utf8.ValidString(d) || d != strings.TrimSpace(d) {
			t.Fatalf("detail %q", d)
		}
		if json.Valid(body) {
			var fs Faults
			if err := json.Unmarshal(body, &fs); err != nil {
				t.Fatalf("valid JSON %q: %v", body, err)
			}
			_ = fs.HasCode("c")
		}
	})
}
