package wrappers_test

import (
	"net/http"
	"testing"
)

// A job whose results carry usage (the local API's, when it calls real models) shows it in
// CommonResults.Usage, whatever the job's type.
func TestResultsUsage(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, []byte(`{"workflow_id": "eval-u", "type": "score", "status": "completed",
			"results": {"aggregated_scores": {"mean_score": 7, "std_score": 0, "pass_percentage": 100},
			"invalid_score_count": 0, "failed_samples": 0, "generation_fail_count": 0, "judge_fail_count": 0,
			"result_file_id": "file-r", "usage": {"prompt_tokens": 1200, "completion_tokens": 140, "total_tokens": 1340}}}`))
	})
	job, err := newClient(t, s).Retrieve(ctxT(t), "eval-u")
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.ScoreResults()
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Usage; u == nil || u.PromptTokens != 1200 || u.CompletionTokens != 140 || u.TotalTokens != 1340 {
		t.Errorf("Usage = %+v", u)
	}
}
