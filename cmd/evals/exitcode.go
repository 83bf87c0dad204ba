package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/evalkit/together-evals/wrappers"
)

// The exit codes of evals, documented in `evals --help`.
const (
	exitOK          = 0
	exitFailure     = 1   // the API failed or refused a request, or the job failed
	exitUsage       = 2   // bad flags, arguments or input, found before any request
	exitNotFound    = 3   // no such job or file
	exitAuth        = 4   // the API key was refused
	exitInterrupted = 130 // Ctrl-C (128 + SIGINT, as shells report it)
)

// usageError is a mistake in the command line, the environment or a local input file, found
// before anything was sent.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a *usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// runError marks an error returned by a command's own code, as opposed to one cobra found while
// parsing the command line.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// exitCode maps the outcome of a command to the process's exit code. It is the only place that
// decides exit codes.
func exitCode(err error) int {
	var usage *usageError
	var ran *runError
	var apiErr *wrappers.APIError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case !errors.As(err, &ran):
		// Cobra's own errors: unknown command or flag, wrong number of arguments, missing
		// required flag.
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, wrappers.ErrNotFound):
		return exitNotFound
	case errors.Is(err, wrappers.ErrUnauthorized):
		return exitAuth
	case errors.As(err, &apiErr), errors.Is(err, wrappers.ErrJobFailed):
		return exitFailure
	case errors.Is(err, wrappers.ErrInvalidID), len(wrappers.ValidationErrors(err)) > 0:
		// Refused by the client before any request.
		return exitUsage
	default:
		return exitFailure
	}
}
