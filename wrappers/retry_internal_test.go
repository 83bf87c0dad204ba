package wrappers

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 4, 28, 12, 0, 0, 0, time.UTC)
	p := &retryPolicy{
		now:    func() time.Time { return now },
		jitter: func(n int64) int64 { return n - 1 }, // the top of the range
	}
	const (
		minW = 500 * time.Millisecond
		maxW = 30 * time.Second
	)
	for _, tc := range []struct {
		name       string
		attempt    int
		retryAfter string // "-" for no response at all
		want       time.Duration
	}{
		{"first retry", 0, "-", minW},
		{"second retry", 1, "-", 2 * minW},
		{"fifth retry", 4, "-", 16 * minW},
		{"capped", 10, "-", maxW},
		{"no overflow", 200, "-", maxW},
		{"retry-after seconds", 0, "2", 2 * time.Second},
		{"retry-after zero", 3, "0", 0},
		{"retry-after capped", 0, "3600", maxW},
		{"retry-after date", 0, now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
		{"retry-after date in the past", 2, now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"retry-after RFC 850 date", 0, "Tuesday, 28-Apr-26 12:00:04 GMT", 4 * time.Second},
		{"retry-after garbage falls back", 1, "soon", 2 * minW},
		{"retry-after negative falls back", 0, "-5", minW},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			if tc.retryAfter != "-" {
				resp = &http.Response{StatusCode: 429, Header: http.Header{}, Body: http.NoBody}
				if tc.retryAfter != "" {
					resp.Header.Set("Retry-After", tc.retryAfter)
				}
			}
			if got := p.backoff(minW, maxW, tc.attempt, resp); got != tc.want {
				t.Errorf("backoff = %s, want %s", got, tc.want)
			}
		})
	}
	// Full jitter: the bottom of the range is 0.
	p.jitter = func(int64) int64 { return 0 }
	if got := p.backoff(minW, maxW, 3, nil); got != 0 {
		t.Errorf("backoff with zero jitter = %s", got)
	}
}

func TestCheckRetry(t *testing.T) {
	p := newRetryPolicy()
	ctxFor := func(method string) context.Context {
		return withMethod(context.Background(), method)
	}
	dialErr := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	readErr := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	timeoutErr := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: timeoutError{}}}
	certErr := &url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}
	for _, tc := range []struct {
		method string
		status int
		err    error
		want   bool
	}{
		{"GET", 0, readErr, true},
		{"GET", 0, dialErr, true},
		{"GET", 0, timeoutErr, true},
		{"GET", 0, certErr, false},
		{"GET", 0, &url.Error{Op: "Get", URL: "x", Err: errTooManyRedirects}, false},
		{"GET", 0, errors.New(`unsupported protocol scheme "ftp"`), false},
		{"POST", 0, dialErr, true},
		{"POST", 0, readErr, false},
		{"POST", 0, timeoutErr, false},
		{"POST", 0, certErr, false},
		{"GET", 429, nil, true},
		{"POST", 429, nil, true},
		{"GET", 408, nil, true},
		{"POST", 408, nil, false},
		{"GET", 500, nil, true},
		{"GET", 502, nil, true},
		{"GET", 503, nil, true},
		{"GET", 504, nil, true},
		{"POST", 500, nil, false},
		{"POST", 503, nil, false},
		{"GET", 501, nil, false},
		{"GET", 404, nil, false},
		{"GET", 200, nil, false},
	} {
		t.Run(fmt.Sprintf("%s %d %v", tc.method, tc.status, tc.err), func(t *testing.T) {
			var resp *http.Response
			if tc.err == nil {
				resp = &http.Response{StatusCode: tc.status, Header: http.Header{}}
			}
			got, err := p.checkRetry(ctxFor(tc.method), resp, tc.err)
			if err != nil || got != tc.want {
				t.Errorf("checkRetry = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(ctxFor("GET"))
	cancel()
	if got, err := p.checkRetry(ctx, nil, readErr); got || !errors.Is(err, context.Canceled) {
		t.Errorf("checkRetry with a cancelled context = %v, %v", got, err)
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// TestRetryAfterIsHonoured checks, end to end, the wait the client chose after a 429 with
// Retry-After: the server's wait (capped at the client's maximum), not the exponential backoff.
func TestRetryAfterIsHonoured(t *testing.T) {
	for _, tc := range []struct {
		name, header string
	}{
		{"seconds", "1"},
		{"HTTP date", time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.header)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"status":"running"}`))
			}))
			defer srv.Close()
			const maxWait = 10 * time.Second
			c, err := NewClient(WithAPIKey("k"), WithBaseURL(srv.URL), WithRetryWaitBounds(time.Microsecond, maxWait))
			if err != nil {
				t.Fatal(err)
			}
			d := c.api.Client.(*doer)
			var mu sync.Mutex
			var waits []time.Duration
			inner := d.retrying.Backoff
			d.retrying.Backoff = func(minW, maxW time.Duration, attempt int, resp *http.Response) time.Duration {
				w := inner(minW, maxW, attempt, resp)
				mu.Lock()
				waits = append(waits, w)
				mu.Unlock()
				return 0 // recorded, not slept: the test stays fast
			}
			if _, err := c.Status(context.Background(), "eval-1"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(waits) != 1 || waits[0] < 3*time.Second/4 || waits[0] > 5*time.Second {
				t.Errorf("waits = %v, want the Retry-After (1 s, or the date about 4-5 s ahead)", waits)
			}
			if n.Load() != 2 {
				t.Errorf("%d requests, want 2", n.Load())
			}
		})
	}
}

// TestRetryAfterIsCapped: both forms of Retry-After ask for at most a day, so a far-off date
// cannot become a wait of centuries (an APIError's RetryAfter of 2,562,047 h).
func TestRetryAfterIsCapped(t *testing.T) {
	now := time.Date(2026, 4, 28, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"5", 5 * time.Second},
		{"86400", 24 * time.Hour},
		{"86401", 24 * time.Hour},
		{"99999999999999999", 24 * time.Hour},
		// More seconds than an int64 holds: still a (very) long wait, not no Retry-After at all
		// (which would retry a rate-limited request at once and report RetryAfter 0).
		{"99999999999999999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{now.Add(25 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour},
	} {
		h := http.Header{"Retry-After": {tc.header}}
		got, ok := retryAfter(h, now)
		if !ok || got != tc.want {
			t.Errorf("Retry-After %q = %v, %v; want %v", tc.header, got, ok, tc.want)
		}
	}
}
