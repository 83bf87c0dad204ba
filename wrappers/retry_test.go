package wrappers_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// failFirst answers the first n requests with fail, then with the documented job.
func failFirst(t *testing.T, n int64, fail func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	var seen atomic.Int64
	ok := fixture(t, "documented_job.json")
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			fail(w, r)
			return
		}
		writeJSON(w, 200, ok)
	}
}

func status(code int, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		writeJSON(w, code, []byte(`{"error":{"message":"try later","type":"server_error"}}`))
	}
}

func TestGetRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failures  int64
		fail      func(http.ResponseWriter, *http.Request)
		opts      []wrappers.Option
		wantReqs  int
		wantError int // the APIError status expected, or 0 for success
	}{
		// The test clients wait at most a few milliseconds between attempts: a longer Retry-After
		// is handed back to the caller at once (TestRetryAfterIsHonoured covers a shorter one).
		{"429 with Retry-After seconds beyond the max wait", 1, status(429, "Retry-After", "1"), nil, 1, 429},
		{"429 with Retry-After date beyond the max wait", 1, status(429, "Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat)), nil, 1, 429},
		{"429 with a bad Retry-After", 1, status(429, "Retry-After", "soon"), nil, 2, 0},
		{"408", 1, status(408), nil, 2, 0},
		{"500", 1, status(500), nil, 2, 0},
		{"502", 1, status(502), nil, 2, 0},
		{"503 twice", 2, status(503), nil, 3, 0},
		{"504", 1, status(504), nil, 2, 0},
		{"503 beyond the retries", 3, status(503), nil, 3, 503},
		{"503 with more retries", 4, status(503), []wrappers.Option{wrappers.WithMaxRetries(4)}, 5, 0},
		{"503 with retries off", 1, status(503), []wrappers.Option{wrappers.WithMaxRetries(0)}, 1, 503},
		{"dropped connection", 2, func(w http.ResponseWriter, _ *http.Request) { hijackAndClose(t, w) }, nil, 3, 0},
		{"attempt timeout", 1, func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, []wrappers.Option{wrappers.WithTimeout(100 * time.Millisecond)}, 2, 0},
		{"400 is not retried", 1, status(400), nil, 1, 400},
		{"401 is not retried", 1, status(401), nil, 1, 401},
		{"404 is not retried", 1, status(404), nil, 1, 404},
		{"501 is not retried", 1, status(501), nil, 1, 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, failFirst(t, tc.failures, tc.fail))
			job, err := newClient(t, s, tc.opts...).Retrieve(ctxT(t), "eval-1234aedf")
			if got := s.n(); got != tc.wantReqs {
				t.Errorf("%d requests arrived, want %d", got, tc.wantReqs)
			}
			if tc.wantError == 0 {
				if err != nil || job.ID != "eval-1234aedf" {
					t.Fatalf("Retrieve() = %v, %v", job, err)
				}
				return
			}
			var ae *wrappers.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tc.wantError {
				t.Fatalf("error = %v, want an APIError %d", err, tc.wantError)
			}
			if strings.Contains(tc.name, "beyond the max wait") && ae.RetryAfter < time.Second {
				t.Errorf("RetryAfter = %v, want the server's wait", ae.RetryAfter)
			}
		})
	}
}

func TestGetRetriesExhaustedOnConnectionErrors(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) { hijackAndClose(t, w) })
	_, err := newClient(t, s).Retrieve(ctxT(t), "eval-1")
	if err == nil {
		t.Fatal("no error")
	}
	if s.n() != 3 {
		t.Errorf("%d requests, want 3", s.n())
	}
	mustContain(t, err.Error(), "after 3 attempts")
	var ae *wrappers.APIError
	if errors.As(err, &ae) {
		t.Errorf("a connection error became an APIError: %v", err)
	}
}

func createReq() wrappers.CreateRequest { return fixtureRequests()["create_classify.json"] }

func TestCreateRetries(t *testing.T) {
	created := fixture(t, "responses/create.json")
	for _, tc := range []struct {
		name     string
		fail     func(http.ResponseWriter, *http.Request)
		opts     []wrappers.Option
		wantReqs int
		wantOK   bool
	}{
		{"429 is retried", status(429, "Retry-After", "0"), nil, 2, true},
		{"500 is not retried", status(500), nil, 1, false},
		{"502 is not retried", status(502), nil, 1, false},
		{"503 is not retried", status(503), nil, 1, false},
		{"504 is not retried", status(504), nil, 1, false},
		{"408 is not retried", status(408), nil, 1, false},
		{"a reset after sending is not retried", func(w http.ResponseWriter, _ *http.Request) { hijackAndClose(t, w) }, nil, 1, false},
		{"a timeout is not retried", func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, []wrappers.Option{wrappers.WithTimeout(100 * time.Millisecond)}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen atomic.Int64
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if seen.Add(1) == 1 {
					tc.fail(w, r)
					return
				}
				writeJSON(w, 200, created)
			})
			out, err := newClient(t, s, tc.opts...).Create(ctxT(t), createReq())
			if got := s.n(); got != tc.wantReqs {
				t.Errorf("%d creates arrived, want %d", got, tc.wantReqs)
			}
			if tc.wantOK != (err == nil) {
				t.Fatalf("Create() = %+v, %v", out, err)
			}
		})
	}
}

func TestCreateRetriedWhenTheConnectionWasNeverMade(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/create.json"))
	var dials atomic.Int64
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= 2 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
		}
		return dialer.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	c := newClient(t, s, wrappers.WithHTTPClient(&http.Client{Transport: tr}))
	out, err := c.Create(ctxT(t), createReq())
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != "eval-1234-1244513" || s.n() != 1 || dials.Load() != 3 {
		t.Errorf("created %q with %d requests after %d dials; want 1 request after 3 dials", out.ID, s.n(), dials.Load())
	}
}

func TestCreateConnectionRefused(t *testing.T) {
	ln, err := (&net.ListenConfig{}).Listen(ctxT(t), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL("http://"+addr+"/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(ctxT(t), createReq())
	if err == nil {
		t.Fatal("no error")
	}
	mustContain(t, err.Error(), "after 3 attempts")
	mustContain(t, err.Error(), "connect")
	if errors.Is(err, wrappers.ErrCreateOutcomeUnknown) {
		t.Errorf("a create that never connected says the job may exist: %v", err)
	}
}

func TestCancelDuringBackoffStopsAtOnce(t *testing.T) {
	arrived := make(chan struct{}, 1)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		status(503, "Retry-After", "30")(w, r)
		arrived <- struct{}{}
	})
	c := newClient(t, s, wrappers.WithRetryWaitBounds(time.Millisecond, time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Retrieve(ctx, "eval-1")
		done <- err
	}()
	<-arrived
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Retrieve did not return after its context was cancelled")
	}
	if s.n() != 1 {
		t.Errorf("%d requests, want 1", s.n())
	}
}

func TestCancelDuringRequest(t *testing.T) {
	arrived := make(chan struct{})
	s := newServer(t, func(_ http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := newClient(t, s).Retrieve(ctx, "eval-1")
		done <- err
	}()
	<-arrived
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Retrieve did not return after its context was cancelled")
	}
	if s.n() != 1 {
		t.Errorf("%d requests, want 1", s.n())
	}
}

// closeCounter counts the response bodies closed by the client.
type closeCounter struct {
	rt             http.RoundTripper
	mu             sync.Mutex
	opened, closed int
}

type countedBody struct {
	io.ReadCloser
	c    *closeCounter
	once sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.c.mu.Lock(); b.c.closed++; b.c.mu.Unlock() })
	return b.ReadCloser.Close()
}

func (c *closeCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err == nil {
		c.mu.Lock()
		c.opened++
		c.mu.Unlock()
		resp.Body = &countedBody{ReadCloser: resp.Body, c: c}
	}
	return resp, err
}

func TestRetriedBodiesAreClosed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int64
		wantErr  bool
	}{{"recovered", 2, false}, {"exhausted", 5, true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, failFirst(t, tc.failures, status(503)))
			cc := &closeCounter{rt: http.DefaultTransport.(*http.Transport).Clone()}
			_, err := newClient(t, s, wrappers.WithHTTPClient(&http.Client{Transport: cc})).Retrieve(ctxT(t), "eval-1")
			if (err != nil) != tc.wantErr {
				t.Fatal(err)
			}
			cc.mu.Lock()
			defer cc.mu.Unlock()
			if cc.opened != 3 || cc.closed != 3 {
				t.Errorf("%d bodies opened, %d closed; want 3 and 3", cc.opened, cc.closed)
			}
		})
	}
}

func TestRetryAfterOnAPIError(t *testing.T) {
	s := newServer(t, status(429, "Retry-After", strconv.Itoa(3)))
	_, err := newClient(t, s, wrappers.WithMaxRetries(0)).Retrieve(ctxT(t), "eval-1")
	var ae *wrappers.APIError
	if !errors.As(err, &ae) || ae.RetryAfter != 3*time.Second || !errors.Is(err, wrappers.ErrRateLimited) {
		t.Errorf("error = %#v", err)
	}
}

// TestFailedCallsKeepThePool: a call that ends without success (its retries ran out, or it was
// cancelled) does not close the idle connections other calls use.
func TestFailedCallsKeepThePool(t *testing.T) {
	var conns atomic.Int64
	var fail atomic.Bool
	ok := fixture(t, "documented_job.json")
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if fail.Load() {
			writeJSON(w, 503, []byte(`{"error":{"message":"busy","type":"server_error"}}`))
			return
		}
		writeJSON(w, 200, ok)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	defer s.Close()
	c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(s.URL+"/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retrieve(ctxT(t), "eval-1234aedf"); err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	if _, err := c.Retrieve(ctxT(t), "eval-1234aedf"); err == nil {
		t.Fatal("no error after the retries ran out")
	}
	fail.Store(false)
	if _, err := c.Retrieve(ctxT(t), "eval-1234aedf"); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections opened, want 1: a failed call closed the pool", n)
	}
}

// TestAttemptTimeoutSpansRedirects: the attempt timeout bounds a redirect chain as a whole, as
// http.Client's Timeout does: two hops that each answer within it, but not both, time out.
func TestAttemptTimeoutSpansRedirects(t *testing.T) {
	job := fixture(t, "documented_job.json")
	var hops atomic.Int64
	wait := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		wait(r)
		if !strings.HasPrefix(r.URL.Path, "/moved/") {
			http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusFound)
			return
		}
		writeJSON(w, http.StatusOK, job)
	}))
	defer ts.Close()
	c, err := wrappers.NewClient(wrappers.WithAPIKey("k"), wrappers.WithBaseURL(ts.URL),
		wrappers.WithTimeout(400*time.Millisecond), wrappers.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Retrieve(ctxT(t), "eval-1234aedf")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "attempt timeout of 400ms") {
		t.Fatalf("error %v after %d requests, want the attempt timeout", err, hops.Load())
	}
	if hops.Load() != 2 {
		t.Errorf("%d requests, want the first and its redirect", hops.Load())
	}
}
