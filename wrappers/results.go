package wrappers

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/evalkit/together-evals/generated"
)

// Results is the results of a job, one of [*ClassifyResults], [*ScoreResults], [*CompareResults],
// [*ErrorResults] (a failed job) or [*UnknownResults] (a job of a type this package does not know).
// Use a type switch.
type Results interface {
	isResults()
}

// TokenUsage is the tokens a job's model calls used, summed over the calls whose endpoint
// reported them (the generated type of the API's TokenUsage schema).
type TokenUsage = generated.TokenUsage

// CommonResults are the results fields of every job type. Counts arrive as 10, 10.0 or null; null
// and missing counts are 0 and named in Absent.
type CommonResults struct {
	// ResultFileID is the id of the per-row result file ("" if none).
	ResultFileID string
	// GenerationFailCount is the number of rows whose generation failed.
	GenerationFailCount int
	// JudgeFailCount is the number of rows whose judge call failed.
	JudgeFailCount int
	// Usage is the tokens the job's model calls used (results.usage), or nil where the service
	// does not report it: the local API sends it when it calls real models (`evals serve
	// --judge-base-url`); the hosted service does not document it.
	Usage *TokenUsage
	// Absent lists the wire names of the counts (of this struct and the one that embeds it, and
	// label_counts) that were null or missing, such as "judge_fail_count".
	Absent []string
}

// IsAbsent reports whether the count with the given wire name was null or missing.
func (c *CommonResults) IsAbsent(field string) bool {
	for _, f := range c.Absent {
		if f == field {
			return true
		}
	}
	return false
}

// ClassifyResults are the results of a classify job.
type ClassifyResults struct {
	CommonResults
	// LabelCounts is the number of rows per label, decoded from label_counts; nil if label_counts
	// was null or missing (then "label_counts" is in Absent) or malformed (then the accessor
	// returned a *ResultError).
	LabelCounts map[string]int
	// LabelCountsRaw is label_counts as sent: the text of the JSON string (or the object's JSON).
	LabelCountsRaw string
	// InvalidLabelCount is the number of rows whose judge answer was not one of the labels.
	InvalidLabelCount int
	// PassPercentage is the percentage of rows given a pass label; nil if null or missing.
	PassPercentage *float64
}

// ScoreResults are the results of a score job.
type ScoreResults struct {
	CommonResults
	// MeanScore, StdScore and PassPercentage come from aggregated_scores; nil if null or missing.
	MeanScore, StdScore, PassPercentage *float64
	// InvalidScoreCount is the number of rows whose judge answer was not a valid score.
	InvalidScoreCount int
	// FailedSamples is the number of rows that failed.
	FailedSamples int
}

// CompareResults are the results of a compare job.
type CompareResults struct {
	CommonResults
	// AWins, BWins and Ties count the rows by verdict (A_wins, B_wins, Ties).
	AWins, BWins, Ties int
	// NumSamples is the number of rows, where the service sends it.
	NumSamples int
}

// ErrorResults are the results of a failed job: the reason only.
type ErrorResults struct {
	Message string
}

// UnknownResults are the results of a job whose type this package does not know: the fields common
// to every type.
type UnknownResults struct {
	CommonResults
}

func (*ClassifyResults) isResults() {}
func (*ScoreResults) isResults()    {}
func (*CompareResults) isResults()  {}
func (*ErrorResults) isResults()    {}
func (*UnknownResults) isResults()  {}

// maxCount is the largest count accepted: every whole number up to it is exact in a float64.
const maxCount = 1 << 53

// countProblem says why f is not a count, or "" if it is one.
func countProblem(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return s + " is not a number"
	case f < 0:
		return s + " is negative"
	case f != math.Trunc(f):
		return s + " is not a whole number"
	case f > maxCount:
		return s + " is too large"
	}
	return ""
}

// countReader reads counts, collecting absent fields and errors.
type countReader struct {
	absent []string
	errs   []error
}

func (r *countReader) count(field string, v *float64) int {
	if v == nil {
		r.absent = append(r.absent, field)
		return 0
	}
	if p := countProblem(*v); p != "" {
		r.errs = append(r.errs, &ResultError{Field: "results." + field, Problem: "count " + p})
		return 0
	}
	return int(*v)
}

func (r *countReader) common(g *generated.EvaluationResults) CommonResults {
	c := CommonResults{
		GenerationFailCount: r.count("generation_fail_count", g.GenerationFailCount),
		JudgeFailCount:      r.count("judge_fail_count", g.JudgeFailCount),
	}
	if g.ResultFileID != nil {
		c.ResultFileID = *g.ResultFileID
	}
	if g.Usage != nil {
		u := *g.Usage
		c.Usage = &u
	}
	return c
}

// classifyResults converts g. On error it still returns every field that decoded.
func classifyResults(g *generated.EvaluationResults) (*ClassifyResults, error) {
	var r countReader
	res := &ClassifyResults{
		CommonResults:     r.common(g),
		InvalidLabelCount: r.count("invalid_label_count", g.InvalidLabelCount),
		PassPercentage:    g.PassPercentage,
	}
	if g.LabelCounts == nil || string(bytes.TrimSpace(*g.LabelCounts)) == "null" {
		r.absent = append(r.absent, "label_counts")
	} else {
		res.LabelCountsRaw = labelCountsText(g.LabelCounts)
		counts, err := decodeLabelCounts(g.LabelCounts)
		if err != nil {
			r.errs = append(r.errs, err)
		}
		res.LabelCounts = counts
	}
	res.Absent = r.absent
	return res, errors.Join(r.errs...)
}

// scoreResults converts g. On error it still returns every field that decoded.
func scoreResults(g *generated.EvaluationResults) (*ScoreResults, error) {
	var r countReader
	res := &ScoreResults{
		CommonResults:     r.common(g),
		InvalidScoreCount: r.count("invalid_score_count", g.InvalidScoreCount),
		FailedSamples:     r.count("failed_samples", g.FailedSamples),
	}
	if a := g.AggregatedScores; a != nil {
		res.MeanScore, res.StdScore, res.PassPercentage = a.MeanScore, a.StdScore, a.PassPercentage
	}
	res.Absent = r.absent
	return res, errors.Join(r.errs...)
}

// compareResults converts g. On error it still returns every field that decoded.
func compareResults(g *generated.EvaluationResults) (*CompareResults, error) {
	var r countReader
	res := &CompareResults{
		CommonResults: r.common(g),
		AWins:         r.count("A_wins", g.AWins),
		BWins:         r.count("B_wins", g.BWins),
		Ties:          r.count("Ties", g.Ties),
		NumSamples:    r.count("num_samples", g.NumSamples),
	}
	res.Absent = r.absent
	return res, errors.Join(r.errs...)
}

func unknownResults(g *generated.EvaluationResults) (*UnknownResults, error) {
	var r countReader
	res := &UnknownResults{CommonResults: r.common(g)}
	res.Absent = r.absent
	return res, errors.Join(r.errs...)
}

func errorOf(g *generated.EvaluationResults) (string, bool) {
	if g == nil || g.Error == nil {
		return "", false
	}
	return *g.Error, true
}

// resultsOfType converts g for a job of type t; an unknown type falls back to inference.
func resultsOfType(t JobType, g *generated.EvaluationResults) (Results, error) {
	if msg, ok := errorOf(g); ok {
		return &ErrorResults{Message: msg}, nil
	}
	switch t {
	case TypeClassify:
		return classifyResults(g)
	case TypeScore:
		return scoreResults(g)
	case TypeCompare:
		return compareResults(g)
	}
	return inferResults(g)
}

// inferResults tells results without a job type apart by the fields present; see
// [JobStatus.Results].
func inferResults(g *generated.EvaluationResults) (Results, error) {
	switch {
	case g.Error != nil:
		return &ErrorResults{Message: *g.Error}, nil
	case g.LabelCounts != nil || g.InvalidLabelCount != nil || g.PassPercentage != nil:
		return classifyResults(g)
	case g.AggregatedScores != nil || g.InvalidScoreCount != nil || g.FailedSamples != nil:
		return scoreResults(g)
	case g.AWins != nil || g.BWins != nil || g.Ties != nil || g.NumSamples != nil:
		return compareResults(g)
	}
	return unknownResults(g)
}

// Results returns the job's results as the type its Type calls for, one of these concrete types
// (use a type switch):
//
//   - [*ClassifyResults] for a classify job,
//   - [*ScoreResults] for a score job,
//   - [*CompareResults] for a compare job,
//   - [*ErrorResults] for a failed job (status error or user_error), whatever its type,
//   - [*UnknownResults] for a job of a type this package does not know.
//
// Before the job ends it returns [ErrNoResults]. A count that is fractional or negative, or a
// malformed label_counts, gives a [*ResultError] (several are joined) along with every field that
// did decode.
func (j *Job) Results() (Results, error) {
	if j.results == nil {
		return nil, ErrNoResults
	}
	return resultsOfType(j.Type, j.results)
}

// checkResultsFor returns an error unless the job has results of type t: ErrNoResults, a
// *JobFailedError for a failed job, or ErrWrongJobType. A job of an unknown type may hold any kind.
func (j *Job) checkResultsFor(t JobType) error {
	if j.results == nil {
		return ErrNoResults
	}
	if msg, ok := errorOf(j.results); ok {
		return &JobFailedError{Job: j, Status: j.Status, Message: msg}
	}
	switch j.Type {
	case t:
		return nil
	case TypeClassify, TypeScore, TypeCompare:
		return fmt.Errorf("%w: job %q is a %s job, not %s", ErrWrongJobType, j.ID, j.Type, t)
	}
	return nil
}

// ClassifyResults returns the results of a classify job. It fails with [ErrNoResults] before the job
// ends, a [*JobFailedError] if the job failed, and [ErrWrongJobType] for another type. A malformed
// count or label_counts gives a [*ResultError] along with every field that did decode.
func (j *Job) ClassifyResults() (*ClassifyResults, error) {
	if err := j.checkResultsFor(TypeClassify); err != nil {
		return nil, err
	}
	return classifyResults(j.results)
}

// ScoreResults returns the results of a score job; errors as for [Job.ClassifyResults].
func (j *Job) ScoreResults() (*ScoreResults, error) {
	if err := j.checkResultsFor(TypeScore); err != nil {
		return nil, err
	}
	return scoreResults(j.results)
}

// CompareResults returns the results of a compare job; errors as for [Job.ClassifyResults].
func (j *Job) CompareResults() (*CompareResults, error) {
	if err := j.checkResultsFor(TypeCompare); err != nil {
		return nil, err
	}
	return compareResults(j.results)
}

// ErrorResult returns the reason a failed job gave in its results, and whether there was one.
func (j *Job) ErrorResult() (string, bool) { return errorOf(j.results) }

// PassPercentage returns the percentage of rows that passed, and whether the job has one: a
// classify job's pass_percentage, or a score job's aggregated_scores.pass_percentage. It is false
// for a compare job, which has no pass percentage (see [CompareResults] for its A / B / tie
// counts), for a job without results yet, for a failed job, and when the service sent none.
func (j *Job) PassPercentage() (float64, bool) {
	g := j.results
	if g == nil || j.Type == TypeCompare {
		return 0, false
	}
	if g.PassPercentage != nil {
		return *g.PassPercentage, true
	}
	if g.AggregatedScores != nil && g.AggregatedScores.PassPercentage != nil {
		return *g.AggregatedScores.PassPercentage, true
	}
	return 0, false
}
