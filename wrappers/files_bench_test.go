package wrappers

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func benchClient(b *testing.B, h http.Handler) *Client {
	b.Helper()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	c, err := NewClient(WithAPIKey("bench-key"), WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkClientResultRows streams a generated result file of -data-mib MiB over loopback HTTP
// through Client.ResultRows and SummarizeRows: the whole download path, with flat memory.
func BenchmarkClientResultRows(b *testing.B) {
	size := int64(*benchMiB) << 20
	c := benchClient(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.Copy(w, newJSONLGenerator(size, true))
	}))
	b.SetBytes(size)
	b.ReportAllocs()
	heap := startHeapSampler()
	for b.Loop() {
		s, err := SummarizeRows(c.ResultRows(b.Context(), "file-bench"), WithSummaryLabels(benchLabels...))
		if err != nil {
			b.Fatal(err)
		}
		if s.Rows == 0 {
			b.Fatal("no rows")
		}
	}
	heap.report(b)
}

// BenchmarkClientUploadFile checks and uploads a generated input file of -data-mib MiB (written
// to a temporary file first, outside the timing) to a loopback server that discards it: the
// pre-flight pass plus the streamed multipart upload, with flat memory.
func BenchmarkClientUploadFile(b *testing.B) {
	size := int64(*benchMiB) << 20
	path := filepath.Join(b.TempDir(), "input.jsonl")
	f, err := os.Create(path) //nolint:gosec // a temporary file of the benchmark's own
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(f, newJSONLGenerator(size, false))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	c := benchClient(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id": "file-bench", "object": "file", "created_at": 1, "filename": "input.jsonl",
			"bytes": %d, "purpose": "eval", "FileType": "jsonl", "Processed": false}`, got)
	}))
	opts := InputCheckOptions{
		Templates: []InputTemplate{{Name: "parameters.judge.system_template", Text: "{{ prompt }} {{ context }}"}},
		Columns:   []InputColumn{{Param: "parameters.model_to_evaluate", Name: "response"}},
	}
	b.SetBytes(n)
	b.ReportAllocs()
	heap := startHeapSampler()
	for b.Loop() {
		file, err := c.UploadFile(b.Context(), path, WithUploadCheck(opts))
		if err != nil {
			b.Fatal(err)
		}
		if file.Bytes <= n {
			b.Fatalf("the server received %d bytes for a %d-byte file", file.Bytes, n)
		}
	}
	heap.report(b)
}
