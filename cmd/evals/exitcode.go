package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/evalkit/together-evals/wrappers"
)

// The exit codes of evals. exitCodes below says what each means, and `evals --help` prints that
// table; exitCode is the only place that chooses one.
const (
	exitOK          = 0
	exitFailure     = 1   // the API failed or refused a request, or the job failed
	exitUsage       = 2   // bad flags, arguments, input or configuration, found before sending
	exitNotFound    = 3   // no such job or file
	exitAuth        = 4   // the API key was refused
	exitCheckFailed = 5   // a threshold or regression check said no
	exitGaveUp      = 6   // gave up waiting (--timeout); the job keeps running
	exitInterrupted = 130 // SIGINT (Ctrl-C): 128 + 2, as shells report it
	exitTerminated  = 143 // SIGTERM: 128 + 15
)

// exitCodes is the table of exit codes as `evals --help` shows it, in order.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "success"},
	{exitFailure, "the API failed or refused a request, or the job followed by wait or create --wait ended in error or user_error (get and status show a failed job and exit 0)"},
	{exitUsage, "usage or configuration: bad flags, arguments or input file, or no API key (nothing was sent); or a base URL that is not the Evaluations API's"},
	{exitNotFound, "not found: no such job or file"},
	{exitAuth, "unauthorized: the API key was refused"},
	{exitCheckFailed, "a check said no: a threshold or regression check failed"},
	{exitGaveUp, "gave up waiting: wait or create --wait reached --timeout (the job keeps running)"},
	{exitInterrupted, "interrupted (Ctrl-C, SIGINT); a job being waited for keeps running"},
	{exitTerminated, "terminated (SIGTERM); a job being waited for keeps running"},
}

// exitCodesHelp renders exitCodes for `evals --help`: the code, then its meaning wrapped to fit 80
// columns.
func exitCodesHelp() string {
	const indent, width = 7, 80
	var b strings.Builder
	b.WriteString("Exit codes:")
	for _, e := range exitCodes {
		line := "\n  " + pad(strconv.Itoa(e.code), indent-2)
		n := indent
		for i, word := range strings.Fields(e.meaning) {
			if i > 0 && n+1+len(word) > width {
				line += "\n" + strings.Repeat(" ", indent)
				n = indent
			} else if i > 0 {
				line += " "
				n++
			}
			line += word
			n += len(word)
		}
		b.WriteString(line)
	}
	return b.String()
}

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

// checkError says that a check (a threshold, a regression test) said no: the command ran as asked
// and its answer is a failure, exit code 5. Its message says which check and why.
type checkError struct{ err error }

func (e *checkError) Error() string { return e.err.Error() }
func (e *checkError) Unwrap() error { return e.err }

// checkFailedf returns a *checkError with a formatted message.
func checkFailedf(format string, args ...any) error {
	return &checkError{err: fmt.Errorf(format, args...)}
}

// signalError is the cause of the run's context being cancelled by a signal: SIGINT or SIGTERM.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "interrupted by " + e.sig.String() }

// code is the exit code for the signal: 128 plus its number, as shells report it.
func (e *signalError) code() int {
	if e.sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// exitCode maps the outcome of a command run under ctx to the process's exit code. It is the only
// place that decides exit codes. A command that failed after a signal cancelled ctx exits with
// that signal's code, whatever the failure looks like.
func exitCode(ctx context.Context, err error) int {
	var usage *usageError
	var ran *runError
	var sig *signalError
	var check *checkError
	var apiErr *wrappers.APIError
	switch {
	case err == nil:
		return exitOK
	case errors.As(context.Cause(ctx), &sig):
		return sig.code()
	case errors.As(err, &usage):
		return exitUsage
	case !errors.As(err, &ran):
		// Cobra's own errors: unknown command or flag, wrong number of arguments, missing
		// required flag.
		return exitUsage
	case errors.As(err, &check):
		return exitCheckFailed
	case errors.Is(err, wrappers.ErrNotEvaluationsAPI):
		// The base URL points elsewhere: configuration, like a bad flag.
		return exitUsage
	case errors.Is(err, wrappers.ErrWaitTimeout):
		return exitGaveUp
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
