package wrappers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// The transport is set up here, in one place: the connection pool, the per-attempt HTTP client
// with its redirect policy, and the retrying layer around it.

// maxRedirects is how many redirects one attempt follows.
const maxRedirects = 10

// errTooManyRedirects stops a redirect chain.
var errTooManyRedirects = errors.New("wrappers: stopped after 10 redirects")

// newTransport returns the default connection pool: a clone of http.DefaultTransport (proxy from
// the environment, HTTP/2, the usual timeouts) that keeps enough idle connections per host for
// programs that call the API concurrently.
func newTransport() http.RoundTripper {
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t := dt.Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 64
		return t
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// newHTTPClient returns the client that sends one attempt: the user's (copied) or a default one,
// with the attempt timeout and a redirect policy that keeps the API key on the base URL's origin.
func newHTTPClient(cfg *config, base *url.URL) *http.Client {
	var hc http.Client
	if cfg.httpClient != nil {
		hc = *cfg.httpClient
		if cfg.timeoutSet {
			hc.Timeout = cfg.timeout
		}
	} else {
		hc = http.Client{Transport: newTransport(), Timeout: cfg.timeout}
	}
	userCheck := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errTooManyRedirects
		}
		// net/http drops Authorization on a redirect to another domain, but keeps it for
		// subdomains and for a switch from https to http. Keep it only on the base's origin.
		if !sameOrigin(base, req.URL) {
			req.Header.Del("Authorization")
		}
		if userCheck != nil {
			return userCheck(req, via)
		}
		return nil
	}
	return &hc
}

// doer is the generated client's HttpRequestDoer: every request goes through retryablehttp with
// the retry policy of retry.go, except one whose body cannot be replayed, which is sent once.
type doer struct {
	retrying *retryablehttp.Client
	direct   *http.Client
	logger   *slog.Logger
}

// methodKey carries the request's method to the retry policy, which sees only the context.
type methodKey struct{}

func newDoer(cfg *config, base *url.URL, logger *slog.Logger) *doer {
	hc := newHTTPClient(cfg, base)
	p := newRetryPolicy()
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // retryablehttp logs to stderr by default; we log through slog below.
		RetryWaitMin: cfg.retryWaitMin,
		RetryWaitMax: cfg.retryWaitMax,
		RetryMax:     cfg.maxRetries,
		CheckRetry:   p.checkRetry,
		Backoff:      p.backoff,
		ErrorHandler: giveUp,
		ResponseLogHook: func(_ retryablehttp.Logger, resp *http.Response) {
			if resp.Request != nil && logger.Enabled(resp.Request.Context(), slog.LevelDebug) {
				logger.LogAttrs(resp.Request.Context(), slog.LevelDebug, "wrappers: attempt",
					slog.String("method", resp.Request.Method), slog.String("path", resp.Request.URL.EscapedPath()),
					slog.Int("status", resp.StatusCode))
			}
		},
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if attempt > 0 {
				logger.LogAttrs(req.Context(), slog.LevelInfo, "wrappers: retrying request",
					slog.String("method", req.Method), slog.String("path", req.URL.EscapedPath()),
					slog.Int("retry", attempt))
			}
		},
	}
	return &doer{retrying: rc, direct: hc, logger: logger}
}

// Do sends req, retrying where the policy allows.
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	start := time.Now()
	ctx := context.WithValue(req.Context(), methodKey{}, req.Method)
	var resp *http.Response
	var err error
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		// A body that cannot be replayed (a stream) is sent exactly once.
		resp, err = d.direct.Do(req.WithContext(ctx)) //nolint:bodyclose,gosec // the caller closes it; the URL is the base URL's
	} else {
		var rreq *retryablehttp.Request
		rreq, err = retryablehttp.FromRequest(req.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("wrappers: %s %s: %w", req.Method, req.URL.EscapedPath(), err)
		}
		resp, err = d.retrying.Do(rreq) //nolint:bodyclose // the caller closes it
	}
	if d.logger.Enabled(req.Context(), slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String("method", req.Method), slog.String("path", req.URL.EscapedPath()),
			slog.Duration("duration", time.Since(start)),
		}
		if resp != nil {
			attrs = append(attrs, slog.Int("status", resp.StatusCode))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		d.logger.LogAttrs(req.Context(), slog.LevelDebug, "wrappers: request", attrs...)
	}
	return resp, err
}

// giveUp is retryablehttp's ErrorHandler, called when the policy stops: it hands back the last
// answer when retries ran out on a retryable status (so that it becomes an *APIError), and
// otherwise closes any answer and returns the error with the number of attempts.
func giveUp(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err == nil {
		return resp, nil
	}
	if resp != nil {
		drainAndClose(resp.Body)
	}
	if attempts > 1 {
		return nil, fmt.Errorf("after %d attempts: %w", attempts, err)
	}
	return nil, err
}

// drainAndClose reads what is left of a body, up to a bound, so the connection can be reused.
func drainAndClose(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
