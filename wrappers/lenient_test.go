package wrappers

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

func TestRepairJob(t *testing.T) {
	for _, tc := range []struct {
		name, job string
		notes     []string // for each, one note must contain it
		check     func(t *testing.T, j generated.EvaluationJob)
	}{
		{
			"naive time stamps", `{"workflow_id":"e","type":"classify","status":"completed",
				"created_at":"2025-07-23T17:10:04.837888","updated_at":"2025-07-23 17:12:00",
				"status_updates":[{"status":"pending","timestamp":"2025-07-23 17:10:04"}]}`,
			[]string{"created_at:", "updated_at:", "status_updates[0].timestamp:"},
			func(t *testing.T, j generated.EvaluationJob) {
				if j.CreatedAt == nil || j.CreatedAt.Format("15:04:05.000000 MST") != "17:10:04.837888 UTC" {
					t.Errorf("created_at = %v", j.CreatedAt)
				}
			},
		},
		{
			"unix time and garbage time", `{"workflow_id":"e","type":"score","status":"running","created_at":1753290604,"updated_at":"soon"}`,
			[]string{"created_at: is a number", `updated_at: "soon" is not a time stamp`},
			func(t *testing.T, j generated.EvaluationJob) {
				if j.CreatedAt == nil || j.CreatedAt.Unix() != 1753290604 || j.UpdatedAt != nil {
					t.Errorf("times = %v, %v", j.CreatedAt, j.UpdatedAt)
				}
			},
		},
		{
			"results of the wrong types", `{"workflow_id":"e","type":"classify","status":"error",
				"results":{"error":{"message":"judge down"},"result_file_id":5,"judge_fail_count":"3",
				"pass_percentage":"1e400","A_wins":true,"aggregated_scores":{"mean_score":"7.5"}}}`,
			[]string{"results.error:", "results.result_file_id:", "results.judge_fail_count:", "results.pass_percentage:", "results.A_wins:", "results.aggregated_scores.mean_score:"},
			func(t *testing.T, j generated.EvaluationJob) {
				r := j.Results
				if r == nil || r.Error == nil || *r.Error != "judge down" || r.ResultFileID == nil || *r.ResultFileID != "5" ||
					r.JudgeFailCount == nil || *r.JudgeFailCount != 3 || r.PassPercentage != nil || r.AWins != nil ||
					r.AggregatedScores == nil || r.AggregatedScores.MeanScore == nil || *r.AggregatedScores.MeanScore != 7.5 {
					t.Errorf("results = %+v", r)
				}
			},
		},
		{
			"a workflow id that is a number and updates that are not objects", `{"workflow_id":42,"type":"classify","status":"queued","status_updates":[1,{"status":"queued"}]}`,
			[]string{"workflow_id: is a number", "status_updates[0]: is not an object"},
			func(t *testing.T, j generated.EvaluationJob) {
				if j.WorkflowID != "42" || j.StatusUpdates == nil || len(*j.StatusUpdates) != 1 {
					t.Errorf("job = %+v", j)
				}
			},
		},
		{
			"results as a string", `{"workflow_id":"e","type":"compare","status":"error","results":"out of memory"}`,
			[]string{"results: is a string"},
			func(t *testing.T, j generated.EvaluationJob) {
				if j.Results == nil || j.Results.Error == nil || *j.Results.Error != "out of memory" {
					t.Errorf("results = %+v", j.Results)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fixed, notes, err := repairJob([]byte(tc.job))
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) != len(tc.notes) {
				t.Fatalf("notes = %q, want %d", notes, len(tc.notes))
			}
			for _, want := range tc.notes {
				if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, want) }) {
					t.Errorf("no note contains %q: %q", want, notes)
				}
			}
			var j generated.EvaluationJob
			if err := json.Unmarshal(fixed, &j); err != nil {
				t.Fatalf("the repaired job still does not decode: %v\n%s", err, fixed)
			}
			tc.check(t, j)
		})
	}
}

func TestRepairJobLeavesAGoodJobAlone(t *testing.T) {
	fixed, notes, err := repairJob([]byte(`{"workflow_id":"e","type":"classify","status":"completed","created_at":"2025-07-23T17:10:04.837888Z","results":{"judge_fail_count":1,"label_counts":"{\"yes\": 1}"}}`))
	if err != nil || len(notes) != 0 {
		t.Fatalf("notes %q, err %v", notes, err)
	}
	var j generated.EvaluationJob
	if err := json.Unmarshal(fixed, &j); err != nil || *j.Results.JudgeFailCount != 1 || string(*j.Results.LabelCounts) != `"{\"yes\": 1}"` {
		t.Fatalf("job %+v, err %v", j, err)
	}
	for _, bad := range []string{`[1]`, `null`, `"x"`, `{`} {
		if _, _, err := repairJob([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
