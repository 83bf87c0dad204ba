package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// TestKeysAreKeptApart: with two keys, every endpoint answers each only about its own files and
// jobs; the other's are 404 (existence is not revealed) and never listed, on both stores.
func TestKeysAreKeptApart(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			e := open(t)
			const alice, bob = "sk-alice", "sk-bob"
			upload := func(key string) generated.FileObject {
				body, ct := form{{"purpose", "eval"}, {"file_name", key + ".jsonl"}, {"file", rows(5, twoColumns)}}.encode()
				status, _, b := e.requestAs(key, http.MethodPost, "/files/upload", body, ct)
				if status != http.StatusOK {
					t.Fatalf("upload as %s: %d %s", key, status, b)
				}
				var f generated.FileObject
				_ = json.Unmarshal(b, &f)
				return f
			}
			create := func(key, fileID string) (int, []byte) {
				raw, _ := json.Marshal(classifyReq(fileID, []string{"yes", "no"}, []string{"yes"}))
				status, _, b := e.requestAs(key, http.MethodPost, "/evaluation", bytes.NewReader(raw), "application/json")
				return status, b
			}
			af, bf := upload(alice), upload(bob)
			status, b := create(alice, af.ID)
			if status != http.StatusOK {
				t.Fatalf("create: %d %s", status, b)
			}
			var created generated.EvaluationCreateResponse
			_ = json.Unmarshal(b, &created)
			e.clock.Advance(lifetime)
			var job generated.EvaluationJob
			_, _, b = e.requestAs(alice, http.MethodGet, "/evaluation/"+created.WorkflowID, nil, "")
			_ = json.Unmarshal(b, &job)
			if job.Results == nil || job.Results.ResultFileID == nil {
				t.Fatalf("alice's job: %s", b)
			}
			result := *job.Results.ResultFileID

			// Bob cannot see, read, delete or use anything of Alice's.
			for _, path := range []string{
				"/files/" + af.ID, "/files/" + af.ID + "/content", "/files/" + result, "/files/" + result + "/content",
				"/evaluation/" + created.WorkflowID, "/evaluation/" + created.WorkflowID + "/status",
			} {
				status, _, b := e.requestAs(bob, http.MethodGet, path, nil, "")
				wantError(t, status, b, http.StatusNotFound, "")
				if strings.Contains(string(b), "sk-alice") {
					t.Errorf("GET %s as bob names alice's key: %s", path, b)
				}
			}
			status, _, b = e.requestAs(bob, http.MethodDelete, "/files/"+af.ID, nil, "")
			wantError(t, status, b, http.StatusNotFound, "")
			status, b = create(bob, af.ID)
			if d := wantError(t, status, b, http.StatusBadRequest, "parameters.input_data_file_path"); !strings.Contains(d.Message, "not found") {
				t.Errorf("a job on alice's file: %+v", d)
			}
			_, _, b = e.requestAs(bob, http.MethodGet, "/evaluation?limit=1000", nil, "")
			if strings.TrimSpace(string(b)) != "[]" {
				t.Errorf("bob lists jobs: %s", b)
			}
			_, _, b = e.requestAs(bob, http.MethodGet, "/files", nil, "")
			if strings.Contains(string(b), af.ID) || strings.Contains(string(b), result) || !strings.Contains(string(b), bf.ID) {
				t.Errorf("bob lists files: %s", b)
			}
			// Alice still has everything, and sees none of Bob's.
			_, _, b = e.requestAs(alice, http.MethodGet, "/files", nil, "")
			if !strings.Contains(string(b), af.ID) || !strings.Contains(string(b), result) || strings.Contains(string(b), bf.ID) {
				t.Errorf("alice lists files: %s", b)
			}
			status, _, b = e.requestAs(alice, http.MethodGet, "/files/"+bf.ID, nil, "")
			wantError(t, status, b, http.StatusNotFound, "")
			_, _, b = e.requestAs(alice, http.MethodGet, "/evaluation", nil, "")
			if !strings.Contains(string(b), created.WorkflowID) {
				t.Errorf("alice's list: %s", b)
			}
		})
	}
}
