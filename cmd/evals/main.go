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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
