package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// returnMemory gives memory the Go heap no longer uses back to the system every interval, when
// more than threshold bytes of it are held: after a burst (a large list, many uploads at once) a
// server left running returns to its resting size instead of keeping its peak. It stops with ctx.
func returnMemory(ctx context.Context, interval time.Duration, threshold uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > threshold {
				debug.FreeOSMemory()
			}
		}
	}
}
