package api

import (
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// TestWaitingJobsDoNotHoldTheirRequests: with --data, jobs that wait for the runner (their input
// and their create request are on disk) hold next to nothing in memory, however large the create
// requests were: what the server holds does not grow with what clients send.
func TestWaitingJobsDoNotHoldTheirRequests(t *testing.T) {
	g := NewGateJudge() // never lets a call through: the jobs past the runner's slots wait
	s, err := Open(context.Background(), t.TempDir(), WithPhaseDurations(0, 0, 0), g.Option())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); _ = s.Close() })
	do := func(path, contentType, body string) []byte {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	var form strings.Builder
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("purpose", "eval")
	_ = mw.WriteField("file_name", "in.jsonl")
	fw, _ := mw.CreateFormFile("file", "in.jsonl")
	_, _ = io.WriteString(fw, `{"prompt":"p","response":"r"}`+"\n")
	_ = mw.Close()
	var file struct{ ID string }
	_ = json.Unmarshal(do("/files/upload", mw.FormDataContentType(), form.String()), &file)

	const jobs, templateBytes = 24, 900 << 10 // each create just under the 1 MiB body limit
	body, _ := json.Marshal(map[string]any{"type": "classify", "parameters": map[string]any{
		"judge": map[string]any{
			"model": "m", "model_source": "serverless",
			"system_template": "Does the response answer {{prompt}}? " + strings.Repeat("x", templateBytes),
		},
		"labels": []string{"a", "b"}, "pass_labels": []string{"a"}, "model_to_evaluate": "response",
		"input_data_file_path": file.ID,
	}})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range jobs {
		do("/evaluation", "application/json", string(body))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// The jobs being judged (DefaultMaxJobsInFlight) hold their templates; the others nothing
	// that grows with their size. Before, each waiting job held its request about three times over.
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("heap grew by %d MiB", grown>>20)
	if limit := int64(DefaultMaxJobsInFlight+jobs/4) * 3 * templateBytes; grown > limit {
		t.Errorf("%d waiting jobs of %d KiB each grew the heap by %d MiB (more than %d MiB)", jobs-DefaultMaxJobsInFlight, templateBytes>>10, grown>>20, limit>>20)
	}
}
