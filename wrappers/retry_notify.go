package wrappers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Retry describes a retry the client is about to make, as [WithRetryNotify] reports it.
type Retry struct {
	// Method and Path name the request; Path is its URL's path, base URL's path included, such
	// as "/v1/evaluation/eval-1".
	Method, Path string
	// Attempt is the number of the retry about to be made (1 for the first) and Max the most
	// retries the client makes ([WithMaxRetries]).
	Attempt, Max int
	// Wait is how long the client waits before it.
	Wait time.Duration
	// RetryAfter reports whether Wait is what the service asked for in a Retry-After header.
	RetryAfter bool
	// StatusCode is the status of the answer that failed, or 0 when no answer came.
	StatusCode int
	// Err is the error of the attempt when no answer came (a refused connection, a timeout), or
	// nil; the API key and URL queries are kept out of it, as from every error of the client.
	Err error
}

// WithRetryNotify calls fn before each retry of a request, as the wait before it begins, with
// what went wrong and how long the client will wait: for a progress display that says why a
// call is taking long ("connection refused; retry 1 of 2 in 1.2s"). fn is called on the
// goroutine of the call and must return quickly. Retries of file uploads and downloads are
// reported too. Without this option, the retry layer does no extra work per request.
func WithRetryNotify(fn func(Retry)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("WithRetryNotify: the function is nil")
		}
		c.onRetry = fn
		return nil
	}
}

// notifying returns a retrying client for one request that behaves as base and also calls
// onRetry before each wait. It is built per request, only when WithRetryNotify is set, because
// retryablehttp's Backoff does not see the request.
func (d *doer) notifying(base *retryablehttp.Client, method, path string) *retryablehttp.Client {
	var last Retry // the failure CheckRetry last agreed to retry
	return &retryablehttp.Client{
		HTTPClient:      base.HTTPClient,
		Logger:          base.Logger,
		RetryWaitMin:    base.RetryWaitMin,
		RetryWaitMax:    base.RetryWaitMax,
		RetryMax:        base.RetryMax,
		RequestLogHook:  base.RequestLogHook,
		ResponseLogHook: base.ResponseLogHook,
		ErrorHandler:    base.ErrorHandler,
		PrepareRetry:    base.PrepareRetry,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			retry, cerr := base.CheckRetry(ctx, resp, err)
			if retry {
				last = Retry{Method: method, Path: path, Max: base.RetryMax}
				if resp != nil {
					last.StatusCode = resp.StatusCode
				} else if err != nil {
					last.Err = d.sanitize(err)
				}
			}
			return retry, cerr
		},
		Backoff: func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
			wait := base.Backoff(minWait, maxWait, attempt, resp)
			r := last
			r.Attempt, r.Wait = attempt+1, wait
			if resp != nil {
				_, r.RetryAfter = retryAfter(resp.Header, time.Now())
			}
			d.onRetry(r)
			return wait
		},
	}
}
