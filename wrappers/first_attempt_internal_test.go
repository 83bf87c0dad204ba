package wrappers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// failingTransport fails the test when a request reaches it.
type failingTransport struct{ t *testing.T }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.t.Error("the request went through the retrying layer")
	return nil, errors.New("not this way")
}

// TestFirstAttemptSkipsTheRetryingLayer: a Retrieve answered at once never reaches the retrying
// layer (its transport fails the test here); with debug logging on, every call takes that layer.
func TestFirstAttemptSkipsTheRetryingLayer(t *testing.T) {
	body, _ := benchBodies()
	hc := &http.Client{Transport: cannedTransport{body}}
	c, err := NewClient(WithAPIKey(benchKey), WithBaseURL("http://127.0.0.1:9/v1"), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	c.doer.retrying.HTTPClient = &http.Client{Transport: failingTransport{t}}
	if c.doer.first == nil {
		t.Fatal("no first attempt for a client without a cookie jar")
	}
	if _, err := c.Retrieve(context.Background(), benchJobID); err != nil {
		t.Fatal(err)
	}

	debug := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err = NewClient(WithAPIKey(benchKey), WithBaseURL("http://127.0.0.1:9/v1"), WithHTTPClient(hc), WithLogger(debug))
	if err != nil {
		t.Fatal(err)
	}
	if c.doer.cheapFirst(context.Background()) {
		t.Error("debug logging on, yet calls would skip the retrying layer that logs each attempt")
	}
}

// scriptStep answers one round trip of a scriptedTransport.
type scriptStep func(req *http.Request) (*http.Response, error)

// scriptedTransport answers round trips with its steps in turn and records each request's
// context.
type scriptedTransport struct {
	mu    sync.Mutex
	steps []scriptStep
	n     int
	ctxs  []context.Context
}

func (s *scriptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.ctxs = append(s.ctxs, req.Context())
	i := s.n
	s.n++
	s.mu.Unlock()
	if i >= len(s.steps) {
		return nil, fmt.Errorf("unplanned request %d", i+1)
	}
	return s.steps[i](req)
}

// answer is a step answering code with hdr and body.
func answer(code int, hdr http.Header, body []byte) scriptStep {
	return func(req *http.Request) (*http.Response, error) {
		h := hdr.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		return &http.Response{
			StatusCode: code, Header: h, ContentLength: int64(len(body)),
			Body: io.NopCloser(bytes.NewReader(body)), Request: req,
		}, nil
	}
}

// cutReader returns data, then io.ErrUnexpectedEOF.
type cutReader struct{ data []byte }

func (c *cutReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	return n, nil
}

// cancelAtEOF is a body that ends a context when it has been read.
type cancelAtEOF struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

// scriptedClient is a client over rt; slow turns debug logging on, which keeps every call on
// the retrying path.
func scriptedClient(t *testing.T, rt http.RoundTripper, slow bool, timeout time.Duration, check func(*http.Request, []*http.Request) error) *Client {
	t.Helper()
	opts := []Option{
		WithAPIKey("sk-scripted-key"), WithBaseURL("http://127.0.0.1:9/v1"),
		WithHTTPClient(&http.Client{Transport: rt, CheckRedirect: check}), WithTimeout(timeout), WithMaxRetries(2),
		WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond),
	}
	if slow {
		opts = append(opts, WithLogger(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	c, err := NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFirstAttemptScripted runs first answers the test server of first_attempt_test.go cannot
// give (a broken RoundTripper, a context that ends as the body is read) and redirect and error
// chains through both paths, with and without an attempt timeout: the outcome and the number of
// round trips must be the same, no call may panic, and every attempt's context must be done once
// the call has returned (no timer or context is left behind).
func TestFirstAttemptScripted(t *testing.T) {
	job, _ := benchBodies()
	loop := func(req *http.Request) (*http.Response, error) {
		return answer(http.StatusFound, http.Header{"Location": {"/v1/evaluation/eval-1234aedf?n=" + strconv.Itoa(len(req.URL.RawQuery))}}, nil)(req)
	}
	var redirectLoop []scriptStep
	for range 10 { // the first request and nine redirects: the tenth is not followed
		redirectLoop = append(redirectLoop, loop)
	}
	reset := func(*http.Request) (*http.Response, error) { return nil, errors.New("read: connection reset by peer") }
	nothing := func(*http.Request) (*http.Response, error) { return nil, nil }
	redirectY := answer(302, http.Header{"Location": {"/v1/y"}}, nil)
	var endCall context.CancelFunc // set per run: ends the call's context
	for _, tc := range []struct {
		name  string
		steps []scriptStep
		check func(*http.Request, []*http.Request) error
	}{
		{name: "200", steps: []scriptStep{answer(200, nil, job)}},
		{name: "404", steps: []scriptStep{answer(404, nil, []byte(`{"error":{"message":"no such job"}}`))}},
		{name: "503 then 200", steps: []scriptStep{answer(503, nil, nil), answer(200, nil, job)}},
		{name: "503 on every attempt", steps: []scriptStep{answer(503, nil, nil), answer(503, nil, nil), answer(503, nil, nil)}},
		{name: "429 past the longest wait", steps: []scriptStep{answer(429, http.Header{"Retry-After": {"120"}}, nil)}},
		{name: "302 then 200", steps: []scriptStep{answer(302, http.Header{"Location": {"/v1/moved"}}, nil), answer(200, nil, job)}},
		{name: "302 without a Location", steps: []scriptStep{answer(302, nil, nil)}},
		{name: "304", steps: []scriptStep{answer(304, nil, nil)}},
		{name: "a redirect loop", steps: redirectLoop},
		{
			name: "the caller's CheckRedirect keeps the redirect", steps: []scriptStep{answer(302, http.Header{"Location": {"/v1/y"}}, nil)},
			check: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		// Its error is the attempt's error, which the policy retries like any transport error.
		{
			name: "the caller's CheckRedirect refuses", steps: []scriptStep{redirectY, redirectY, redirectY},
			check: func(*http.Request, []*http.Request) error { return errors.New("no redirects here") },
		},
		{name: "a reset on every attempt", steps: []scriptStep{reset, reset, reset}},
		{name: "a reset then 200", steps: []scriptStep{reset, answer(200, nil, job)}},
		{name: "a body cut off then 200", steps: []scriptStep{func(req *http.Request) (*http.Response, error) {
			return &http.Response{
				StatusCode: 200, Header: http.Header{}, ContentLength: -1,
				Body: io.NopCloser(&cutReader{data: job[:10]}), Request: req,
			}, nil
		}, answer(200, nil, job)}},
		{name: "a cross-origin redirect", steps: []scriptStep{
			answer(307, http.Header{"Location": {"http://127.0.0.2:9/v1/z"}}, nil),
			func(req *http.Request) (*http.Response, error) {
				if req.Header.Get("Authorization") != "" {
					return nil, errors.New("the key went to another origin")
				}
				return answer(200, nil, job)(req)
			},
		}},
		{name: "the context ends as the body is read", steps: []scriptStep{func(req *http.Request) (*http.Response, error) {
			return &http.Response{
				StatusCode: 200, Header: http.Header{}, ContentLength: int64(len(job)),
				Body: io.NopCloser(&cancelAtEOF{r: bytes.NewReader(job), cancel: endCall}), Request: req,
			}, nil
		}}},
		{name: "a RoundTripper answering nil, nil", steps: []scriptStep{nothing, nothing, nothing}},
		{name: "a RoundTripper answering a nil body", steps: []scriptStep{func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: req}, nil
		}}},
	} {
		for _, timeout := range []time.Duration{0, time.Minute} {
			t.Run(fmt.Sprintf("%s/timeout=%s", tc.name, timeout), func(t *testing.T) {
				var outcomes [2]string
				for i, slow := range []bool{false, true} {
					s := &scriptedTransport{steps: tc.steps}
					c := scriptedClient(t, s, slow, timeout, tc.check)
					ctx, cancel := context.WithCancel(context.Background())
					endCall = cancel
					var j *Job
					var err error
					func() {
						defer func() {
							if r := recover(); r != nil {
								t.Errorf("slow=%v: the call panicked: %v", slow, r)
								err = fmt.Errorf("panic: %v", r)
							}
						}()
						j, err = c.Retrieve(ctx, benchJobID)
					}()
					// The attempts' contexts are checked below before the call's own ends (which
					// would end them too).
					defer cancel()
					if err != nil {
						outcomes[i] = fmt.Sprintf("%d round trips, error: %v", s.n, err)
					} else {
						outcomes[i] = fmt.Sprintf("%d round trips, job %s", s.n, j.ID)
					}
					if s.n != len(tc.steps) {
						t.Errorf("slow=%v: %d round trips, want %d", slow, s.n, len(tc.steps))
					}
					if timeout > 0 {
						for k, actx := range s.ctxs {
							if actx.Err() == nil {
								t.Errorf("slow=%v: attempt %d's context is not done after the call (%s)", slow, k+1, outcomes[i])
							}
						}
					}
				}
				if outcomes[0] != outcomes[1] {
					t.Errorf("the paths differ:\nfirst attempt: %s\nretrying path: %s", outcomes[0], outcomes[1])
				}
			})
		}
	}
}
