package wrappers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/evalkit/together-evals/generated"
)

// FuzzID checks every id: either it is refused with a printable error naming it, or both
// evaluation requests built for it put it in exactly one path segment that unescapes back to it,
// with no query or fragment, and the request Retrieve and Status build themselves (Client.newGet)
// has the generated client's URL.
func FuzzID(f *testing.F) {
	for _, s := range []string{"eval-1", "", ".", "..", "a/../../files/x", "a?b#c", "%2e%2e", "a\x00", "\xff", "ü", " "} {
		f.Add(s)
	}
	const base = "https://api.together.ai/v1/"
	c, err := NewClient(WithAPIKey("k"), WithBaseURL(base))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if err := checkID("evaluation", id); err != nil {
			var ie *InvalidIDError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidID) {
				t.Fatalf("error %v is not an *InvalidIDError", err)
			}
			msg := err.Error()
			if !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("error message is not printable: %q", msg)
			}
			if !strings.Contains(msg, quoteID(id)) {
				t.Fatalf("error %q does not name the id", msg)
			}
			return
		}
		for suffix, build := range map[string]func(string, string) (*http.Request, error){
			"":        func(s, id string) (*http.Request, error) { return generated.NewGetEvaluationRequest(s, id) },
			"/status": func(s, id string) (*http.Request, error) { return generated.NewGetEvaluationStatusRequest(s, id) },
		} {
			req, err := build(base, id)
			if err != nil {
				t.Fatalf("building the request for %q: %v", id, err)
			}
			own, err := c.newGet(t.Context(), "/evaluation/"+escapedID(id)+suffix)
			if err != nil || own.URL.String() != req.URL.String() || own.Method != req.Method {
				t.Fatalf("id %q: Client.newGet gives %v (%v), the generated client %q", id, own.URL, err, req.URL)
			}
			u := req.URL
			if u.Host != "api.together.ai" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
				t.Fatalf("id %q gives URL %q", id, u)
			}
			p := u.EscapedPath()
			if !strings.HasPrefix(p, "/v1/evaluation/") || !strings.HasSuffix(p, suffix) {
				t.Fatalf("id %q gives path %q", id, p)
			}
			seg := strings.TrimSuffix(strings.TrimPrefix(p, "/v1/evaluation/"), suffix)
			if strings.Contains(seg, "/") {
				t.Fatalf("id %q spans several segments: %q", id, p)
			}
			if got, err := url.PathUnescape(seg); err != nil || got != id {
				t.Fatalf("segment %q unescapes to %q (%v), want %q", seg, got, err, id)
			}
			// The server side sees the same: parse the request line as a server would.
			parsed, err := url.ParseRequestURI(u.RequestURI())
			if err != nil {
				t.Fatalf("a server cannot parse %q: %v", u.RequestURI(), err)
			}
			if parsed.Path != "/v1/evaluation/"+id+suffix {
				t.Fatalf("a server reads %q as path %q", u.RequestURI(), parsed.Path)
			}
		}
	})
}
