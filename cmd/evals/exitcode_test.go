package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// TestExitCodeTable checks the cases exitCode tells apart beyond the basic ones, among them the
// codes of round 2: a check that said no, a wait that gave up, and the two signals.
func TestExitCodeTable(t *testing.T) {
	signalled := func(sig os.Signal) context.Context {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(&signalError{sig: sig})
		return ctx
	}
	ran := func(err error) error { return &runError{err: err} }
	gaveUp := fmt.Errorf("wait eval-1: %w", fmt.Errorf("gave up: %w", wrappers.ErrWaitTimeout))
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"check said no", context.Background(), ran(checkFailedf("pass rate 80%% is below 90%%")), exitCheckFailed},
		{"wait gave up", context.Background(), ran(gaveUp), exitGaveUp},
		{"a deadline that is not the wait's", context.Background(), ran(context.DeadlineExceeded), exitFailure},
		{"SIGINT", signalled(os.Interrupt), ran(context.Canceled), exitInterrupted},
		{"SIGTERM", signalled(syscall.SIGTERM), ran(context.Canceled), exitTerminated},
		{"SIGTERM whatever the failure", signalled(syscall.SIGTERM), ran(errors.New("read: connection reset")), exitTerminated},
		{"SIGTERM after a usage error", signalled(syscall.SIGTERM), usagef("bad"), exitTerminated},
		{"SIGTERM but success", signalled(syscall.SIGTERM), nil, exitOK},
	} {
		if got := exitCode(tc.ctx, tc.err); got != tc.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestSignalsExit checks the exit code of a run whose context a signal cancelled while it waited.
func TestSignalsExit(t *testing.T) {
	for _, tc := range []struct {
		sig  os.Signal
		want int
	}{{os.Interrupt, 130}, {syscall.SIGTERM, 143}} {
		srv, id := waitingJob(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() {
			// Signal once the wait has polled (bounded: the wait ends when ctx does).
			for srv.Requests(api.OpGetEvaluationStatus) < 2 && ctx.Err() == nil {
				time.Sleep(time.Millisecond)
			}
			cancel(&signalError{sig: tc.sig})
		}()
		c := newCLI(t, srv.URL)
		c.ctx = ctx
		r := c.mustRun(tc.want, "wait", id)
		if !strings.Contains(r.stderr, "the job keeps running") {
			t.Errorf("%s: stderr does not say the job keeps running:\n%s", tc.sig, r)
		}
		cancel(nil)
	}
}

// TestHelpAndREADMEShowTheExitCodeTable checks that `evals --help` prints every row of exitCodes
// and that the README shows the same block.
func TestHelpAndREADMEShowTheExitCodeTable(t *testing.T) {
	help := newCLI(t, "").mustRun(0, "--help").stdout
	block := exitCodesHelp()
	if !strings.Contains(help, block) {
		t.Errorf("--help lacks the exit code table:\n%s", block)
	}
	for _, e := range exitCodes {
		if !strings.Contains(block, fmt.Sprintf("\n  %-5d%s", e.code, strings.Fields(e.meaning)[0])) {
			t.Errorf("the table lacks code %d", e.code)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```text\n"+block+"\n```") {
		t.Errorf("README.md does not show the exit codes as --help does; paste this block:\n%s", block)
	}
}

// TestCreateWaitTimeoutExitsSix checks that create --wait giving up on --timeout exits 6, not 1.
func TestCreateWaitTimeoutExitsSix(t *testing.T) {
	srv := startAPI(t)
	input := writeFile(t, "qa.jsonl", qaData)
	r := newCLI(t, srv.URL).mustRun(6, append(classifyArgs, "--input", input, "--wait", "--timeout", "20ms")...)
	if !strings.HasSuffix(r.stderr, "\nGave up after 20ms (--timeout); the job keeps running. Follow it again with: evals wait "+createdID(t, r)+"\n") ||
		strings.Contains(r.stderr, "deadline") {
		t.Errorf("stderr does not say once that it gave up:\n%s", r)
	}
}

// TestREADMEListsEveryCommand checks that the README's command table has a row for every command
// that `evals --help` lists, and no row for a command it does not.
func TestREADMEListsEveryCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `evals ([a-z]+)").FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = true
	}
	help := map[string]bool{}
	root := newApp(func(string) string { return "" }, nil, &strings.Builder{}, &strings.Builder{}).rootCmd()
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			help[c.Name()] = true
			if !rows[c.Name()] {
				t.Errorf("the README's command table has no row for evals %s", c.Name())
			}
		}
	}
	for name := range rows {
		if !help[name] {
			t.Errorf("the README's command table has a row for evals %s, which --help does not list", name)
		}
	}
}
