package wrappers

import (
	"context"
	"fmt"
)

// ResultTotals returns the job's aggregated results in the shape [RowSummary.Compare] checks,
// read through the job's typed results ([Job.ClassifyResults], [Job.ScoreResults],
// [Job.CompareResults]): label_counts decoded, counts checked to be whole. A count the service
// sent as null, or did not send, is left nil and not compared. It fails as those accessors do:
// [ErrNoResults] before the job ends, a [*JobFailedError] for a failed job, a [*ResultError] for
// a malformed count or label_counts.
func (j *Job) ResultTotals() (ResultTotals, error) {
	if j == nil {
		return ResultTotals{}, fmt.Errorf("wrappers: the job is nil")
	}
	res, err := j.Results()
	if err != nil {
		return ResultTotals{}, err
	}
	t := ResultTotals{Type: string(j.Type)}
	common := func(c *CommonResults) {
		t.GenerationFailCount = presentCount(c, "generation_fail_count", c.GenerationFailCount)
		t.JudgeFailCount = presentCount(c, "judge_fail_count", c.JudgeFailCount)
	}
	switch r := res.(type) {
	case *ErrorResults:
		return ResultTotals{}, &JobFailedError{Job: j, Status: j.Status, Message: r.Message}
	case *ClassifyResults:
		common(&r.CommonResults)
		if r.LabelCounts != nil {
			t.LabelCounts = make(map[string]float64, len(r.LabelCounts))
			for l, n := range r.LabelCounts {
				t.LabelCounts[l] = float64(n)
			}
		}
		t.InvalidLabelCount = presentCount(&r.CommonResults, "invalid_label_count", r.InvalidLabelCount)
		t.PassPercentage = r.PassPercentage
	case *ScoreResults:
		common(&r.CommonResults)
		t.MeanScore, t.StdScore, t.ScorePassPercentage = r.MeanScore, r.StdScore, r.PassPercentage
		t.InvalidScoreCount = presentCount(&r.CommonResults, "invalid_score_count", r.InvalidScoreCount)
		t.FailedSamples = presentCount(&r.CommonResults, "failed_samples", r.FailedSamples)
	case *CompareResults:
		common(&r.CommonResults)
		t.AWins = presentCount(&r.CommonResults, "A_wins", r.AWins)
		t.BWins = presentCount(&r.CommonResults, "B_wins", r.BWins)
		t.Ties = presentCount(&r.CommonResults, "Ties", r.Ties)
		t.NumSamples = presentCount(&r.CommonResults, "num_samples", r.NumSamples)
	case *UnknownResults:
		common(&r.CommonResults)
	}
	return t, nil
}

func presentCount(c *CommonResults, field string, n int) *float64 {
	if c.IsAbsent(field) {
		return nil
	}
	f := float64(n)
	return &f
}

// SummaryOptions returns the options that summarize the job's rows the way the service adds them
// up: a classify job's labels (each counted, 0 if no row has it) and a score job's pass
// threshold, from the job's parameters. Parameters the job does not carry give no option.
func (j *Job) SummaryOptions() []SummaryOption {
	if j == nil {
		return nil
	}
	req, err := j.Request()
	if err != nil {
		return nil
	}
	switch r := req.(type) {
	case *ClassifyRequest:
		if len(r.Labels) > 0 {
			return []SummaryOption{WithSummaryLabels(r.Labels...)}
		}
	case *ScoreRequest:
		return []SummaryOption{WithSummaryPassThreshold(r.PassThreshold)}
	}
	return nil
}

// CheckRowSummary compares a summary of the job's result rows with the job's own results. It
// returns nil when they agree, a *[SummaryMismatchError] listing every field where they do not,
// or the error of [Job.ResultTotals].
func (j *Job) CheckRowSummary(s *RowSummary) error {
	t, err := j.ResultTotals()
	if err != nil {
		return err
	}
	return s.Check(t)
}

// SummarizeJobRows streams the job's result rows ([Client.JobResultRows]) and adds them up with the
// job's labels and pass threshold ([Job.SummaryOptions]).
func (c *Client) SummarizeJobRows(ctx context.Context, job *Job) (*RowSummary, error) {
	return SummarizeRows(c.JobResultRows(ctx, job), job.SummaryOptions()...)
}

// CheckJobRows streams the job's result rows, adds them up, and checks that they agree with the
// job's own results. It returns the summary, and a *[SummaryMismatchError] when they disagree
// (or any error reading the rows or the results).
func (c *Client) CheckJobRows(ctx context.Context, job *Job) (*RowSummary, error) {
	s, err := c.SummarizeJobRows(ctx, job)
	if err != nil {
		return s, err
	}
	return s, job.CheckRowSummary(s)
}
