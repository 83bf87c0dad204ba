package wrappers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of [WaitOptions]. With them a job that runs 10 minutes costs 28 status polls and one
// retrieve: polls at 0 s, 1 s, 2.5 s, 4.75 s, ... (each wait 1.5 times the last) until the wait
// reaches 30 s, then every 30 s.
const (
	DefaultWaitFirstInterval = time.Second
	DefaultWaitMaxInterval   = 30 * time.Second
	DefaultWaitMultiplier    = 1.5
	// DefaultWaitMaxFailedPolls is how many polls in a row may fail with a transient error (after
	// the client's own retries) before Wait gives up.
	DefaultWaitMaxFailedPolls = 5
)

// WaitOptions tunes [Client.Wait]. The zero value uses the defaults.
type WaitOptions struct {
	// FirstInterval is the wait after the first poll (default 1 s).
	FirstInterval time.Duration
	// MaxInterval caps the wait between polls (default 30 s).
	MaxInterval time.Duration
	// Multiplier grows the wait after each poll (default 1.5; at least 1).
	Multiplier float64
	// Timeout bounds the whole wait; 0 means no limit besides the context's.
	Timeout time.Duration
	// MaxFailedPolls is how many polls in a row may fail with a transient error (a connection
	// error, a malformed answer, or a 408, 429 or 5xx that outlasted the client's retries) before
	// Wait gives up; any other error (not found, unauthorized, ...) ends it at once. The next
	// poll follows the usual schedule (default 5; a negative value gives up at the first one).
	MaxFailedPolls int
	// OnChange, if set, is called with the job's status each time it changes, the first status
	// seen included, on the goroutine that called Wait.
	OnChange func(Status)
	// OnPollFailure, if set, is called when a poll failed with a transient error (after the
	// client's own retries, which [WithRetryNotify] reports) and Wait will poll again, before the
	// wait until that poll begins, on the goroutine that called Wait: for a display that says why
	// nothing is moving.
	OnPollFailure func(PollFailure)
}

// PollFailure describes a failed poll of [Client.Wait] that Wait tolerates, as
// [WaitOptions.OnPollFailure] reports it.
type PollFailure struct {
	// Err is the poll's error, after the client's own retries.
	Err error
	// Failed is how many polls in a row have failed, this one included, and Max how many Wait
	// tolerates ([WaitOptions.MaxFailedPolls]): it gives up when one more fails.
	Failed, Max int
	// Wait is how long Wait waits before the next poll.
	Wait time.Duration
}

// PollsFailedError is the error of a [Client.Wait] that gave up because more than one poll in a
// row failed: it says how many, and unwraps to the last poll's error (so errors.As finds the
// [*APIError] or transport error of that poll). A wait whose first failed poll ends it returns
// that poll's error as it is, and so does a wait ended by an error that is not transient.
type PollsFailedError struct {
	// ID is the job's id.
	ID string
	// Polls is how many polls in a row failed, the last included.
	Polls int
	// Err is the last poll's error.
	Err error
}

// Error says how many polls failed and why the last one did.
func (e *PollsFailedError) Error() string {
	return fmt.Sprintf("wrappers: wait for %q: %d polls in a row failed, the last: %v", e.ID, e.Polls, e.Err)
}

// Unwrap returns the last poll's error.
func (e *PollsFailedError) Unwrap() error { return e.Err }

// ErrWaitTimeout is matched (with errors.Is) by the error of a [Client.Wait] that gave up because
// [WaitOptions.Timeout] passed: the job itself keeps running on the service. That error also
// matches [context.DeadlineExceeded].
var ErrWaitTimeout = errors.New("wrappers: gave up waiting")

// waitTimeoutError is the context's error once [WaitOptions.Timeout] passed: it reads and unwraps
// as that error and also matches [ErrWaitTimeout].
type waitTimeoutError struct{ err error }

func (e waitTimeoutError) Error() string        { return e.err.Error() }
func (e waitTimeoutError) Unwrap() error        { return e.err }
func (e waitTimeoutError) Is(target error) bool { return target == ErrWaitTimeout }

// Wait polls the job's status (GET /evaluation/{id}/status) until it is terminal, then returns the
// full job (GET /evaluation/{id}). The first poll is immediate; the wait between polls starts at
// FirstInterval and grows by Multiplier up to MaxInterval. A job that ends in error or user_error
// returns the job together with a [*JobFailedError] carrying the reason. Cancelling ctx (or
// reaching opts.Timeout) returns at once with an error wrapping the context's error; reaching
// opts.Timeout also matches [ErrWaitTimeout].
//
// Failed polls (the status request, or the retrieve of the full job once the status is terminal)
// are retried by the client's retry policy; a transient error that outlasts it is tolerated up to
// opts.MaxFailedPolls times in a row (each reported to opts.OnPollFailure), and
// any other error (not found, unauthorized, ...) ends the wait at once. A wait that gives up
// after more than one failed poll returns a [*PollsFailedError].
func (c *Client) Wait(ctx context.Context, id string, opts WaitOptions) (*Job, error) {
	if err := checkID("evaluation", id); err != nil {
		return nil, err
	}
	if err := opts.fill(); err != nil {
		return nil, err
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, ErrWaitTimeout)
		defer cancel()
	}
	var last Status
	stop := func(err error) error {
		if ctx.Err() == nil {
			return err
		}
		if errors.Is(context.Cause(ctx), ErrWaitTimeout) {
			return fmt.Errorf("wrappers: wait for %q: gave up after %s (last status %q): %w", id, opts.Timeout, last, waitTimeoutError{ctx.Err()})
		}
		return fmt.Errorf("wrappers: wait for %q (last status %q): %w", id, last, ctx.Err())
	}
	interval := opts.FirstInterval
	failed := 0
	for {
		// A poll is the status request and, once the status is terminal, the retrieve of the full
		// job: a transient failure of either is a failed poll.
		st, job, err := c.poll(ctx, id, &last, opts.OnChange)
		if err != nil {
			if failed++; failed > opts.MaxFailedPolls || !transient(err) || ctx.Err() != nil {
				if failed > 1 && failed > opts.MaxFailedPolls && transient(err) && ctx.Err() == nil {
					err = &PollsFailedError{ID: id, Polls: failed, Err: err}
				}
				return nil, stop(err)
			}
			c.logger.LogAttrs(ctx, slog.LevelWarn, "wrappers: wait: poll failed; polling on",
				slog.String("id", id), slog.Int("failed_in_a_row", failed), slog.String("error", err.Error()))
			if opts.OnPollFailure != nil {
				opts.OnPollFailure(PollFailure{Err: err, Failed: failed, Max: opts.MaxFailedPolls, Wait: interval})
			}
			if err := c.sleep(ctx, interval); err != nil {
				return nil, stop(err)
			}
			continue
		}
		failed = 0
		// /status and /evaluation/{id} may briefly disagree; trust the full job.
		if job != nil && job.Done() {
			if job.Status.Failed() {
				msg, ok := job.ErrorResult()
				if !ok {
					msg, ok = st.ErrorResult()
				}
				if !ok {
					msg = job.LastMessage()
				}
				// The reason is the server's text: keep the key out of it, as for error bodies.
				return job, &JobFailedError{Job: job, Status: job.Status, Message: c.clean(msg, maxErrorMessage)}
			}
			return job, nil
		}
		if err := c.sleep(ctx, interval); err != nil {
			return nil, stop(err)
		}
		interval = nextInterval(interval, opts.Multiplier, opts.MaxInterval)
	}
}

// poll is one poll of [Client.Wait]: the job's status, reported to onChange when it is not *last
// (which it then becomes), and, once that status is terminal, the full job (nil before).
func (c *Client) poll(ctx context.Context, id string, last *Status, onChange func(Status)) (*JobStatus, *Job, error) {
	st, err := c.Status(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if st.Status != *last {
		*last = st.Status
		if onChange != nil {
			onChange(st.Status)
		}
	}
	if !st.Done() {
		return st, nil, nil
	}
	job, err := c.Retrieve(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return st, job, nil
}

// nextInterval grows d by m, capped at limit (computed in float64, so it cannot overflow).
func nextInterval(d time.Duration, m float64, limit time.Duration) time.Duration {
	if next := float64(d) * m; next < float64(limit) {
		return time.Duration(next)
	}
	return limit
}

// transient reports whether a failed poll may succeed later: a transport error, or an answer the
// retry policy retries (408, 429, 5xx). Context errors are not transient.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var idErr *InvalidIDError
	return !errors.As(err, &idErr) && !errors.Is(err, ErrNotEvaluationsAPI)
}

// fill applies the defaults and checks the options.
func (o *WaitOptions) fill() error {
	if o.FirstInterval == 0 {
		o.FirstInterval = DefaultWaitFirstInterval
	}
	if o.MaxInterval == 0 {
		o.MaxInterval = DefaultWaitMaxInterval
	}
	if o.Multiplier == 0 {
		o.Multiplier = DefaultWaitMultiplier
	}
	if o.MaxFailedPolls == 0 {
		o.MaxFailedPolls = DefaultWaitMaxFailedPolls
	}
	var p problems
	if o.FirstInterval < 0 {
		p.add("FirstInterval", "must not be negative, got %s", o.FirstInterval)
	}
	if o.MaxInterval < o.FirstInterval {
		p.add("MaxInterval", "must be at least FirstInterval (%s), got %s", o.FirstInterval, o.MaxInterval)
	}
	if !(o.Multiplier >= 1) || o.Multiplier > 100 {
		p.add("Multiplier", "must be between 1 and 100, got %g", o.Multiplier)
	}
	if o.Timeout < 0 {
		p.add("Timeout", "must not be negative, got %s", o.Timeout)
	}
	if err := p.err(); err != nil {
		return fmt.Errorf("wrappers: wait options: %w", err)
	}
	return nil
}
