package api

import (
	"context"
	"encoding/json"
	"errors"
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
	fileID := loopbackUpload(t, ts.URL, `{"prompt":"p","response":"r"}`+"\n")

	inner := s.store
	s.store = jobUnreadable{inner}
	status, b := loopbackCall(t, ts.URL, http.MethodPost, "/evaluation", "application/json", strings.NewReader(classifyOn(fileID)))
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
	status, b = loopbackCall(t, ts.URL, http.MethodGet, "/evaluation/"+created.WorkflowID, "", nil)
	if status != http.StatusOK || !strings.Contains(string(b), `"status":"error"`) ||
		!strings.Contains(string(b), "could not be read back from the store") {
		t.Errorf("the job after its read-back failed: %d %s", status, b)
	}
}
