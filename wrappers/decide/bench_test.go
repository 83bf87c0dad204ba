package decide_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// diffRows sets the rows of each result file the Diff benchmark generates:
// go test -run '^$' -bench Diff200k -benchmem ./wrappers/decide -diff-rows 400000.
var diffRows = flag.Int("diff-rows", 200_000, "rows in each result file of BenchmarkDiff200k")

// writeResultFile writes n classify result rows keyed by id, about 300 bytes each. In the new
// run (next) one row in 7 changes its verdict, and one in 1,000 is replaced by a row of another id,
// so that the diff finds regressed, improved and one-run rows all along the files.
func writeResultFile(tb testing.TB, path string, n int, next bool) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	labels := []string{"good", "bad"}
	for i := range n {
		id := fmt.Sprintf("row-%07d", i)
		label := labels[i%3%2]
		if next {
			if i%7 == 3 {
				label = labels[(i%3%2+1)%2]
			}
			if i%1000 == 999 {
				id = fmt.Sprintf("new-%07d", i)
			}
		}
		decision := "fail"
		if label == "good" {
			decision = "pass"
		}
		_, _ = fmt.Fprintf(w, `{"id": %q, "question": "Question %d: what is the capital of the country numbered %d?", "answer": "The answer to question %d, as the model wrote it.", "success": true, "feedback": "The answer fits the label %s.", "is_invalid_judge_output": false, "label": %q, "final_decision": %q}`+"\n",
			id, i, i, i, label, label, decision)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

var (
	diffFilesOnce sync.Once
	diffFilesDir  string
)

// diffFiles writes the two result files once per test binary.
func diffFiles(b *testing.B) (base, next string) {
	diffFilesOnce.Do(func() {
		dir, err := os.MkdirTemp("", "decide-bench")
		if err != nil {
			b.Fatal(err)
		}
		writeResultFile(b, filepath.Join(dir, "base.jsonl"), *diffRows, false)
		writeResultFile(b, filepath.Join(dir, "new.jsonl"), *diffRows, true)
		diffFilesDir = dir
	})
	return filepath.Join(diffFilesDir, "base.jsonl"), filepath.Join(diffFilesDir, "new.jsonl")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if diffFilesDir != "" {
		_ = os.RemoveAll(diffFilesDir)
	}
	os.Exit(code)
}

// heapSampler records the largest HeapInuse seen while it runs.
type heapSampler struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	peak  uint64
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	s := &heapSampler{stopc: make(chan struct{})}
	s.sample()
	s.wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stopc:
				return
			case <-t.C:
				s.sample()
			}
		}
	})
	return s
}

func (s *heapSampler) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.Lock()
	s.peak = max(s.peak, m.HeapInuse)
	s.mu.Unlock()
}

func (s *heapSampler) stop() uint64 {
	close(s.stopc)
	s.wg.Wait()
	s.sample()
	return s.peak
}

// BenchmarkDiff200k compares two result files of -diff-rows rows on disk, side by side with the
// floor: streaming both files through wrappers.ReadResultRows once, doing nothing with the rows.
// Run both in one go and compare: ns/op (and cpu-ms/op, the process's CPU time, steadier on a
// shared machine) of diff over floor is the ratio (target: at most 1.5), peak-heap-MiB the largest
// heap in use during one operation (target: at most 64 MiB).
//
//	go test -run '^$' -bench Diff200k -benchmem -count 6 ./wrappers/decide
func BenchmarkDiff200k(b *testing.B) {
	base, next := diffFiles(b)
	ctx := context.Background()
	b.Run("impl=floor", func(b *testing.B) {
		var peak uint64
		cpu := processCPU()
		for b.Loop() {
			s := startHeapSampler()
			n := 0
			for _, path := range []string{base, next} {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				for _, err := range wrappers.ReadResultRows(f) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				_ = f.Close()
			}
			peak = max(peak, s.stop())
			if n != 2**diffRows {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	})
	b.Run("impl=diff", func(b *testing.B) {
		var peak uint64
		cpu := processCPU()
		for b.Loop() {
			s := startHeapSampler()
			res, err := decide.Diff(ctx, decide.File(base), decide.File(next), decide.WithKey("id"))
			peak = max(peak, s.stop())
			if err != nil {
				b.Fatal(err)
			}
			if res.Summary.Paired+res.Summary.OnlyBase != *diffRows || res.Summary.Regressed == 0 {
				b.Fatalf("summary = %+v", res.Summary)
			}
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	})
}
