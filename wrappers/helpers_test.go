package wrappers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/internal/contract"
	"github.com/evalkit/together-evals/wrappers"
)

// testKey is the API key every test client uses; tests check that it never leaks.
const testKey = "sk-test-0123456789abcdef-DO-NOT-LEAK"

// recorded is one request that reached a test server.
type recorded struct {
	Method, Path, EscapedPath, RawQuery, RequestURI string
	Header                                          http.Header
	Body                                            []byte
}

// testServer is an httptest server on loopback that checks every request against the spec and the
// API key, records it, and hands it to a handler.
type testServer struct {
	*httptest.Server
	t     testing.TB
	count atomic.Int64
	mu    sync.Mutex
	reqs  []recorded
}

func (s *testServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func (s *testServer) n() int { return int(s.count.Load()) }

// newServer starts a test server. Every request must validate against openapi.yaml and carry the
// test key; the handler then answers it.
func newServer(t testing.TB, h http.HandlerFunc) *testServer {
	t.Helper()
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.count.Add(1)
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{
			Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body,
		})
		s.mu.Unlock()
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			t.Errorf("%s %s: Authorization header is not the test key's", r.Method, r.URL.Path)
		}
		if err := v.ValidateRequest(r.Context(), r); err != nil {
			t.Errorf("request does not validate against openapi.yaml: %v", err)
			http.Error(w, "invalid request", http.StatusBadRequest)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// newClient returns a client for s with the test key and short retry waits.
func newClient(t testing.TB, s *testServer, opts ...wrappers.Option) *wrappers.Client {
	t.Helper()
	all := append([]wrappers.Option{
		wrappers.WithAPIKey(testKey),
		wrappers.WithBaseURL(s.URL + "/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := wrappers.NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name)) //nolint:gosec // test fixtures
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeJSON answers with status and body as application/json.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serveFixture answers every request with a fixture.
func serveFixture(t testing.TB, status int, name string) http.HandlerFunc {
	body := fixture(t, name)
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, status, body) }
}

// hijackAndClose drops the connection without answering.
func hijackAndClose(t testing.TB, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("the response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	_ = conn.Close()
}

// ctxT returns a context that ends with the test, bounded at 20 s so that no test hangs.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustContain(t testing.TB, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%q does not contain %q", s, sub)
	}
}

// newServerNoChecks starts a plain test server that neither checks nor counts requests.
func newServerNoChecks(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func fmtSprintf(verb string, v any) string { return fmt.Sprintf(verb, v) }

// mustParams returns the parameters object of a request fixture.
func mustParams(t testing.TB, name string) json.RawMessage {
	t.Helper()
	var req struct {
		Parameters json.RawMessage `json:"parameters"`
	}
	if err := json.Unmarshal(fixture(t, name), &req); err != nil {
		t.Fatal(err)
	}
	return req.Parameters
}

// normalize returns a request as a value (not a pointer), with an empty model source made
// serverless, Model targets as pointers and secrets shown, so that two equivalent requests print
// the same.
func normalize(r wrappers.CreateRequest) string {
	src := func(s wrappers.ModelSource) wrappers.ModelSource {
		if s == "" {
			return wrappers.ModelSourceServerless
		}
		return s
	}
	judge := func(j wrappers.Judge) string {
		temp := "nil"
		if j.Temperature != nil {
			temp = fmt.Sprint(*j.Temperature)
		}
		return fmt.Sprintf("judge{%s %q %s tok=%s url=%s w=%d max=%d t=%s}", j.Model, j.SystemTemplate, src(j.ModelSource),
			string(j.ExternalAPIToken), j.ExternalBaseURL, j.NumWorkers, j.MaxTokens, temp)
	}
	model := func(m wrappers.Model) string {
		temp := "nil"
		if m.Temperature != nil {
			temp = fmt.Sprint(*m.Temperature)
		}
		m.ModelSource = src(m.ModelSource)
		m.Temperature = nil
		return fmt.Sprintf("model %+v t=%s tok=%s", m, temp, string(m.ExternalAPIToken))
	}
	target := func(t wrappers.Target) string {
		switch v := t.(type) {
		case nil:
			return "nil"
		case wrappers.Column:
			return "column " + string(v)
		case wrappers.Model:
			return model(v)
		case *wrappers.Model:
			return model(*v)
		}
		return fmt.Sprintf("%T", t)
	}
	switch v := r.(type) {
	case *wrappers.ClassifyRequest:
		return normalize(*v)
	case *wrappers.ScoreRequest:
		return normalize(*v)
	case *wrappers.CompareRequest:
		return normalize(*v)
	case wrappers.ClassifyRequest:
		return fmt.Sprintf("classify %s %q %q %s %s", judge(v.Judge), v.Labels, v.PassLabels, target(v.ModelToEvaluate), v.InputFileID)
	case wrappers.ScoreRequest:
		return fmt.Sprintf("score %s %v %v %v %s %s", judge(v.Judge), v.MinScore, v.MaxScore, v.PassThreshold, target(v.ModelToEvaluate), v.InputFileID)
	case wrappers.CompareRequest:
		return fmt.Sprintf("compare %s %s %s %v %s", judge(v.Judge), target(v.ModelA), target(v.ModelB), v.DisablePositionBiasCorrection, v.InputFileID)
	}
	return fmt.Sprintf("%T", r)
}
