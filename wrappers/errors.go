package wrappers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNotFound matches an [*APIError] with status 404: no such job or file.
	ErrNotFound = errors.New("wrappers: not found")
	// ErrUnauthorized matches an [*APIError] with status 401: the API key is missing or not valid.
	ErrUnauthorized = errors.New("wrappers: unauthorized")
	// ErrRateLimited matches an [*APIError] with status 429: too many requests.
	ErrRateLimited = errors.New("wrappers: rate limited")
	// ErrInvalidID matches an [*InvalidIDError]: an id refused before any request.
	ErrInvalidID = errors.New("wrappers: invalid id")
	// ErrNoResults is returned by result accessors of a job or status that has no results yet.
	ErrNoResults = errors.New("wrappers: the job has no results yet")
	// ErrWrongJobType is returned by a typed result accessor called on a job of another type.
	ErrWrongJobType = errors.New("wrappers: results of another job type")
	// ErrJobFailed matches a [*JobFailedError]: the job ended in error or user_error.
	ErrJobFailed = errors.New("wrappers: the job failed")
	// ErrCreateOutcomeUnknown is in the chain of a [Client.Create] error when a request reached
	// the service but no answer says it did not act: the connection was lost (or timed out)
	// after the request left, the answer was cut off or did not decode, or it was a 5xx or a 303.
	// The job may exist: look for it ([Client.List]) before creating it again. Create never sends
	// a request twice in that case. A create that never left this machine (a cancelled context, a
	// refused connection, a TLS failure) or that got a 4xx does not match it.
	ErrCreateOutcomeUnknown = errors.New("wrappers: the service may have created the job")
)

// outcomeUnknownError is a Create error that matches [ErrCreateOutcomeUnknown] as well as its
// cause.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (the service may have created the job: list the jobs before creating it again)"
}

func (e *outcomeUnknownError) Unwrap() []error { return []error{e.err, ErrCreateOutcomeUnknown} }

// APIError is the error for every answer of the API outside 2xx. Use errors.As to reach it, and
// errors.Is with [ErrNotFound], [ErrUnauthorized] or [ErrRateLimited] to test for the common cases.
type APIError struct {
	// StatusCode is the HTTP status code, for example 404.
	StatusCode int
	// Method and Path name the request, the path relative to the base URL: for example "GET" and
	// "/evaluation/eval-1".
	Method, Path string
	// Type, Code, Message and Param come from the JSON error body where there is one: the kind of
	// error, a machine-readable code, a sentence for people and the request field at fault.
	Type, Code, Message, Param string
	// RequestID is the x-request-id (or request-id) response header, for support requests.
	RequestID string
	// RetryAfter is the wait asked for by a Retry-After header (seconds or HTTP date), or 0.
	RetryAfter time.Duration
	// Body is a trimmed snippet of the response body when it was not a JSON error object.
	Body string
}

// Error describes the failure in one line.
func (e *APIError) Error() string {
	if e == nil {
		return "wrappers: <nil APIError>"
	}
	var b strings.Builder
	b.WriteString("wrappers: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.Type != "" {
		b.WriteString(": ")
		b.WriteString(e.Type)
	}
	switch {
	case e.Message != "":
		b.WriteString(": ")
		b.WriteString(e.Message)
	case e.Body != "":
		b.WriteString(": ")
		b.WriteString(strconv.Quote(e.Body))
	}
	if e.Param != "" {
		b.WriteString(" (param ")
		b.WriteString(e.Param)
		b.WriteByte(')')
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	return b.String()
}

// Is reports whether target is the sentinel for e's status code: [ErrNotFound] for 404,
// [ErrUnauthorized] for 401 and [ErrRateLimited] for 429.
func (e *APIError) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// ValidationError is one problem with a request found before it was sent. Field is the wire path
// of the field at fault, such as "parameters.labels" or "parameters.judge.temperature".
// Create and Validate join several of them with errors.Join; use errors.As to reach the first, or
// [ValidationErrors] to list them all.
type ValidationError struct {
	// Field is the wire path of the field at fault, such as "parameters.labels".
	Field string
	// Problem says what is wrong with it.
	Problem string
}

// Error returns "field: problem".
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// ValidationErrors returns every [*ValidationError] in err's tree, in order.
func ValidationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) { //nolint:errorlint // walking the tree by hand, to find every match
		case nil:
		case *ValidationError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// ResultError reports a results field that the service sent in a shape this package cannot use,
// such as a fractional count or a malformed label_counts. Field is its wire path, such as
// "results.label_counts". Retrieve never fails because of one; the accessor that reads the field
// does.
type ResultError struct {
	Field   string
	Problem string
}

// Error returns "wrappers: field: problem".
func (e *ResultError) Error() string {
	return "wrappers: " + e.Field + ": " + e.Problem
}

// InvalidIDError reports an id refused before any request: empty, "." or "..", holding a control
// character, or longer than 256 bytes. It matches [ErrInvalidID].
type InvalidIDError struct {
	// Kind is what the id names, such as "evaluation" or "file".
	Kind string
	// ID is the id as given.
	ID string
	// Problem says what is wrong with it.
	Problem string
}

// Error names the id, quoted and shortened so that any byte in it prints safely.
func (e *InvalidIDError) Error() string {
	return fmt.Sprintf("wrappers: invalid %s id %s: %s", e.Kind, quoteID(e.ID), e.Problem)
}

// Is reports whether target is [ErrInvalidID].
func (e *InvalidIDError) Is(target error) bool { return target == ErrInvalidID }

// quoteID quotes id with %q, shortened to its first 64 bytes.
func quoteID(id string) string {
	const show = 64
	if len(id) <= show {
		return strconv.Quote(id)
	}
	return fmt.Sprintf("%q... (%d bytes)", id[:show], len(id))
}

// JobFailedError is returned by [Client.Wait] (and by typed result accessors) for a job that ended
// in error or user_error. It carries the job and the reason the service gave. It matches
// [ErrJobFailed].
type JobFailedError struct {
	// Job is the failed job as retrieved.
	Job *Job
	// Status is the terminal status: "error" or "user_error".
	Status Status
	// Message is the reason: the results' error if there is one, else the last status message.
	Message string
}

// Error names the job, its status and the reason.
func (e *JobFailedError) Error() string {
	id := ""
	if e.Job != nil {
		id = e.Job.ID
	}
	msg := fmt.Sprintf("wrappers: evaluation %q ended with status %s", id, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is reports whether target is [ErrJobFailed].
func (e *JobFailedError) Is(target error) bool { return target == ErrJobFailed }
