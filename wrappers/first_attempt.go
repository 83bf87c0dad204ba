package wrappers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// The cheap first attempt of Client.get (Retrieve and Status, the calls programs make in loops).
//
// Through the retrying layer a GET costs, besides its own work: retryablehttp's request wrapper,
// a copy of the request to give the attempt its deadline (noCloseIdle), and http.Client's work for
// redirects (a copy of the headers, a closure). Most calls succeed at the first attempt, so that
// attempt is sent here, straight to the transport, with its deadline set when the request is
// built. When it settles the call (an answer the policy does not retry and that is not a
// redirect) its answer is returned as the retrying layer would have returned it. Otherwise (an
// error, an answer to retry, a redirect, a body cut off) nothing is decided here: the retrying
// layer takes over with the attempt's outcome recorded as its own first attempt (replayFirst), so
// waits, retries, notifications, redirects and errors are exactly those of the retrying path, and
// no request is sent twice.

// firstAttempt sends the first attempt of a GET.
type firstAttempt struct {
	rt      http.RoundTripper
	timeout time.Duration
	policy  *retryPolicy
}

// newFirstAttempt returns the first attempt over hc's transport, or nil when it would not behave
// as hc: a client with a cookie jar (http.Client adds its cookies).
func newFirstAttempt(hc *http.Client, p *retryPolicy) *firstAttempt {
	if hc.Jar != nil {
		return nil
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &firstAttempt{rt: rt, timeout: hc.Timeout, policy: p}
}

// recorded is the outcome of a first attempt that did not settle its call, for the retrying layer
// to continue from.
type recorded struct {
	resp *http.Response
	err  error
	// bodyErr is readWholeBody's error on resp: the answer's body was cut off.
	bodyErr error
	// replayed and handled are set as the retrying layer consumes the outcome.
	replayed, handled bool
}

// try sends the first attempt of GET base URL + path. It returns the answer when the attempt
// settles the call (ok); otherwise the outcome for the retrying layer (rec), or neither when no
// attempt was made (the request could not be built: the retrying path builds it again and fails
// with its own error).
func (f *firstAttempt) try(ctx context.Context, c *Client, path string) (resp *http.Response, rec *recorded, ok bool) {
	actx, cancel := ctx, context.CancelFunc(nil)
	if f.timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, f.timeout)
	}
	done := func() {
		if cancel != nil {
			cancel()
		}
	}
	req, err := http.NewRequestWithContext(actx, http.MethodGet, c.baseURL+path, nil)
	if err == nil {
		err = c.editRequest(actx, req)
	}
	if err != nil {
		done()
		return nil, nil, false
	}
	resp, err = f.rt.RoundTrip(req)
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			err = &attemptTimeoutError{timeout: f.timeout, err: err}
		}
		done()
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, &recorded{err: err}, false
	}
	if resp == nil || resp.Body == nil {
		// A broken RoundTripper: http.Client says so when the outcome is replayed (noCloseIdle
		// passes such an answer on as it is).
		done()
		return nil, &recorded{resp: resp}, false
	}
	if cancel != nil {
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, &recorded{resp: resp}, false // http.Client decides whether to follow it
	}
	if retry, cerr := f.policy.check(ctx, http.MethodGet, resp, nil); retry || cerr != nil {
		return nil, &recorded{resp: resp}, false
	}
	if err := readWholeBody(resp); err != nil {
		return nil, &recorded{resp: resp, bodyErr: err}, false
	}
	if ctx.Err() != nil {
		// The retrying layer asks the policy again once the body is read: a call whose context
		// ended meanwhile ends with it.
		return nil, &recorded{resp: resp}, false
	}
	return resp, nil, true
}

// replayFirst is the transport of a retrying layer that continues from a recorded first attempt:
// its first round trip returns the recorded outcome, the others go to next.
type replayFirst struct {
	rec  *recorded
	next http.RoundTripper
}

func (r *replayFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.rec.replayed {
		return r.next.RoundTrip(req)
	}
	r.rec.replayed = true
	// The answer keeps the request it answered, whose context holds the attempt's deadline: a
	// redirect it leads to is bounded by that deadline (see noCloseIdle), not by a new one.
	return r.rec.resp, r.rec.err
}

// continueFrom returns a retrying client for one request that behaves as d.retrying but takes rec
// as the outcome of its first attempt, and the response handler that gives that attempt its
// recorded body error.
func (d *doer) continueFrom(rec *recorded) (*retryablehttp.Client, retryablehttp.ResponseHandlerFunc) {
	base := d.retrying
	hc := *base.HTTPClient
	if nc, ok := hc.Transport.(noCloseIdle); ok {
		nc.rt = &replayFirst{rec: rec, next: nc.rt}
		hc.Transport = nc
	} else {
		hc.Transport = &replayFirst{rec: rec, next: hc.Transport}
	}
	rc := &retryablehttp.Client{
		HTTPClient:      &hc,
		Logger:          base.Logger,
		RetryWaitMin:    base.RetryWaitMin,
		RetryWaitMax:    base.RetryWaitMax,
		RetryMax:        base.RetryMax,
		RequestLogHook:  base.RequestLogHook,
		ResponseLogHook: base.ResponseLogHook,
		CheckRetry:      base.CheckRetry,
		Backoff:         base.Backoff,
		ErrorHandler:    base.ErrorHandler,
		PrepareRetry:    base.PrepareRetry,
	}
	handler := func(resp *http.Response) error {
		if !rec.handled {
			rec.handled = true
			if rec.bodyErr != nil {
				return rec.bodyErr
			}
		}
		return readWholeBody(resp)
	}
	return rc, handler
}

// cheapFirst reports whether a GET with ctx may take the first attempt of this file: not when
// debug logging is on (the retrying path logs each attempt).
func (d *doer) cheapFirst(ctx context.Context) bool {
	return d.first != nil && !d.logger.Enabled(ctx, slog.LevelDebug)
}
