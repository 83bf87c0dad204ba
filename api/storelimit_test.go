package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

// TestStoreLimit: an upload that would pass the store's limit gets 507 saying so, on both stores;
// a job whose result file would pass it ends in error saying so; a delete gives the room back.
func TestStoreLimitOverHTTP(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			// The input is 20 rows of about 40 bytes; each result row adds about 150 bytes.
			e := open(t, api.WithMaxStoreBytes(6000))
			input := rows(20, twoColumns)
			f := e.upload(input)
			status, b := e.uploadForm(form{{"purpose", "eval"}, {"file_name", "big.jsonl"}, {"file", strings.Repeat(input, 8)}})
			if d := wantError(t, status, b, http.StatusInsufficientStorage, "file"); !strings.Contains(d.Message, "the server's store is full") {
				t.Errorf("507 message %q", d.Message)
			}
			// Two result files do not fit beside the input.
			var ended []generated.EvaluationJob
			for range 2 {
				ended = append(ended, e.finished(e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))))
			}
			if ended[0].Status != generated.EvaluationStatusCompleted {
				t.Logf("input %d bytes", len(input))
				t.Fatalf("the first job: %s %+v", ended[0].Status, ended[0].Results)
			}
			last := ended[1]
			if last.Status != generated.EvaluationStatusError || last.Results == nil || last.Results.Error == nil ||
				!strings.Contains(*last.Results.Error, "the server's store is full") {
				t.Fatalf("the job whose result did not fit: %s %+v", last.Status, last.Results)
			}
			if status, _, b := e.request(http.MethodDelete, "/files/"+*ended[0].Results.ResultFileID, nil, ""); status != http.StatusOK {
				t.Fatalf("delete: %d %s", status, b)
			}
			if j := e.finished(e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))); j.Status != generated.EvaluationStatusCompleted {
				t.Errorf("after the delete: %s %+v", j.Status, j.Results)
			}
		})
	}
}
