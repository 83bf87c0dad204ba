package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// waitCmd is `evals wait ID`: follow a job to its end.
func (a *app) waitCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "wait ID",
		Short: "Follow a job until it ends, then show it",
		Long: `Follow a job until it ends (completed, error or user_error), then print it as
'evals get' does. On a terminal a one-line live display on stderr shows its status
and the time waited; elsewhere one line is printed per status change.

It exits with 1 if the job ends in error or user_error, printing the reason;
with 6 if --timeout passes first; with 130 on Ctrl-C and 143 on SIGTERM. In those
last three cases the job keeps running: follow it again with 'evals wait ID'.`,
		Example: `  evals wait eval-1234aedf
  evals wait eval-1234aedf --timeout 30m -o json > job.json`,
		Args:              exactArgs("ID"),
		ValidArgsFunction: a.completeJobIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout < 0 {
				return usagef("--timeout: must not be negative, got %s", timeout)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			return a.waitAndPrint(cmd.Context(), c, args[0], a.wait, timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long, e.g. 30m, and exit 6; the job keeps running (0: wait until the job ends)")
	return cmd
}

// waitAndPrint follows the job with progress on stderr, then prints it to stdout, failed or not,
// and returns the error that decides the exit code.
func (a *app) waitAndPrint(ctx context.Context, c *wrappers.Client, id string, opts wrappers.WaitOptions, timeout time.Duration) error {
	_, err := a.waitAndPrintJob(ctx, c, id, opts, timeout)
	return err
}

// waitAndPrintJob is waitAndPrint that also returns the job, when it was read.
func (a *app) waitAndPrintJob(ctx context.Context, c *wrappers.Client, id string, opts wrappers.WaitOptions, timeout time.Duration) (*wrappers.Job, error) {
	p := a.newProgress(id)
	p.timeout = timeout
	opts.Timeout = timeout
	opts.OnChange = p.change
	opts.OnPollFailure = p.pollFailed
	p.begin()
	job, err := c.Wait(ctx, id, opts)
	p.end(job, err)
	var pf *wrappers.PollsFailedError
	if errors.As(err, &pf) {
		// Say every attempt of every failed poll, not the last poll's alone.
		err = &waitTries{polls: pf.Polls, attempts: p.attempts.add(pf.Err), err: err}
	}
	if job != nil {
		if perr := a.printJob(job); perr != nil && err == nil {
			return job, perr
		}
	}
	if err != nil {
		if errors.Is(err, wrappers.ErrWaitTimeout) || errors.Is(err, context.Canceled) {
			// p.end said what stopped the wait and that the job keeps running.
			return job, &toldError{err: err}
		}
		return job, opErr("wait", id, err)
	}
	return job, nil
}

// spinner is the frames of the live progress display.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// progress reports a job's status on stderr while it is waited for: a live line redrawn in place
// on a terminal, one line per status change elsewhere.
type progress struct {
	w    io.Writer
	st   style
	id   string
	live bool
	// timeout is the wait's --timeout, for the line that says it passed.
	timeout time.Duration
	// reason says why a poll failed, in the CLI's words.
	reason func(error) string
	now    func() time.Time
	tick   time.Duration
	start  time.Time

	mu     sync.Mutex
	status wrappers.Status
	frame  int
	// attempts counts the requests of the failed polls in a row.
	attempts attemptCount

	stop chan struct{}
	done chan struct{}
}

func (a *app) newProgress(id string) *progress {
	return &progress{
		w: a.stderr, st: a.errStyle(), id: clean(id), live: a.isTerminal(a.stderr),
		now: a.now, tick: a.progressTick, reason: a.failureReason,
	}
}

// begin starts the clock and, on a terminal, the redraw loop.
func (p *progress) begin() {
	p.start = p.now()
	if !p.live {
		return
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.tick)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.frame++
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
}

// change is the OnChange callback of Wait.
func (p *progress) change(s wrappers.Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = s
	if p.live {
		p.draw()
		return
	}
	msgf(p.w, "%s: %s (%s)\n", p.id, p.st.status(s), formatDuration(p.now().Sub(p.start).Truncate(time.Second)))
}

// pollFailed is the OnPollFailure callback of Wait: on a terminal it says, above the live line,
// that a poll failed after the client's retries and when the next one is; elsewhere it only
// counts the poll's attempts, for the message should the wait give up.
func (p *progress) pollFailed(f wrappers.PollFailure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.Failed == 1 {
		p.attempts = attemptCount{}
	}
	p.attempts.add(f.Err)
	if !p.live {
		return
	}
	msgf(p.w, "\r\x1b[K%s\n", p.st.dim(fmt.Sprintf("%s: poll %d failed, the wait gives up when %d in a row fail: %s; next poll in %s",
		p.id, f.Failed, f.Max+1, p.reason(f.Err), formatDuration(f.Wait))))
	p.draw()
}

// draw redraws the live line; p.mu is held.
func (p *progress) draw() {
	status := "waiting"
	if p.status != "" {
		status = p.st.status(p.status)
	}
	msgf(p.w, "\r\x1b[K%s %s %s  %s", p.st.dim(spinner[p.frame%len(spinner)]), p.id, status,
		p.st.dim(formatDuration(p.now().Sub(p.start).Truncate(time.Second))))
}

// end stops the display and leaves a last line: how the job ended, or what stopped the wait.
func (p *progress) end(job *wrappers.Job, err error) {
	if p.live {
		close(p.stop)
		<-p.done
		msgf(p.w, "\r\x1b[K")
	}
	elapsed := formatDuration(p.now().Sub(p.start).Truncate(time.Second))
	switch {
	case job != nil && p.live:
		msgf(p.w, "%s: %s (%s)\n", p.id, p.st.status(job.Status), elapsed)
	case errors.Is(err, context.Canceled):
		msgf(p.w, "Stopped waiting after %s; the job keeps running. Follow it again with: evals wait %s\n", elapsed, p.id)
	case errors.Is(err, wrappers.ErrWaitTimeout):
		msgf(p.w, "Gave up after %s (--timeout); the job keeps running. Follow it again with: evals wait %s\n", formatDuration(p.timeout), p.id)
	}
}

// attemptCount adds up the requests of failed polls: each poll's error says how many attempts it
// took ("after 3 attempts"), or was one request.
type attemptCount struct {
	n       int
	unknown bool // a poll's count is not known (an answer whose retries ran out)
}

// add counts the attempts of one failed poll and returns the total so far, or 0 when it is not
// known.
func (c *attemptCount) add(err error) int {
	var apiErr *wrappers.APIError
	switch m := attempts.FindStringSubmatch(err.Error()); {
	case m != nil:
		n, _ := strconv.Atoi(m[1])
		c.n += n
	case errors.As(err, &apiErr):
		c.unknown = true
	default:
		c.n++
	}
	if c.unknown {
		return 0
	}
	return c.n
}

// waitTries is the error of a wait that gave up after failed polls: how many polls, and how many
// requests they made in all (0 when not known), for the message.
type waitTries struct {
	polls, attempts int
	err             error
}

func (e *waitTries) Error() string { return e.err.Error() }
func (e *waitTries) Unwrap() error { return e.err }

// triesNote says how often a wait that gave up tried: " (6 polls in a row, 18 requests)".
func (e *waitTries) triesNote() string {
	if e.attempts > 0 {
		return fmt.Sprintf(" (%d polls in a row failed, %d requests)", e.polls, e.attempts)
	}
	return fmt.Sprintf(" (%d polls in a row failed)", e.polls)
}
