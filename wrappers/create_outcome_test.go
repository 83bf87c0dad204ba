package wrappers_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// cancelAfterAnswer cancels the call's context once an answer has come back.
type cancelAfterAnswer struct {
	rt     http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelAfterAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	c.cancel()
	return resp, err
}

// TestCreateOutcome: a failed Create says the job may exist exactly when a request left this
// machine and no answer says the service did not act.
func TestCreateOutcome(t *testing.T) {
	var n atomic.Int32
	var answer atomic.Value // func(http.ResponseWriter, *http.Request)
	s := newServerNoChecks(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		answer.Load().(func(http.ResponseWriter, *http.Request))(w, r)
	})
	client := func(opts ...wrappers.Option) *wrappers.Client {
		base := []wrappers.Option{
			wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(s.URL + "/v1"),
			wrappers.WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond),
		}
		c, err := wrappers.NewClient(append(base, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	status := func(code int, retryAfter string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeJSON(w, code, []byte(`{"error":{"message":"m"}}`))
		}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	later, cancelLater := context.WithCancel(context.Background())
	defer cancelLater()
	waitAfter429 := []wrappers.Option{
		wrappers.WithHTTPClient(&http.Client{Transport: cancelAfterAnswer{http.DefaultTransport, cancelLater}}),
		wrappers.WithRetryWaitBounds(time.Second, 2*time.Second),
	}
	for _, c := range []struct {
		name     string
		ctx      context.Context
		answer   func(http.ResponseWriter, *http.Request)
		opts     []wrappers.Option
		requests int32
		unknown  bool
	}{
		{"context cancelled before sending", cancelled, status(500, ""), nil, 0, false},
		{"400", context.Background(), status(400, ""), nil, 1, false},
		{"429 then the context ends during the wait", later, status(429, "1"), waitAfter429, 1, false},
		{"500", context.Background(), status(500, ""), nil, 1, true},
		{"303 See Other", context.Background(), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/v1/evaluation/eval-new", http.StatusSeeOther)
		}, nil, 1, true},
		{"307", context.Background(), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/v1/elsewhere", http.StatusTemporaryRedirect)
		}, nil, 1, false},
		{"200 without a body", context.Background(), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "40")
			w.WriteHeader(200)
		}, nil, 1, true},
		{"connection dropped after the request", context.Background(), func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, nil, 1, true},
	} {
		answer.Store(c.answer)
		n.Store(0)
		_, err := client(c.opts...).Create(c.ctx, createReq())
		if err == nil {
			t.Fatalf("%s: Create succeeded", c.name)
		}
		if got := errors.Is(err, wrappers.ErrCreateOutcomeUnknown); got != c.unknown {
			t.Errorf("%s: ErrCreateOutcomeUnknown = %v, want %v (%v)", c.name, got, c.unknown, err)
		}
		if n.Load() != c.requests {
			t.Errorf("%s: %d requests arrived, want %d", c.name, n.Load(), c.requests)
		}
	}
}

// TestCreateOverUntrustedTLS: a certificate the client refuses means nothing was sent.
func TestCreateOverUntrustedTLS(t *testing.T) {
	var n atomic.Int32
	s := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { n.Add(1) }))
	defer s.Close()
	c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(s.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(ctxT(t), createReq())
	if err == nil || errors.Is(err, wrappers.ErrCreateOutcomeUnknown) || n.Load() != 0 {
		t.Errorf("Create over an untrusted certificate: %v, %d requests; want an error without ErrCreateOutcomeUnknown, none sent", err, n.Load())
	}
}
