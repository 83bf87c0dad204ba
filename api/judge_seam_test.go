package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
)

// TestJudgeSeam: a judge other than the stand-in decides the feedback and the generated outputs
// that the result file carries.
func TestJudgeSeam(t *testing.T) {
	e := newEnv(t, api.WithFixedFeedbackJudge("the seam's feedback", "the seam's output"))
	f := e.upload(rows(3, `{"prompt": "q%d", "__judge": "yes"}`))
	req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["model_to_evaluate"] = map[string]any{
		"model": "m/gen", "model_source": "serverless", "system_template": "Answer.",
		"input_template": "{{prompt}}", "max_tokens": 16, "temperature": 0.5,
	}
	job := e.finished(e.create(req))
	if job.Results == nil || job.Results.ResultFileID == nil {
		t.Fatalf("no result file: %+v", job)
	}
	lines := strings.Split(strings.TrimSpace(e.content(*job.Results.ResultFileID)), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d result rows, want 3", len(lines))
	}
	for i, line := range lines {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatal(err)
		}
		if row["feedback"] != "the seam's feedback" || row["model_to_evaluate_output"] != "the seam's output" || row["label"] != "yes" {
			t.Errorf("row %d: %s", i+1, line)
		}
	}
}
