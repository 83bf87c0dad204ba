package wrappers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry policy, handed to retryablehttp as CheckRetry and Backoff.
//
//   - GET (and HEAD) requests are retried on connection errors (including an attempt's timeout) and
//     on 408, 429, 500, 502, 503 and 504.
//   - Any other request (a create, a delete) is retried only on 429, which says the service did
//     not act on it, or when the connection was never made (a dial error that is not a timeout),
//     so the request never reached the service. Never after a timeout, a reset or a 5xx: the
//     service may have created the job or deleted the file.
//   - A read whose answer is cut off halfway through its body is retried like a lost connection
//     (the body is read within the attempt; see withWholeBody).
//   - Errors that another attempt cannot fix are not retried: TLS certificate errors, the redirect
//     limit, an answer over the size limit, an unsupported scheme or an invalid header.
//   - The wait before the n-th retry is a random time in [0, min·2ⁿ⁻¹] capped at max ("full
//     jitter"); a Retry-After header (seconds or HTTP date) replaces it. A Retry-After longer
//     than max is not cut short: the answer is returned at once as an *APIError whose
//     RetryAfter says how long the service asked to wait, for the caller to decide.
//   - A cancelled or expired context stops at once, during a request or during a wait.

// retryPolicy holds what the policy needs from outside: the clock and the random source, which
// tests replace.
type retryPolicy struct {
	now    func() time.Time
	jitter func(n int64) int64 // a random number in [0, n)
	// maxWait is the longest wait between attempts; a longer Retry-After ends the retries.
	maxWait time.Duration
}

func newRetryPolicy() *retryPolicy {
	return &retryPolicy{
		now:    time.Now,
		jitter: rand.Int64N, //nolint:gosec // jitter needs no cryptographic randomness
	}
}

// checkRetry is retryablehttp's CheckRetry: check with the method the request's context carries.
func (p *retryPolicy) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	return p.check(ctx, infoOf(ctx).method, resp, err)
}

// check reports whether an attempt of a method request that ended in resp or err is retried, and
// the error that ends the call instead (the context's).
func (p *retryPolicy) check(ctx context.Context, method string, resp *http.Response, err error) (bool, error) {
	idempotent := method == http.MethodGet || method == http.MethodHead
	if !idempotent {
		answeredIn(ctx, resp) // a create follows its answers (create_outcome.go)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		if !retryableError(err) {
			return false, nil
		}
		return idempotent || neverSent(err), nil
	}
	retry := false
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		retry = true
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		retry = idempotent
	}
	// Retry-After is read only for an answer that would be retried (a success, the usual case,
	// costs no header parsing and no clock reading).
	if !retry {
		return false, nil
	}
	if d, ok := retryAfter(resp.Header, p.now()); ok && p.maxWait > 0 && d > p.maxWait {
		return false, nil
	}
	return true, nil
}

// retryableError reports whether a transport error might go away on another attempt.
func retryableError(err error) bool {
	if errors.Is(err, errTooManyRedirects) || errors.Is(err, context.Canceled) || errors.Is(err, errBodyTooLarge) {
		return false
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verification) {
		return false
	}
	msg := err.Error()
	return !strings.Contains(msg, "unsupported protocol scheme") && !strings.Contains(msg, "invalid header")
}

// neverSent reports whether err proves that the request never left this machine: the connection
// was never made. A dial timeout does not count, to stay on the safe side of "never after a
// timeout".
func neverSent(err error) bool {
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff is retryablehttp's Backoff. attempt is 0 before the first retry.
func (p *retryPolicy) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header, p.now()); ok {
			return min(d, maxWait)
		}
	}
	ceiling := maxWait
	if attempt < 62 {
		if c := minWait << uint(attempt); c > 0 && c < maxWait {
			ceiling = c
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(p.jitter(int64(ceiling) + 1))
}

// maxRetryAfter caps the wait a Retry-After header can ask for, in either form.
const maxRetryAfter = 24 * time.Hour

// retryAfter parses a Retry-After header: whole seconds, or an HTTP date (a date in the past means
// no wait). Either form is capped at maxRetryAfter.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if errors.Is(err, strconv.ErrRange) && secs > 0 {
		return maxRetryAfter, true // more seconds than an int64 holds
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}
