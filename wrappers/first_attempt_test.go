package wrappers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// Retrieve and Status send their first attempt straight to the transport and hand over to the
// retrying layer only when that attempt does not settle the call (first_attempt.go). The retrying
// layer alone is what a client with debug logging uses, so the two paths can be run side by side:
// for every kind of first answer they must send the same requests, retry the same way, report the
// same retries and end with the same result or error.

// firstAnswer is how the test server answers one request: n is the request's number (from 1).
type firstAnswer func(t *testing.T, n int64, w http.ResponseWriter, r *http.Request)

// pathOutcome is what one call did, for comparing the two paths.
type pathOutcome struct {
	requests int64
	result   string // the job's or status's id and status, or the error's text
	retries  []string
	keys     []string // the Authorization header each request carried ("" without one)
}

func TestFirstAttemptActsAsTheRetryingPath(t *testing.T) {
	job := fixture(t, "documented_job.json")
	ok := func(_ *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, job) }
	status := func(code int) firstAnswer {
		return func(_ *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, code, []byte(`{"error":{"message":"try again","type":"server_error"}}`))
		}
	}
	// other is a second origin, for a redirect that must not carry the key.
	var other pathOutcome
	var otherMu sync.Mutex
	otherSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherMu.Lock()
		other.keys = append(other.keys, r.Header.Get("Authorization"))
		otherMu.Unlock()
		writeJSON(w, http.StatusOK, job)
	}))
	defer otherSrv.Close()

	for _, tc := range []struct {
		name    string
		status  bool // call Status instead of Retrieve
		answers []firstAnswer
	}{
		{name: "an answer at once", answers: []firstAnswer{ok}},
		{name: "status at once", status: true, answers: []firstAnswer{ok}},
		{name: "503 then an answer", answers: []firstAnswer{status(503), ok}},
		{name: "503 on every attempt", answers: []firstAnswer{status(503), status(503), status(503)}},
		{name: "500 then an answer, status", status: true, answers: []firstAnswer{status(500), ok}},
		{name: "404", answers: []firstAnswer{status(404)}},
		{name: "401", answers: []firstAnswer{status(401)}},
		{name: "429 with a short Retry-After", answers: []firstAnswer{
			func(_ *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "0")
				writeJSON(w, http.StatusTooManyRequests, []byte(`{"error":{"message":"slow down"}}`))
			}, ok,
		}},
		{name: "429 with a Retry-After past the longest wait", answers: []firstAnswer{
			func(_ *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "120")
				writeJSON(w, http.StatusTooManyRequests, []byte(`{"error":{"message":"slow down"}}`))
			},
		}},
		{name: "connection dropped, then an answer", answers: []firstAnswer{
			func(t *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) { hijackAndClose(t, w) }, ok,
		}},
		{name: "body cut off, then an answer", answers: []firstAnswer{
			func(t *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(job), job[:len(job)/2])
				_ = buf.Flush()
				_ = conn.Close()
			}, ok,
		}},
		{name: "slower than the attempt timeout, then an answer", answers: []firstAnswer{
			func(_ *testing.T, _ int64, w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				writeJSON(w, http.StatusOK, job)
			}, ok,
		}},
		{name: "a redirect on the same origin", answers: []firstAnswer{
			func(_ *testing.T, _ int64, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusFound)
			}, ok,
		}},
		{name: "a redirect to another origin", answers: []firstAnswer{
			func(_ *testing.T, _ int64, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, otherSrv.URL+"/v1/evaluation/eval-1234aedf", http.StatusTemporaryRedirect)
			},
		}},
		{name: "a 304 is an answer, not a redirect", answers: []firstAnswer{
			func(_ *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNotModified)
			},
		}},
		{name: "an HTML page", answers: []firstAnswer{
			func(_ *testing.T, _ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<html><body>login</body></html>")
			},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(slow bool) pathOutcome {
				var out pathOutcome
				var mu sync.Mutex
				var n atomic.Int64
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					k := n.Add(1)
					mu.Lock()
					out.keys = append(out.keys, r.Header.Get("Authorization"))
					mu.Unlock()
					if int(k) > len(tc.answers) {
						t.Errorf("request %d: only %d answers planned", k, len(tc.answers))
						writeJSON(w, http.StatusOK, job)
						return
					}
					tc.answers[k-1](t, k, w, r)
				}))
				defer srv.Close()
				otherMu.Lock()
				other.keys = nil
				otherMu.Unlock()
				opts := []wrappers.Option{
					wrappers.WithAPIKey("sk-first-attempt"), wrappers.WithBaseURL(srv.URL + "/v1"),
					wrappers.WithTimeout(300 * time.Millisecond), wrappers.WithMaxRetries(2),
					wrappers.WithRetryWaitBounds(time.Millisecond, 20*time.Millisecond),
					wrappers.WithRetryNotify(func(r wrappers.Retry) {
						e := ""
						if r.Err != nil {
							// The port differs between the two runs' servers.
							e = strings.ReplaceAll(r.Err.Error(), srv.URL, "SERVER")
						}
						out.retries = append(out.retries, fmt.Sprintf("%s %s retry %d of %d after %d %s retry-after=%v",
							r.Method, r.Path, r.Attempt, r.Max, r.StatusCode, e, r.RetryAfter))
					}),
				}
				if slow {
					// Debug logging keeps every call on the retrying path.
					opts = append(opts, wrappers.WithLogger(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))))
				}
				c, err := wrappers.NewClient(opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := ctxT(t)
				if tc.status {
					s, err := c.Status(ctx, "eval-1234aedf")
					out.result = describe(srv.URL, err, func() string { return string(s.Status) })
				} else {
					j, err := c.Retrieve(ctx, "eval-1234aedf")
					out.result = describe(srv.URL, err, func() string { return j.ID + " " + string(j.Status) })
				}
				out.requests = n.Load()
				otherMu.Lock()
				out.keys = append(out.keys, other.keys...)
				otherMu.Unlock()
				return out
			}
			fast, slow := run(false), run(true)
			if fmt.Sprint(fast) != fmt.Sprint(slow) {
				t.Errorf("the first attempt and the retrying path differ:\nfirst attempt:  %+v\nretrying path:  %+v", fast, slow)
			}
			if fast.requests != int64(len(tc.answers)) {
				t.Errorf("%d requests, want %d (one per planned answer): %+v", fast.requests, len(tc.answers), fast)
			}
		})
	}
}

// describe is a call's outcome as text: ok's when err is nil, else the error with the server's
// address replaced (the two runs have servers of their own).
func describe(serverURL string, err error, ok func() string) string {
	if err != nil {
		return "error: " + strings.ReplaceAll(err.Error(), serverURL, "SERVER")
	}
	return ok()
}

// TestFirstAttemptKeepsCookies: a client whose http.Client has a cookie jar keeps sending its
// cookies; http.Client adds them, so such a client takes the retrying path for every attempt.
func TestFirstAttemptKeepsCookies(t *testing.T) {
	job := fixture(t, "documented_job.json")
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Cookie"))
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
		writeJSON(w, http.StatusOK, job)
	}))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := wrappers.NewClient(wrappers.WithAPIKey("k"), wrappers.WithBaseURL(srv.URL),
		wrappers.WithHTTPClient(&http.Client{Jar: jar}))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Retrieve(ctxT(t), "eval-1234aedf"); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] != "" || got[1] != "session=s1" {
		t.Errorf("cookies sent: %q, want none and then the one the server set", got)
	}
}

// TestFirstAttemptHonoursCancel: a context cancelled during the first attempt ends the call with
// the cancellation, without a retry.
func TestFirstAttemptHonoursCancel(t *testing.T) {
	var n atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := wrappers.NewClient(wrappers.WithAPIKey("k"), wrappers.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctxT(t), 100*time.Millisecond)
	defer cancel()
	_, err = c.Retrieve(ctx, "eval-1234aedf")
	if err == nil || ctx.Err() == nil {
		t.Fatalf("error %v; want the call to end with its context", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests, want 1: no retry after the caller's context ended", n.Load())
	}
}
