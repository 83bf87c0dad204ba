// Command evals runs and inspects Together AI evaluation jobs from a terminal or a script.
//
// Run `evals --help` for the commands and the exit codes, and `evals demo` to see it work against
// the in-memory API, with no key and no network.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := notifySignals(context.Background())
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// notifySignals returns a context cancelled, with a *signalError as its cause, by the first SIGINT
// or SIGTERM; a second one gets the signal's default action (the process ends at once). stop
// releases the signals.
func notifySignals(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(&signalError{sig: s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
