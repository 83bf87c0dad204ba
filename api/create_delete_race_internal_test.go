package api

import (
	"context"
	"encoding/json"
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
			fileID := loopbackUpload(t, ts.URL, `{"prompt":"p","response":"r"}`+"\n")

			inner := s.store
			s.store = deleteAfterCheck{store: inner, del: func(owner, id string) {
				if err := inner.deleteFile(context.Background(), owner, id); err != nil {
					t.Errorf("delete: %v", err)
				}
			}}
			status, b := loopbackCall(t, ts.URL, http.MethodPost, "/evaluation", "application/json", strings.NewReader(classifyOn(fileID)))
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
			status, b = loopbackCall(t, ts.URL, http.MethodGet, "/evaluation/"+created.WorkflowID, "", nil)
			if status != http.StatusOK || !strings.Contains(string(b), `"status":"completed"`) {
				t.Errorf("a job accepted on a file deleted meanwhile: %d %s", status, b)
			}
		})
	}
}
