package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// jobUnreadable is a store that cannot read jobs back (a disk error, a locked database).
type jobUnreadable struct{ store }

func (jobUnreadable) job(context.Context, string, string) (jobRecord, error) {
	return jobRecord{}, errors.New("disk I/O error")
}

// TestJobThatCannotBeReadBackEnds: a job whose record the runner cannot read back when its turn
// comes ends in error saying so, instead of showing as queued until the server restarts.
func TestJobThatCannotBeReadBackEnds(t *testing.T) {
	s := New(WithPhaseDurations(0, 0, 0))
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); _ = s.Close() })
	do := func(method, path, contentType, body string) (int, []byte) {
		req, _ := http.NewRequest(method, ts.URL+"/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	form := "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\neval\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\nin.jsonl\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n" +
		`{"prompt":"p","response":"r"}` + "\n\r\n--b--\r\n"
	status, b := do(http.MethodPost, "/files/upload", "multipart/form-data; boundary=b", form)
	if status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, b)
	}
	var file struct{ ID string }
	_ = json.Unmarshal(b, &file)

	inner := s.store
	s.store = jobUnreadable{inner}
	create := `{"type":"classify","parameters":{"judge":{"model":"openai/gpt-oss-120b","model_source":"serverless",` +
		`"system_template":"Does the response answer {{prompt}}?"},"labels":["good","bad"],"pass_labels":["good"],` +
		`"model_to_evaluate":"response","input_data_file_path":"` + file.ID + `"}}`
	status, b = do(http.MethodPost, "/evaluation", "application/json", create)
	if status != http.StatusOK {
		t.Fatalf("create: %d %s", status, b)
	}
	var created struct {
		WorkflowID string `json:"workflow_id"`
	}
	_ = json.Unmarshal(b, &created)
	if err := s.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.store = inner
	status, b = do(http.MethodGet, "/evaluation/"+created.WorkflowID, "", "")
	if status != http.StatusOK || !strings.Contains(string(b), `"status":"error"`) ||
		!strings.Contains(string(b), "could not be read back from the store") {
		t.Errorf("the job after its read-back failed: %d %s", status, b)
	}
}
