package wrappers_test

import (
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// TestRetryNotify checks that WithRetryNotify is told of each retry, before it, with the status
// that failed, the attempt, the wait and whether the service chose it.
func TestRetryNotify(t *testing.T) {
	var n atomic.Int32
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Retry-After", "Mon, 01 Jan 2001 00:00:00 GMT") // in the past: no wait
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write(fixture(t, "responses/error_429.json"))
		default:
			writeJSON(w, 200, fixture(t, "documented_job.json"))
		}
	})
	var got []wrappers.Retry
	c := newClient(t, s, wrappers.WithMaxRetries(3), wrappers.WithRetryNotify(func(r wrappers.Retry) {
		// Called before the retry it announces: the server has seen exactly Attempt requests.
		if int(n.Load()) != r.Attempt {
			t.Errorf("retry %d announced after %d requests", r.Attempt, n.Load())
		}
		got = append(got, r)
	}))
	if _, err := c.Retrieve(ctxT(t), "eval-x"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d retries announced, want 2: %+v", len(got), got)
	}
	first, second := got[0], got[1]
	if first.Method != "GET" || first.Path != "/v1/evaluation/eval-x" || first.Attempt != 1 || first.Max != 3 ||
		first.StatusCode != 503 || first.Err != nil || first.RetryAfter || first.Wait < 0 || first.Wait > 5*time.Millisecond {
		t.Errorf("first retry = %+v", first)
	}
	if second.Attempt != 2 || second.StatusCode != 429 || !second.RetryAfter || second.Wait != 0 {
		t.Errorf("second retry = %+v", second)
	}
}

// TestRetryNotifyConnectionError checks that a retry after a refused connection carries the
// error, and that the last failure (not retried) is not announced.
func TestRetryNotifyConnectionError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	var got []wrappers.Retry
	c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL("http://"+addr+"/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond), wrappers.WithMaxRetries(2),
		wrappers.WithRetryNotify(func(r wrappers.Retry) { got = append(got, r) }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retrieve(ctxT(t), "eval-x"); err == nil {
		t.Fatal("no error from a closed port")
	}
	if len(got) != 2 {
		t.Fatalf("%d retries announced, want 2: %+v", len(got), got)
	}
	for i, r := range got {
		if r.Attempt != i+1 || r.StatusCode != 0 || !errors.Is(r.Err, syscall.ECONNREFUSED) {
			t.Errorf("retry %d = %+v", i+1, r)
		}
	}
}

func TestRetryNotifyNil(t *testing.T) {
	if _, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithRetryNotify(nil)); err == nil {
		t.Error("a nil function is accepted")
	}
}
