//go:build unix

package main

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestNotifySignals sends the test process SIGINT then SIGTERM and checks that each cancels the
// run's context with a cause that exits 130 or 143.
func TestNotifySignals(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, exitInterrupted}, {syscall.SIGTERM, exitTerminated}} {
		ctx, stop := notifySignals(context.Background())
		if err := syscall.Kill(os.Getpid(), tc.sig); err != nil {
			stop()
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			stop()
			t.Fatalf("%s did not cancel the context", tc.sig)
		}
		stop()
		if got := exitCode(ctx, &runError{err: context.Canceled}); got != tc.want {
			t.Errorf("after %s: exit code %d, want %d", tc.sig, got, tc.want)
		}
	}
}
