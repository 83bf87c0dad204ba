package report_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/cmd/evals/report"
	"github.com/evalkit/together-evals/wrappers"
)

// countingWriter counts what is written to it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// peakHeap runs f while sampling HeapInuse, and returns the largest value seen.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var mu sync.Mutex
	var peak uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	})
	sample()
	f()
	close(stop)
	wg.Wait()
	sample()
	return peak
}

// BenchmarkReport200k renders the report of a 200,000-row classify job read from a result file on
// disk, in HTML and in Markdown, side by side with the floor: streaming the same file through
// wrappers.ReadResultRows once. html-bytes shows the file's size, bounded by the row cap.
//
//	go test -run '^$' -bench Report200k -benchmem -count 6 ./cmd/evals/report
func BenchmarkReport200k(b *testing.B) {
	const rows = 200_000
	path := filepath.Join(b.TempDir(), "results.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range rows {
		label, decision, success, extra := "good", "pass", "true", ""
		switch {
		case i%50 == 7:
			label, decision, success, extra = "", "", "false", `, "error": "judge failed: timeout"`
		case i%3 == 1:
			label, decision = "bad", "fail"
		}
		lab, dec := `"`+label+`"`, `"`+decision+`"`
		if label == "" {
			lab, dec = "null", "null"
		}
		_, _ = fmt.Fprintf(w, `{"id": "row-%07d", "question": "Question %d: <b>what</b> is the capital of the country numbered %d?", "answer": "The answer to question %d.", "success": %s%s, "feedback": "The answer fits the label.", "is_invalid_judge_output": false, "label": %s, "final_decision": %s}`+"\n",
			i, i, i, i, success, extra, lab, dec)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	job := &wrappers.Job{
		ID: "eval-bench", Type: wrappers.TypeClassify, Status: wrappers.StatusCompleted,
		Parameters: []byte(`{"judge": {"model": "judge/model", "system_template": "Judge {{question}}", "model_source": "serverless"}, "labels": ["good", "bad"], "pass_labels": ["good"], "model_to_evaluate": "answer", "input_data_file_path": "file-1"}`),
	}
	open := func(b *testing.B) *os.File {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	b.Run("impl=floor", func(b *testing.B) {
		var peak uint64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				f := open(b)
				defer f.Close()
				for _, err := range wrappers.ReadResultRows(f) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}))
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	})
	for _, format := range []string{"html", "markdown"} {
		b.Run("impl="+format, func(b *testing.B) {
			var peak uint64
			var size int64
			for b.Loop() {
				peak = max(peak, peakHeap(func() {
					f := open(b)
					defer f.Close()
					r, err := report.FromRows(job, wrappers.ReadResultRows(f), report.Options{})
					if err != nil {
						b.Fatal(err)
					}
					var out countingWriter
					write := r.WriteHTML
					if format == "markdown" {
						write = r.WriteMarkdown
					}
					if err := write(&out); err != nil {
						b.Fatal(err)
					}
					size = out.n
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(size), format+"-bytes")
		})
	}
}
