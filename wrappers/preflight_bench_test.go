package wrappers

import (
	"context"
	"testing"
)

// BenchmarkCheckInput runs the whole pre-flight (structure and usage) over a
// generated input file of -data-mib MiB (default 256) with lines up to
// 200 KiB. peak-heap-MiB stays flat whatever the size: one pass, memory
// bounded by the longest line.
func BenchmarkCheckInput(b *testing.B) {
	size := int64(*benchMiB) << 20
	opts := InputCheckOptions{
		Templates: []InputTemplate{{Name: "parameters.judge.system_template", Text: "Judge the answer to {{ prompt }} given {{ context | truncate(200) }}."}},
		Columns:   []InputColumn{{Param: "parameters.model_to_evaluate", Name: "response"}},
	}
	b.SetBytes(size)
	b.ReportAllocs()
	heap := startHeapSampler()
	rows := 0
	for b.Loop() {
		report, err := CheckInput(context.Background(), newJSONLGenerator(size, false), "generated.jsonl", opts)
		if err != nil {
			b.Fatal(err)
		}
		rows = report.Rows
	}
	heap.report(b)
	b.ReportMetric(float64(rows), "rows/op")
}
