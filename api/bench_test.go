package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
)

// benchServer serves an API with one completed classify job over rows rows, and returns the base
// URL and the job's id.
func benchServer(b *testing.B, validate bool, rows int) (*httptest.Server, string) {
	b.Helper()
	srv := api.New(api.WithPhaseDurations(0, 0, 0), api.WithResponseValidation(validate))
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	var content strings.Builder
	for i := range rows {
		fmt.Fprintf(&content, `{"prompt": "question %d", "response": "answer"}`+"\n", i)
	}
	fileID := benchUpload(b, ts, content.String())
	req := fmt.Sprintf(`{"type": "classify", "parameters": {"judge": {"model": "m", "model_source": "serverless",
		"system_template": "{{prompt}}"}, "labels": ["yes", "no"], "pass_labels": ["yes"],
		"model_to_evaluate": "response", "input_data_file_path": %q}}`, fileID)
	var created struct {
		WorkflowID string `json:"workflow_id"`
	}
	if err := json.Unmarshal(benchDo(b, ts, http.MethodPost, "/v1/evaluation", "application/json", strings.NewReader(req)), &created); err != nil {
		b.Fatal(err)
	}
	return ts, created.WorkflowID
}

func benchUpload(b *testing.B, ts *httptest.Server, content string) string {
	b.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("purpose", "eval")
	_ = mw.WriteField("file_name", "bench.jsonl")
	w, _ := mw.CreateFormFile("file", "bench.jsonl")
	_, _ = io.WriteString(w, content)
	_ = mw.Close()
	var f struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(benchDo(b, ts, http.MethodPost, "/v1/files/upload", mw.FormDataContentType(), &body), &f); err != nil {
		b.Fatal(err)
	}
	return f.ID
}

func benchDo(b *testing.B, ts *httptest.Server, method, path, ct string, body io.Reader) []byte {
	b.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, ts.URL+path, body)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer bench")
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("%s %s: %d %v %s", method, path, resp.StatusCode, err, out)
	}
	return out
}

// BenchmarkGetEvaluation measures GET /evaluation/{id} of a completed job over loopback, with and
// without response validation.
func BenchmarkGetEvaluation(b *testing.B) {
	for _, validate := range []bool{false, true} {
		b.Run(fmt.Sprintf("validate=%v", validate), func(b *testing.B) {
			ts, id := benchServer(b, validate, 10)
			for b.Loop() {
				benchDo(b, ts, http.MethodGet, "/v1/evaluation/"+id, "", nil)
			}
		})
	}
}

// BenchmarkUpload measures uploading an 8 MiB evaluation input file; with -benchmem, B/op shows
// what the server holds per upload (the file is streamed, not held twice).
func BenchmarkUpload(b *testing.B) {
	srv := api.New()
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	var content strings.Builder
	for i := 0; content.Len() < 8<<20; i++ {
		fmt.Fprintf(&content, `{"prompt": "question %d", "response": "some answer text"}`+"\n", i)
	}
	b.SetBytes(int64(content.Len()))
	for b.Loop() {
		benchUpload(b, ts, content.String())
	}
}

// BenchmarkJobResults measures a job's first read after it ends: the stand-in judge over 10,000
// rows and the result file.
func BenchmarkJobResults(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		ts, id := benchServer(b, false, 10_000)
		b.StartTimer()
		benchDo(b, ts, http.MethodGet, "/v1/evaluation/"+id+"/status", "", nil)
	}
}
