package main

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/evalkit/together-evals/wrappers"
)

// showRetry is the client's retry hook on a terminal: it says that a request failed and will be
// retried, why, which retry it is and how long until it, so that a slow command is never silent.
// Elsewhere retries stay quiet (--debug logs them).
func (a *app) showRetry(r wrappers.Retry) {
	reason := ""
	switch {
	case r.Err != nil:
		if t, ok := a.describeTransport(r.Err); ok {
			reason = t
		} else {
			reason = errText(r.Err)
		}
	case r.StatusCode != 0:
		reason = "the API answered " + strconv.Itoa(r.StatusCode) + " " + http.StatusText(r.StatusCode)
	}
	when := "in " + formatDuration(r.Wait)
	if r.RetryAfter {
		when += ", as the service asked"
	}
	msgf(a.stderr, "\r\x1b[K%s\n", a.errStyle().dim(r.Method+" "+clean(r.Path)+": "+reason+"; retry "+
		strconv.Itoa(r.Attempt)+" of "+strconv.Itoa(r.Max)+" "+when))
}

// failureReason says in a few words why a request failed, for a line of progress: the answer of
// the API, or why none came.
func (a *app) failureReason(err error) string {
	var apiErr *wrappers.APIError
	if errors.As(err, &apiErr) {
		return describeAPIError(apiErr)
	}
	if t, ok := a.describeTransport(err); ok {
		return t
	}
	return errText(err)
}
