package wrappers

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
)

// RowSummary is what a job's result rows add up to, computed the way the
// service computes a job's results: counts by label and by final decision,
// failures by stage, invalid judge outputs, score statistics, and compare
// wins. Build one with [SummarizeRows], or with [NewRowSummary] and
// [RowSummary.Add] while rows go by; compare it with the job's own results with
// [RowSummary.Compare] or [RowSummary.Check].
type RowSummary struct {
	// Rows counts every row.
	Rows int
	// Succeeded and Failed count rows by their success flag.
	Succeeded, Failed int
	// GenerationFailures and JudgeFailures count failed rows whose error
	// starts with "generation failed" or "judge failed"; OtherFailures counts
	// the failed rows with any other error.
	GenerationFailures, JudgeFailures, OtherFailures int
	// InvalidJudgeOutputs counts rows where the judge answered but its verdict
	// did not parse or was not allowed.
	InvalidJudgeOutputs int
	// LabelCounts counts rows by their (valid, non-null) label; with
	// WithSummaryLabels every label of the job is present, 0 if no row has it.
	LabelCounts map[string]int
	// LabeledRows counts rows with a label; LabeledPasses those of them whose
	// final decision is "pass".
	LabeledRows, LabeledPasses int
	// Decisions counts rows by final decision ("pass", "fail", "A", "B",
	// "Tie"); rows without one are not counted.
	Decisions map[string]int
	// Scores summarizes the rows' (valid, non-null) scores.
	Scores ScoreSummary
	// AWins, BWins and Ties count compare rows by final decision.
	AWins, BWins, Ties int

	m2 float64 // running sum of squared deviations (Welford)
}

// ScoreSummary summarizes the scores of a score job's rows.
type ScoreSummary struct {
	// Count is the number of valid scores.
	Count int
	// Mean and Std (population standard deviation) are 0 when Count is 0.
	Mean, Std float64
	// Min and Max are the lowest and highest scores; 0 when Count is 0.
	Min, Max float64
	// Passing counts scores at or above Threshold; without a threshold, the
	// scored rows whose final decision is "pass".
	Passing int
	// Threshold is the pass threshold given with WithSummaryPassThreshold.
	Threshold *float64
}

// PassPercentage is 100 × Passing / Count, or 0 when there are no scores.
func (s ScoreSummary) PassPercentage() float64 {
	if s.Count == 0 {
		return 0
	}
	return 100 * float64(s.Passing) / float64(s.Count)
}

// ClassifyPassPercentage is 100 × the labeled rows whose final decision is
// "pass" / the labeled rows, or 0 when no row has a label: a classify job's
// pass_percentage.
func (s *RowSummary) ClassifyPassPercentage() float64 {
	if s.LabeledRows == 0 {
		return 0
	}
	return 100 * float64(s.LabeledPasses) / float64(s.LabeledRows)
}

// SummaryOption configures a [RowSummary].
type SummaryOption func(*RowSummary)

// WithSummaryLabels lists a classify job's labels, so that each is counted,
// with 0 when no row has it, as the job's label_counts does.
func WithSummaryLabels(labels ...string) SummaryOption {
	return func(s *RowSummary) {
		for _, l := range labels {
			if _, ok := s.LabelCounts[l]; !ok {
				s.LabelCounts[l] = 0
			}
		}
	}
}

// WithSummaryPassThreshold sets a score job's pass threshold: a score at or
// above it passes.
func WithSummaryPassThreshold(threshold float64) SummaryOption {
	return func(s *RowSummary) { s.Scores.Threshold = &threshold }
}

// NewRowSummary returns an empty summary to [RowSummary.Add] rows to.
func NewRowSummary(opts ...SummaryOption) *RowSummary {
	s := &RowSummary{LabelCounts: map[string]int{}, Decisions: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// SummarizeRows adds up rows, such as those of [ReadResultRows]. On the first
// error from rows it returns the summary of the rows before it, and the error.
func SummarizeRows(rows iter.Seq2[*ResultRow, error], opts ...SummaryOption) (*RowSummary, error) {
	s := NewRowSummary(opts...)
	for row, err := range rows {
		if err != nil {
			return s, err
		}
		s.Add(row)
	}
	return s, nil
}

// Add counts one row.
func (s *RowSummary) Add(row *ResultRow) {
	if s.LabelCounts == nil {
		s.LabelCounts = map[string]int{}
	}
	if s.Decisions == nil {
		s.Decisions = map[string]int{}
	}
	s.Rows++
	switch row.Failure() {
	case "":
		s.Succeeded++
	case "generation":
		s.Failed++
		s.GenerationFailures++
	case "judge":
		s.Failed++
		s.JudgeFailures++
	default:
		s.Failed++
		s.OtherFailures++
	}
	if row.InvalidJudgeOutput() {
		s.InvalidJudgeOutputs++
	}
	decision := row.FinalDecision()
	if decision != "" {
		s.Decisions[decision]++
	}
	switch {
	case strings.EqualFold(decision, DecisionA):
		s.AWins++
	case strings.EqualFold(decision, DecisionB):
		s.BWins++
	case strings.EqualFold(decision, DecisionTie):
		s.Ties++
	}
	pass := strings.EqualFold(decision, DecisionPass)
	if label, ok := row.Label(); ok {
		s.LabelCounts[label]++
		s.LabeledRows++
		if pass {
			s.LabeledPasses++
		}
	}
	if score, ok := row.Score(); ok {
		s.addScore(score, pass)
	}
}

func (s *RowSummary) addScore(x float64, pass bool) {
	sc := &s.Scores
	sc.Count++
	if sc.Count == 1 || x < sc.Min {
		sc.Min = x
	}
	if sc.Count == 1 || x > sc.Max {
		sc.Max = x
	}
	delta := x - sc.Mean
	sc.Mean += delta / float64(sc.Count)
	s.m2 += delta * (x - sc.Mean)
	sc.Std = math.Sqrt(s.m2 / float64(sc.Count))
	if sc.Threshold != nil {
		if x >= *sc.Threshold {
			sc.Passing++
		}
	} else if pass {
		sc.Passing++
	}
}

// ResultTotals are a job's aggregated results, as the service reports them,
// in the shape [RowSummary.Compare] checks. A nil field was not reported and
// is not compared. Type is the job's type ("classify", "score", "compare"); it
// selects the fields compared, and an empty Type compares every field given.
type ResultTotals struct {
	Type string

	GenerationFailCount *float64
	JudgeFailCount      *float64

	// classify
	LabelCounts       map[string]float64
	PassPercentage    *float64
	InvalidLabelCount *float64

	// score
	MeanScore           *float64
	StdScore            *float64
	ScorePassPercentage *float64
	InvalidScoreCount   *float64
	FailedSamples       *float64

	// compare
	AWins      *float64
	BWins      *float64
	Ties       *float64
	NumSamples *float64
}

// SummaryMismatch is one field where the rows and the job's results disagree.
type SummaryMismatch struct {
	// Field is the results field, as the service names it
	// ("label_counts[\"yes\"]", "aggregated_scores.mean_score").
	Field string
	// Rows is what the rows add up to; Job is what the job reports.
	Rows, Job float64
}

// String formats the mismatch as "field: the rows give X, the job reports Y".
func (m SummaryMismatch) String() string {
	return fmt.Sprintf("%s: the rows give %s, the job reports %s", m.Field, formatNumber(m.Rows), formatNumber(m.Job))
}

// SummaryMismatchError is returned by [RowSummary.Check] when the rows and the
// job's results disagree.
type SummaryMismatchError struct {
	// Mismatches lists each figure on which the rows and the job disagree.
	Mismatches []SummaryMismatch
}

// Error lists the mismatches, one after the other.
func (e *SummaryMismatchError) Error() string {
	parts := make([]string, len(e.Mismatches))
	for i, m := range e.Mismatches {
		parts[i] = m.String()
	}
	return "result rows disagree with the job's results: " + strings.Join(parts, "; ")
}

// Check compares the summary with a job's results and returns a
// *[SummaryMismatchError] listing every disagreement, or nil.
func (s *RowSummary) Check(t ResultTotals) error {
	if ms := s.Compare(t); len(ms) > 0 {
		return &SummaryMismatchError{Mismatches: ms}
	}
	return nil
}

// Compare lists the fields where the summary and a job's results disagree, in
// a fixed order. Counts must be equal; averages and percentages must agree to
// within a relative 1e-9 (they are computed in a different order). Label
// counts are compared for every label either side has; a label one side lacks
// counts 0 there. The score pass percentage is only compared when the summary
// has a pass threshold or rows with final decisions.
func (s *RowSummary) Compare(t ResultTotals) []SummaryMismatch {
	var out []SummaryMismatch
	check := func(field string, rows float64, job *float64) {
		if job != nil && !closeEnough(rows, *job) {
			out = append(out, SummaryMismatch{Field: field, Rows: rows, Job: *job})
		}
	}
	all := t.Type == ""
	check("generation_fail_count", float64(s.GenerationFailures), t.GenerationFailCount)
	check("judge_fail_count", float64(s.JudgeFailures), t.JudgeFailCount)
	if all || t.Type == "classify" {
		if t.LabelCounts != nil {
			for _, l := range unionKeys(s.LabelCounts, t.LabelCounts) {
				job := t.LabelCounts[l]
				check(fmt.Sprintf("label_counts[%q]", l), float64(s.LabelCounts[l]), &job)
			}
		}
		check("invalid_label_count", float64(s.InvalidJudgeOutputs), t.InvalidLabelCount)
		check("pass_percentage", s.ClassifyPassPercentage(), t.PassPercentage)
	}
	if all || t.Type == "score" {
		check("aggregated_scores.mean_score", s.Scores.Mean, t.MeanScore)
		check("aggregated_scores.std_score", s.Scores.Std, t.StdScore)
		if s.Scores.Threshold != nil || s.Decisions[DecisionPass]+s.Decisions[DecisionFail] > 0 {
			check("aggregated_scores.pass_percentage", s.Scores.PassPercentage(), t.ScorePassPercentage)
		}
		check("invalid_score_count", float64(s.InvalidJudgeOutputs), t.InvalidScoreCount)
		check("failed_samples", float64(s.Failed), t.FailedSamples)
	}
	if all || t.Type == "compare" {
		check("A_wins", float64(s.AWins), t.AWins)
		check("B_wins", float64(s.BWins), t.BWins)
		check("Ties", float64(s.Ties), t.Ties)
		check("num_samples", float64(s.Rows), t.NumSamples)
	}
	return out
}

// closeEnough reports whether a and b are equal, or (for averages and
// percentages) equal to within a relative 1e-9.
func closeEnough(a, b float64) bool {
	if a == b {
		return true
	}
	scale := math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
	return math.Abs(a-b) <= 1e-9*scale
}

// unionKeys returns the keys of both maps, sorted.
func unionKeys(a map[string]int, b map[string]float64) []string {
	seen := make(map[string]bool, len(a)+len(b))
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for k := range b {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%g", f)
}
