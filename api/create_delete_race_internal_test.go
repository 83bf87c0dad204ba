package api

import (
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// deleteAfterCheck is a store whose file lookup lets a DELETE of the file in right after it: the
// moment a create that has checked its input file is still storing its job.
type deleteAfterCheck struct {
	store
	del func(owner, id string)
}

func (d deleteAfterCheck) file(ctx context.Context, owner, id string) (fileMeta, error) {
	f, err := d.store.file(ctx, owner, id)
	if err == nil && d.del != nil {
		d.del(owner, id)
	}
	return f, err
}

// TestCreateRacingDeleteOfItsInput: a create whose input file is deleted at the same moment either
// is refused (400, as a create after the delete) or makes a job that keeps the data it was created
// with and completes (as a create before it); never a job that fails to read its input.
func TestCreateRacingDeleteOfItsInput(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *Server{
		"memory": func(*testing.T) *Server { return New(WithPhaseDurations(0, 0, 0)) },
		"disk": func(t *testing.T) *Server {
			s, err := Open(context.Background(), t.TempDir(), WithPhaseDurations(0, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ts := httptest.NewServer(s.Handler())
			t.Cleanup(func() { ts.Close(); _ = s.Close() })
			do := func(method, path, contentType string, body io.Reader) (int, []byte) {
				req, _ := http.NewRequest(method, ts.URL+"/v1"+path, body)
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
			var form strings.Builder
			mw := multipart.NewWriter(&form)
			_ = mw.WriteField("purpose", "eval")
			_ = mw.WriteField("file_name", "in.jsonl")
			fw, _ := mw.CreateFormFile("file", "in.jsonl")
			_, _ = io.WriteString(fw, `{"prompt":"p","response":"r"}`+"\n")
			_ = mw.Close()
			status, b := do(http.MethodPost, "/files/upload", mw.FormDataContentType(), strings.NewReader(form.String()))
			if status != http.StatusOK {
				t.Fatalf("upload: %d %s", status, b)
			}
			var file struct{ ID string }
			_ = json.Unmarshal(b, &file)

			inner := s.store
			s.store = deleteAfterCheck{store: inner, del: func(owner, id string) {
				if err := inner.deleteFile(context.Background(), owner, id); err != nil {
					t.Errorf("delete: %v", err)
				}
			}}
			create := `{"type":"classify","parameters":{"judge":{"model":"openai/gpt-oss-120b","model_source":"serverless",` +
				`"system_template":"Does the response answer {{prompt}}?"},"labels":["good","bad"],"pass_labels":["good"],` +
				`"model_to_evaluate":"response","input_data_file_path":"` + file.ID + `"}}`
			status, b = do(http.MethodPost, "/evaluation", "application/json", strings.NewReader(create))
			s.store = inner
			if status == http.StatusBadRequest {
				return // refused, as a create after the delete
			}
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
			status, b = do(http.MethodGet, "/evaluation/"+created.WorkflowID, "", nil)
			if status != http.StatusOK || !strings.Contains(string(b), `"status":"completed"`) {
				t.Errorf("a job accepted on a file deleted meanwhile: %d %s", status, b)
			}
		})
	}
}
