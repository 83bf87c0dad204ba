package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// try is a request for use off the test goroutine: it returns errors instead of failing.
func (e *env) try(method, path string, body []byte, contentType string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, e.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		err = e.spec.ValidateResponse(context.Background(), req, resp.StatusCode, resp.Header, b)
	}
	return resp.StatusCode, b, err
}

func (e *env) tryJSON(method, path string, body []byte, contentType string, out any) error {
	status, b, err := e.try(method, path, body, contentType)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, path, status, b)
	}
	return json.Unmarshal(b, out)
}

// TestConcurrentUse uploads, creates, reads and lists from many goroutines while the clock moves,
// then reads every job from many goroutines at once as it ends. Run it with -race.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	const workers, perWorker = 8, 10
	ids := make(chan string, workers*perWorker)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			body, ct := form{{"purpose", "eval"}, {"file_name", "w.jsonl"}, {"file", rows(20, fmt.Sprintf(`{"prompt": "worker %d question %%d", "response": "r"}`, w))}}.encode()
			var f generated.FileObject
			if err := e.tryJSON(http.MethodPost, "/files/upload", body.Bytes(), ct, &f); err != nil {
				t.Error(err)
				return
			}
			for i := range perWorker {
				req, _ := json.Marshal(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
				var created generated.EvaluationCreateResponse
				if err := e.tryJSON(http.MethodPost, "/evaluation", req, "application/json", &created); err != nil {
					t.Error(err)
					return
				}
				ids <- created.WorkflowID
				var j generated.EvaluationJob
				if err := e.tryJSON(http.MethodGet, "/evaluation/"+created.WorkflowID, nil, "", &j); err != nil || j.WorkflowID != created.WorkflowID {
					t.Errorf("get %s: %v %+v", created.WorkflowID, err, j)
				}
				var list []generated.EvaluationJob
				if err := e.tryJSON(http.MethodGet, "/evaluation?limit=5", nil, "", &list); err != nil {
					t.Error(err)
				}
				if i%3 == 0 {
					e.clock.Advance(lifetime / 4)
				}
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	var all []string
	for id := range ids {
		if seen[id] {
			t.Errorf("id %s given twice", id)
		}
		seen[id] = true
		all = append(all, id)
	}
	if len(seen) != workers*perWorker {
		t.Fatalf("%d jobs created, want %d", len(seen), workers*perWorker)
	}

	// Every job ends; many readers at once, the first to see each job ended, get the same result
	// file.
	e.clock.Advance(lifetime)
	var readers sync.WaitGroup
	for _, id := range all {
		readers.Go(func() { e.sameResultFile(t, id, 4) })
	}
	readers.Wait()
	var list []generated.EvaluationJob
	e.getJSON("/evaluation?limit=1000", &list)
	if len(list) != workers*perWorker {
		t.Fatalf("list has %d jobs", len(list))
	}
}

// sameResultFile reads a job's status from n goroutines at once and checks they agree.
func (e *env) sameResultFile(t *testing.T, id string, n int) {
	results := make(chan string, n)
	var readers sync.WaitGroup
	for range n {
		readers.Go(func() {
			var st generated.EvaluationStatusResponse
			if err := e.tryJSON(http.MethodGet, "/evaluation/"+id+"/status", nil, "", &st); err != nil {
				t.Error(err)
				return
			}
			if st.Status != generated.EvaluationStatusCompleted || st.Results == nil || st.Results.ResultFileID == nil {
				t.Errorf("%s: %+v", id, st)
				return
			}
			results <- *st.Results.ResultFileID
		})
	}
	readers.Wait()
	close(results)
	first := ""
	for fileID := range results {
		if first == "" {
			first = fileID
		}
		if fileID != first {
			t.Errorf("%s: result files %s and %s", id, first, fileID)
		}
	}
}
