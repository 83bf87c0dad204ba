package wrappers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Files are uploaded and downloaded through a variant of the client's transport, built here from
// the client's own (same retry policy, hooks, redirect rule and connection pool): the client's
// timeout bounds each attempt whole (connecting, sending, reading the answer), which would cut off
// a large upload, a large download, or a caller that takes its time over each result row. For
// files, the timeout bounds instead the wait for the answer once the request is sent, and each
// read of the answer that waits for data; the transfer itself lasts as long as the caller's
// context allows.

// errNoData is wrapped by the error of a file transfer whose server stopped answering.
var errNoData = errors.New("the server sent nothing")

// noDataError is the error of a file transfer whose server sent nothing in time, such as "the
// server sent nothing within 1m0s of the request". It is a timeout (net.Error's Timeout, so a
// *url.Error around it says so too) and matches errNoData and context.DeadlineExceeded.
type noDataError struct{ msg string }

func (e *noDataError) Error() string   { return e.msg }
func (e *noDataError) Timeout() bool   { return true }
func (e *noDataError) Temporary() bool { return true }
func (e *noDataError) Unwrap() []error { return []error{errNoData, context.DeadlineExceeded} }

// newTransferClient returns the retrying client for file transfers, built once per Client from
// its attempt client hc and retrying client r; see above.
func newTransferClient(hc http.Client, r *retryablehttp.Client) *retryablehttp.Client {
	timeout := hc.Timeout
	hc.Timeout = 0
	if timeout > 0 {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &answerTimeout{base: base, timeout: timeout}
	}
	return &retryablehttp.Client{
		HTTPClient:      keepIdleConns(&hc),
		RetryWaitMin:    r.RetryWaitMin,
		RetryWaitMax:    r.RetryWaitMax,
		RetryMax:        r.RetryMax,
		CheckRetry:      r.CheckRetry,
		Backoff:         r.Backoff,
		ErrorHandler:    r.ErrorHandler,
		RequestLogHook:  r.RequestLogHook,
		ResponseLogHook: r.ResponseLogHook,
	}
}

// transfer sends a file transfer through the transfer client; its transport errors are cleaned
// as every other request's are (see doer.sanitize).
func (d *doer) transfer(rreq *retryablehttp.Request) (*http.Response, error) {
	rc := d.transferClient
	if d.onRetry != nil {
		rc = d.notifying(rc, rreq.Method, rreq.URL.EscapedPath())
	}
	resp, err := rc.Do(rreq)
	if err != nil {
		err = d.sanitize(err)
	}
	return resp, err
}

// answerTimeout is a RoundTripper that fails an attempt when the server does not answer within
// timeout of the request being sent (its body read to the end), and fails a read of the answer's
// body that waits longer than timeout for data. Time spent by the caller between reads does not
// count.
type answerTimeout struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (t *answerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	w := &watchdog{timeout: t.timeout, cancel: cancel}
	out := req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		out.Body = &armAtEOF{body: req.Body, w: w}
	} else {
		w.armForAnswer()
	}
	resp, err := t.base.RoundTrip(out)
	fired := w.gotAnswer()
	if err != nil || fired {
		cancel()
		if resp != nil {
			_ = resp.Body.Close()
		}
		if fired {
			return nil, &noDataError{msg: fmt.Sprintf("%s within %s of the request", errNoData, t.timeout)}
		}
		return nil, err
	}
	resp.Body = &watchedBody{body: resp.Body, w: w, cancel: cancel}
	return resp, nil
}

// watchdog cancels a request when armed for longer than timeout. Once it has fired, the request
// is over.
type watchdog struct {
	timeout time.Duration
	cancel  context.CancelFunc

	mu       sync.Mutex
	timer    *time.Timer
	fired    bool
	answered bool // the answer's headers have arrived: only body reads arm the watchdog now
}

// armForAnswer arms the watchdog to wait for the answer, unless it has arrived.
func (w *watchdog) armForAnswer() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.answered {
		w.armLocked()
	}
}

// gotAnswer records that the answer's headers arrived, disarms the watchdog, and reports whether
// it had fired.
func (w *watchdog) gotAnswer() bool {
	w.mu.Lock()
	w.answered = true
	w.mu.Unlock()
	return w.disarm()
}

func (w *watchdog) arm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armLocked()
}

func (w *watchdog) armLocked() {
	if w.fired {
		return
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(w.timeout, w.cancel)
		return
	}
	w.timer.Reset(w.timeout)
}

// disarm stops the timer and reports whether it had fired.
func (w *watchdog) disarm() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil && !w.timer.Stop() {
		w.fired = true
	}
	return w.fired
}

// armAtEOF arms the watchdog once the request body has been read to its end (or closed).
type armAtEOF struct {
	body io.ReadCloser
	w    *watchdog
	once sync.Once
}

func (a *armAtEOF) Read(p []byte) (int, error) {
	n, err := a.body.Read(p)
	if errors.Is(err, io.EOF) {
		a.once.Do(a.w.armForAnswer)
	}
	return n, err
}

func (a *armAtEOF) Close() error {
	a.once.Do(a.w.armForAnswer)
	return a.body.Close()
}

// watchedBody is an answer's body whose every read is bounded by the watchdog.
type watchedBody struct {
	body   io.ReadCloser
	w      *watchdog
	cancel context.CancelFunc
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.w.arm()
	n, err := b.body.Read(p)
	if b.w.disarm() {
		return n, &noDataError{msg: fmt.Sprintf("%s for %s", errNoData, b.w.timeout)}
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.body.Close()
	b.cancel()
	return err
}
