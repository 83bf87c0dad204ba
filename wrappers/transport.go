package wrappers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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
		// Only a read follows a redirect: a create's body (which may hold an external token)
		// must not be sent anywhere the user never named, so its redirect answer is returned
		// instead, and becomes an *APIError. A read may be sent to another origin (a file's
		// content may live in storage elsewhere), but without the key: net/http drops it for
		// another domain, yet keeps it for a subdomain or a switch from https to http.
		if via[0].Method != http.MethodGet {
			return http.ErrUseLastResponse
		}
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
	// transferClient sends file uploads and downloads (see files_transport.go).
	transferClient *retryablehttp.Client
	logger         *slog.Logger
	// redact removes the API key from a text; nil when there is nothing to remove.
	redact func(string) string
	// onRetry is WithRetryNotify's function, or nil.
	onRetry func(Retry)
	// first sends the first attempt of Client.get's requests (first_attempt.go); nil when it
	// cannot behave as the retrying path.
	first *firstAttempt
}

// requestKey carries a *requestInfo in a request's context: to the retry policy, which sees only
// the context, the request's method; to the doer, whether the answer is read whole.
type requestKey struct{}

// requestInfo is what requestKey carries.
type requestInfo struct {
	method string
	// wholeBody marks a read whose JSON answer is read whole (every call but a file's content,
	// which is streamed); see withWholeBody.
	wholeBody bool
}

// wholeGet is the requestInfo of Client.get's requests, the calls programs make in loops: one
// value set once per request.
var wholeGet = &requestInfo{method: http.MethodGet, wholeBody: true}

// infoOf returns the requestInfo ctx carries, or a zero one.
func infoOf(ctx context.Context) requestInfo {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return *info
	}
	return requestInfo{}
}

// withMethod returns ctx carrying method for the retry policy.
func withMethod(ctx context.Context, method string) context.Context {
	info := infoOf(ctx)
	info.method = method
	return context.WithValue(ctx, requestKey{}, &info)
}

func newDoer(cfg *config, base *url.URL, logger *slog.Logger) *doer {
	hc := newHTTPClient(cfg, base)
	p := newRetryPolicy()
	p.maxWait = cfg.retryWaitMax
	rc := &retryablehttp.Client{
		HTTPClient:   keepIdleConns(hc),
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
	d := &doer{
		retrying: rc, direct: hc, transferClient: newTransferClient(*hc, rc), logger: logger, onRetry: cfg.onRetry,
		first: newFirstAttempt(hc, p),
	}
	if key := cfg.key; key != nil {
		d.redact = func(s string) string {
			if k := key(); k != "" {
				return strings.ReplaceAll(s, k, redacted)
			}
			return s
		}
	}
	return d
}

// Do sends req, retrying where the policy allows.
func (d *doer) Do(req *http.Request) (*http.Response, error) { return d.do(req, nil) }

// do is Do; when rec is not nil, req's first attempt was made already (see first_attempt.go) and
// rec is its outcome.
func (d *doer) do(req *http.Request, rec *recorded) (*http.Response, error) {
	debug := d.logger.Enabled(req.Context(), slog.LevelDebug)
	var start time.Time
	if debug {
		start = time.Now()
	}
	info := infoOf(req.Context())
	if info.method != req.Method {
		req = req.WithContext(withMethod(req.Context(), req.Method))
	}
	var resp *http.Response
	var err error
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		// A body that cannot be replayed (a stream) is sent exactly once.
		resp, err = d.direct.Do(req) //nolint:bodyclose,gosec // the caller closes it; the URL is the base URL's
		answeredIn(req.Context(), resp)
	} else {
		var rreq *retryablehttp.Request
		rreq, err = retryablehttp.FromRequest(req)
		if err != nil {
			return nil, fmt.Errorf("wrappers: %s %s: %w", req.Method, req.URL.EscapedPath(), err)
		}
		rc := d.retrying
		if rec != nil {
			var handler retryablehttp.ResponseHandlerFunc
			rc, handler = d.continueFrom(rec)
			rreq.SetResponseHandler(handler)
		} else if req.Method == http.MethodGet && info.wholeBody {
			rreq.SetResponseHandler(readWholeBody)
		}
		if d.onRetry != nil {
			rc = d.notifying(rc, req.Method, req.URL.EscapedPath())
		}
		resp, err = rc.Do(rreq) //nolint:bodyclose // the caller closes it
	}
	if err != nil {
		err = d.sanitize(err)
	}
	if debug {
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

// sanitize keeps URLs out of transport errors: net/http names the URL it failed on, which may be
// a redirect target carrying credentials in its query. The URL in a *url.Error is cut down to its
// scheme, host and path, and the API key is redacted from what remains.
func (d *doer) sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
		} else {
			ue.URL = "(unparsable URL)"
		}
	}
	if d.redact != nil {
		msg := err.Error()
		if clean := d.redact(msg); clean != msg {
			return &redactedError{msg: clean, err: err}
		}
	}
	return err
}

// redactedError is an error whose text had the API key removed; errors.Is and errors.As still see
// the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// keepIdleConns returns a copy of hc whose transport cannot be told to close its idle
// connections. retryablehttp calls CloseIdleConnections whenever a call ends without success (its
// retries ran out, its context was cancelled); on the shared pool that would drop the connections
// of every other call in flight, and of the whole process with WithHTTPClient(http.DefaultClient).
//
// The copy's Timeout moves into its transport (see noCloseIdle): net/http applies Client.Timeout
// cheaply only around its own transports; around any other it starts a goroutine, a timer and a
// channel for every request, which cost about a tenth of a retrieve's client CPU on loopback.
func keepIdleConns(hc *http.Client) *http.Client {
	c := *hc
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = noCloseIdle{rt: rt, timeout: c.Timeout}
	c.Timeout = 0
	return &c
}

// noCloseIdle is a RoundTripper without CloseIdleConnections. A timeout bounds each attempt it
// sends, from sending it to the end of reading its answer, redirects included: what
// Client.Timeout does.
type noCloseIdle struct {
	rt      http.RoundTripper
	timeout time.Duration
}

func (n noCloseIdle) RoundTrip(req *http.Request) (*http.Response, error) {
	if n.timeout <= 0 {
		return n.rt.RoundTrip(req)
	}
	deadline := time.Now().Add(n.timeout)
	if prev := req.Response; prev != nil && prev.Request != nil {
		// A redirect: the attempt's deadline was set on the chain's first request.
		if d, ok := prev.Request.Context().Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
	}
	ctx, cancel := context.WithDeadline(req.Context(), deadline)
	resp, err := n.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := ctx.Err() != nil && req.Context().Err() == nil
		cancel()
		if resp != nil {
			_ = resp.Body.Close()
		}
		if timedOut {
			return nil, &attemptTimeoutError{timeout: n.timeout, err: err}
		}
		return nil, err
	}
	if resp == nil || resp.Body == nil {
		// A broken RoundTripper: passed on as it is, for http.Client to say so (or give the
		// answer an empty body).
		cancel()
		return resp, nil
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// attemptTimeoutError is an attempt that got no answer within the timeout. Like net/http's own
// Client.Timeout error it is a timeout and matches context.DeadlineExceeded.
type attemptTimeoutError struct {
	timeout time.Duration
	err     error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("%v (no answer within the attempt timeout of %s)", e.err, e.timeout)
}
func (e *attemptTimeoutError) Timeout() bool        { return true }
func (e *attemptTimeoutError) Unwrap() error        { return e.err }
func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// cancelOnClose is an answer's body that ends its request's timeout when closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// withWholeBody marks the reads whose answer is read within the attempt, by readWholeBody: a
// connection lost halfway through the body is then an error of the attempt, which the retry
// policy retries like a lost connection.
func withWholeBody(ctx context.Context) context.Context {
	info := infoOf(ctx)
	info.wholeBody = true
	return context.WithValue(ctx, requestKey{}, &info)
}

// readWholeBody is the retryablehttp response handler of the reads marked by withWholeBody: it
// reads a successful answer's body (up to maxBody) and hands it on as a *readBody. Its error goes
// to the retry policy.
func readWholeBody(resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 || resp.ContentLength > maxBody {
		return nil // receive reads it (an error answer, or one too large to buffer here)
	}
	b, err := readBounded(resp.Body, resp.ContentLength, maxBody)
	_ = resp.Body.Close()
	if err != nil {
		resp.Body = http.NoBody
		if errors.Is(err, errBodyTooLarge) {
			return err // not worth another attempt
		}
		return fmt.Errorf("read response body: %w", err)
	}
	rb := &readBody{b: b}
	rb.Reset(b)
	resp.Body = rb
	resp.ContentLength = int64(len(b))
	return nil
}

// readBody is the body of an answer read within the attempt.
type readBody struct {
	bytes.Reader
	b []byte
}

// Close lets go of the body.
func (r *readBody) Close() error {
	r.Reset(nil)
	r.b = nil
	return nil
}

// bodyOf returns the body readWholeBody read for resp, if it did.
func bodyOf(resp *http.Response) ([]byte, bool) {
	if rb, ok := resp.Body.(*readBody); ok && rb.b != nil {
		return rb.b, true
	}
	return nil, false
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
