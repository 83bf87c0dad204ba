package wrappers

import (
	"errors"
	"maps"
	"math"
	"strings"
	"testing"
)

const classifySummaryRows = `{"q": "1", "success": true, "label": "good", "final_decision": "pass", "is_invalid_judge_output": false}
{"q": "2", "success": true, "label": "bad", "final_decision": "fail", "is_invalid_judge_output": false}
{"q": "3", "success": true, "label": "good", "final_decision": "pass", "is_invalid_judge_output": false}
{"q": "4", "success": true, "label": null, "final_decision": null, "is_invalid_judge_output": true}
{"q": "5", "success": false, "error": "judge failed: timeout", "label": null, "final_decision": null, "is_invalid_judge_output": false}
{"q": "6", "success": false, "error": "generation failed: 500", "label": null, "final_decision": null, "is_invalid_judge_output": false}
`

const scoreSummaryRows = `{"q": "1", "success": true, "score": 9, "final_decision": "pass", "is_invalid_judge_output": false}
{"q": "2", "success": true, "score": 7, "final_decision": "pass", "is_invalid_judge_output": false}
{"q": "3", "success": true, "score": 4.0, "final_decision": "fail", "is_invalid_judge_output": false}
{"q": "4", "success": true, "score": 10, "final_decision": "pass", "is_invalid_judge_output": false}
{"q": "5", "success": true, "score": null, "final_decision": null, "is_invalid_judge_output": true}
{"q": "6", "success": false, "error": "generation failed: 500", "score": null, "final_decision": null, "is_invalid_judge_output": false}
`

const compareSummaryRows = `{"q": "1", "success": true, "final_decision": "A", "is_invalid_judge_output": false}
{"q": "2", "success": true, "final_decision": "B", "is_invalid_judge_output": false}
{"q": "3", "success": true, "final_decision": "Tie", "is_invalid_judge_output": false}
{"q": "4", "success": true, "final_decision": "A", "is_invalid_judge_output": false}
{"q": "5", "success": false, "error": "judge failed: 503", "final_decision": null, "is_invalid_judge_output": false}
`

func ptr(f float64) *float64 { return &f }

func summarize(t *testing.T, content string, opts ...SummaryOption) *RowSummary {
	t.Helper()
	s, err := SummarizeRows(ReadResultRows(strings.NewReader(content)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSummarizeClassify(t *testing.T) {
	s := summarize(t, classifySummaryRows, WithSummaryLabels("good", "bad", "ugly"))
	if s.Rows != 6 || s.Succeeded != 4 || s.Failed != 2 || s.GenerationFailures != 1 || s.JudgeFailures != 1 || s.OtherFailures != 0 || s.InvalidJudgeOutputs != 1 {
		t.Errorf("counts %+v", s)
	}
	if want := map[string]int{"good": 2, "bad": 1, "ugly": 0}; !maps.Equal(s.LabelCounts, want) {
		t.Errorf("label counts %v, want %v", s.LabelCounts, want)
	}
	if want := map[string]int{"pass": 2, "fail": 1}; !maps.Equal(s.Decisions, want) {
		t.Errorf("decisions %v, want %v", s.Decisions, want)
	}
	if got := s.ClassifyPassPercentage(); got != 100*2.0/3 {
		t.Errorf("pass percentage %v", got)
	}
	job := ResultTotals{
		Type:                "classify",
		GenerationFailCount: ptr(1),
		JudgeFailCount:      ptr(1),
		LabelCounts:         map[string]float64{"good": 2, "bad": 1, "ugly": 0},
		PassPercentage:      ptr(66.66666666666667),
		InvalidLabelCount:   ptr(1),
	}
	if err := s.Check(job); err != nil {
		t.Errorf("matching results: %v", err)
	}

	job.LabelCounts = map[string]float64{"good": 3, "bad": 1}
	job.PassPercentage = ptr(50)
	job.JudgeFailCount = nil // not reported: not compared
	err := s.Check(job)
	var me *SummaryMismatchError
	if !errors.As(err, &me) {
		t.Fatalf("error %v, want *SummaryMismatchError", err)
	}
	want := `result rows disagree with the job's results: label_counts["good"]: the rows give 2, the job reports 3; pass_percentage: the rows give 66.66666666666667, the job reports 50`
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	if len(me.Mismatches) != 2 || me.Mismatches[0] != (SummaryMismatch{Field: `label_counts["good"]`, Rows: 2, Job: 3}) {
		t.Errorf("mismatches %+v", me.Mismatches)
	}

	// A label the rows have and the job lacks counts 0 on the job's side.
	job = ResultTotals{Type: "classify", LabelCounts: map[string]float64{"good": 2}}
	ms := s.Compare(job)
	if len(ms) != 1 || ms[0] != (SummaryMismatch{Field: `label_counts["bad"]`, Rows: 1, Job: 0}) {
		t.Errorf("mismatches %+v", ms)
	}
}

func TestSummarizeScore(t *testing.T) {
	s := summarize(t, scoreSummaryRows, WithSummaryPassThreshold(7))
	sc := s.Scores
	if sc.Count != 4 || sc.Mean != 7.5 || math.Abs(sc.Std-math.Sqrt(5.25)) > 1e-12 || sc.Min != 4 || sc.Max != 10 || sc.Passing != 3 || sc.PassPercentage() != 75 {
		t.Errorf("scores %+v", sc)
	}
	if s.Failed != 1 || s.GenerationFailures != 1 || s.InvalidJudgeOutputs != 1 {
		t.Errorf("counts %+v", s)
	}
	job := ResultTotals{
		Type:                "score",
		GenerationFailCount: ptr(1),
		JudgeFailCount:      ptr(0),
		MeanScore:           ptr(7.5),
		StdScore:            ptr(2.29128784747792),
		ScorePassPercentage: ptr(75),
		InvalidScoreCount:   ptr(1),
		FailedSamples:       ptr(1),
	}
	if err := s.Check(job); err != nil {
		t.Errorf("matching results: %v", err)
	}
	job.MeanScore = ptr(7.4)
	job.FailedSamples = ptr(2)
	want := `result rows disagree with the job's results: aggregated_scores.mean_score: the rows give 7.5, the job reports 7.4; failed_samples: the rows give 1, the job reports 2`
	if err := s.Check(job); err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}

	// Without a threshold, passing comes from the rows' final decisions.
	if s := summarize(t, scoreSummaryRows); s.Scores.Passing != 3 || s.Scores.Threshold != nil {
		t.Errorf("decision-based passing %d", s.Scores.Passing)
	}
	// A higher threshold than the judge used changes the pass percentage.
	if s := summarize(t, scoreSummaryRows, WithSummaryPassThreshold(9.5)); s.Scores.PassPercentage() != 25 {
		t.Errorf("pass percentage at 9.5: %v", s.Scores.PassPercentage())
	}
}

func TestSummarizeCompare(t *testing.T) {
	s := summarize(t, compareSummaryRows)
	if s.AWins != 2 || s.BWins != 1 || s.Ties != 1 || s.Rows != 5 || s.JudgeFailures != 1 {
		t.Errorf("summary %+v", s)
	}
	job := ResultTotals{Type: "compare", AWins: ptr(2), BWins: ptr(1), Ties: ptr(1), NumSamples: ptr(5), JudgeFailCount: ptr(1), GenerationFailCount: ptr(0)}
	if err := s.Check(job); err != nil {
		t.Errorf("matching results: %v", err)
	}
	job.Ties = ptr(2)
	job.NumSamples = ptr(4)
	ms := s.Compare(job)
	want := []SummaryMismatch{{Field: "Ties", Rows: 1, Job: 2}, {Field: "num_samples", Rows: 5, Job: 4}}
	if len(ms) != 2 || ms[0] != want[0] || ms[1] != want[1] {
		t.Errorf("mismatches %+v, want %+v", ms, want)
	}
	// Fields of other types are not compared for a compare job.
	job = ResultTotals{Type: "compare", InvalidLabelCount: ptr(9), MeanScore: ptr(3)}
	if err := s.Check(job); err != nil {
		t.Errorf("fields of other job types compared: %v", err)
	}
	// Without a type, every field given is.
	job.Type = ""
	if ms := s.Compare(job); len(ms) != 2 {
		t.Errorf("untyped comparison: %+v", ms)
	}
}

func TestSummarizeRowsStopsAtError(t *testing.T) {
	s, err := SummarizeRows(ReadResultRows(strings.NewReader(compareSummaryRows + "{oops\n" + compareSummaryRows)))
	var re *RowError
	if !errors.As(err, &re) || re.Line != 6 {
		t.Fatalf("error %v, want a *RowError at line 6", err)
	}
	if s == nil || s.Rows != 5 {
		t.Errorf("partial summary %+v, want the 5 rows before the error", s)
	}
}

func TestRowSummaryAddZeroValue(t *testing.T) {
	var s RowSummary
	r, err := ParseResultRow([]byte(`{"label": "x", "final_decision": "pass"}`))
	if err != nil {
		t.Fatal(err)
	}
	s.Add(r)
	if s.LabelCounts["x"] != 1 || s.Decisions["pass"] != 1 || s.ClassifyPassPercentage() != 100 {
		t.Errorf("zero-value summary after Add: %+v", s)
	}
	var empty RowSummary
	if empty.ClassifyPassPercentage() != 0 || empty.Scores.PassPercentage() != 0 {
		t.Error("percentages of nothing are not 0")
	}
}

// TestSummarizePassIgnoresCase: a final decision of "Pass" or "PASS" passes, as "pass" does, for
// classify (labeled passes) and for score without a threshold (passing scores).
func TestSummarizePassIgnoresCase(t *testing.T) {
	rows := `{"success": true, "label": "good", "score": 9, "final_decision": "Pass", "is_invalid_judge_output": false}
{"success": true, "label": "good", "score": 8, "final_decision": "PASS", "is_invalid_judge_output": false}
{"success": true, "label": "bad", "score": 2, "final_decision": "Fail", "is_invalid_judge_output": false}
{"success": true, "label": "good", "score": 7, "final_decision": "pass", "is_invalid_judge_output": false}
`
	s := summarize(t, rows)
	if s.LabeledRows != 4 || s.LabeledPasses != 3 {
		t.Errorf("labeled rows %d, passes %d; want 4 and 3", s.LabeledRows, s.LabeledPasses)
	}
	if got := s.ClassifyPassPercentage(); got != 75 {
		t.Errorf("classify pass percentage %v, want 75", got)
	}
	if s.Scores.Count != 4 || s.Scores.Passing != 3 {
		t.Errorf("scores %d, passing %d; want 4 and 3", s.Scores.Count, s.Scores.Passing)
	}
}
