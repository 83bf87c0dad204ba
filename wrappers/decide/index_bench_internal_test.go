package decide

import (
	"runtime"
	"testing"
)

// BenchmarkIndexBytesPerRow measures what the base run's index keeps per row: the live heap after
// indexing rows with distinct keys, over their number (bytes/row).
//
//	go test -run '^$' -bench IndexBytesPerRow ./wrappers/decide
func BenchmarkIndexBytesPerRow(b *testing.B) {
	const rows = 200_000
	var perRow float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := newIndex()
		for i := range rows {
			v := Verdict{Line: i + 1, Outcome: OutcomeJudged, Label: []string{"good", "bad"}[i%2], Decision: []string{"pass", "fail"}[i%2]}
			if err := x.add(uint64(i)*0x9e3779b97f4a7c15, 0, v); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perRow = float64(after.HeapAlloc-before.HeapAlloc) / rows
		runtime.KeepAlive(x)
	}
	b.ReportMetric(perRow, "bytes/row")
}
