package wrappers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/wrappers"
)

func TestBadIDsAreRefusedBeforeAnyRequest(t *testing.T) {
	long := strings.Repeat("a", 257)
	for _, tc := range []struct {
		id, want string
	}{
		{"", `wrappers: invalid evaluation id "": the id is empty`},
		{".", `wrappers: invalid evaluation id ".": "." and ".." are not ids`},
		{"..", `wrappers: invalid evaluation id "..": "." and ".." are not ids`},
		{"a\x00b", `wrappers: invalid evaluation id "a\x00b": holds a control character`},
		{"eval-1\r\nX-Injected: 1", `wrappers: invalid evaluation id "eval-1\r\nX-Injected: 1": holds a control character`},
		{"tab\there", `wrappers: invalid evaluation id "tab\there": holds a control character`},
		{"del\x7f", `wrappers: invalid evaluation id "del\x7f": holds a control character`},
		{"c1\u0085", `wrappers: invalid evaluation id "c1\u0085": holds a control character`},
		{long, `wrappers: invalid evaluation id "` + long[:64] + `"... (257 bytes): longer than 256 bytes`},
	} {
		t.Run(tc.id, func(t *testing.T) {
			s := newServer(t, serveFixture(t, 200, "documented_job.json"))
			c := newClient(t, s)
			calls := map[string]func() error{
				"Retrieve": func() error { _, err := c.Retrieve(ctxT(t), tc.id); return err },
				"Status":   func() error { _, err := c.Status(ctxT(t), tc.id); return err },
				"Wait":     func() error { _, err := c.Wait(ctxT(t), tc.id, wrappers.WaitOptions{}); return err },
			}
			for name, call := range calls {
				err := call()
				var ie *wrappers.InvalidIDError
				if !errors.As(err, &ie) || !errors.Is(err, wrappers.ErrInvalidID) || ie.ID != tc.id || ie.Kind != "evaluation" {
					t.Fatalf("%s: error = %v, want an *InvalidIDError", name, err)
				}
				if err.Error() != tc.want {
					t.Errorf("%s: error = %s\nwant %s", name, err, tc.want)
				}
			}
			if s.n() != 0 {
				t.Errorf("%d requests were sent", s.n())
			}
		})
	}
}

func TestIDsArePathEscaped(t *testing.T) {
	for _, id := range []string{
		"eval-1234aedf",
		"a/../../files/x",
		"../files/file-1/content",
		"a/b?x=1#frag",
		"%2e%2e",
		"%2F",
		"a b",
		"ü-id",
		"a;b,c=d",
		"...",
		"./x",
		"\xff\xfe",
		strings.Repeat("z", 256),
	} {
		t.Run(id, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/status") {
					writeJSON(w, 200, []byte(`{"status":"running"}`))
					return
				}
				writeJSON(w, 200, fixture(t, "documented_job.json"))
			})
			c := newClient(t, s)
			if _, err := c.Retrieve(ctxT(t), id); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Status(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			reqs := s.requests()
			for i, suffix := range []string{"", "/status"} {
				r := reqs[i]
				wantEscaped := "/v1/evaluation/" + url.PathEscape(id) + suffix
				if r.EscapedPath != wantEscaped || r.RequestURI != wantEscaped || r.RawQuery != "" {
					t.Errorf("request %d arrived as %q (query %q), want %q", i, r.RequestURI, r.RawQuery, wantEscaped)
				}
				if r.Path != "/v1/evaluation/"+id+suffix {
					t.Errorf("request %d path unescapes to %q", i, r.Path)
				}
				segment := strings.TrimSuffix(strings.TrimPrefix(r.EscapedPath, "/v1/evaluation/"), suffix)
				if strings.Contains(segment, "/") {
					t.Errorf("the id spans several path segments: %q", r.EscapedPath)
				}
			}
			if id == "a/../../files/x" && !strings.Contains(reqs[0].EscapedPath, "%2F") {
				t.Errorf("EscapedPath = %q, want %%2F", reqs[0].EscapedPath)
			}
		})
	}
}
