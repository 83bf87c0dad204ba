package decide

import (
	"math"

	"github.com/evalkit/together-evals/wrappers"
)

// Figures are the headline figures of one run, as a gate checks them. A nil field is a figure
// the run does not give.
type Figures struct {
	// Type is the job type.
	Type wrappers.JobType
	// Rows counts every row of the run.
	Rows *int
	// PassPercentage is the job's pass percentage (classify: of the rows with a label; score: of
	// the rows with a valid score), 0 to 100.
	PassPercentage *float64
	// MeanScore is a score job's mean score.
	MeanScore *float64
	// Invalid counts the judge's answers that were not an allowed verdict; JudgeFailures and
	// GenerationFailures the rows where the judge or the generating model failed.
	Invalid, JudgeFailures, GenerationFailures *int
	// AWins, BWins and Ties count a compare job's verdicts.
	AWins, BWins, Ties *int
}

// WinRate is model B's win rate, B wins / (A wins + B wins + ties), in percent; false when there
// is no verdict to count.
func (f Figures) WinRate() (float64, bool) {
	if f.AWins == nil || f.BWins == nil || f.Ties == nil {
		return 0, false
	}
	all := *f.AWins + *f.BWins + *f.Ties
	if all == 0 {
		return 0, false
	}
	return 100 * float64(*f.BWins) / float64(all), true
}

// Share is n as a percentage of every row; false when either is unknown or there is no row.
func (f Figures) Share(n *int) (float64, bool) {
	if n == nil || f.Rows == nil || *f.Rows == 0 {
		return 0, false
	}
	return 100 * float64(*n) / float64(*f.Rows), true
}

// JobFigures reads the figures of a job that has ended from its own results. A score job's
// results do not say how many rows it had, so its Rows is nil (see [Gate], which counts them in
// the result file when a share is asked for). It fails as [wrappers.Job.ResultTotals] does: for a
// job that has not ended or that failed.
func JobFigures(job *wrappers.Job) (Figures, error) {
	t, err := job.ResultTotals()
	if err != nil {
		return Figures{}, err
	}
	f := Figures{
		Type: job.Type, JudgeFailures: toInt(t.JudgeFailCount), GenerationFailures: toInt(t.GenerationFailCount),
	}
	switch job.Type {
	case wrappers.TypeClassify:
		f.PassPercentage = t.PassPercentage
		f.Invalid = toInt(t.InvalidLabelCount)
		if t.LabelCounts != nil && f.Invalid != nil && f.JudgeFailures != nil && f.GenerationFailures != nil {
			n := *f.Invalid + *f.JudgeFailures + *f.GenerationFailures
			for _, c := range t.LabelCounts {
				n += int(c)
			}
			f.Rows = &n
		}
	case wrappers.TypeScore:
		f.PassPercentage = t.ScorePassPercentage
		f.MeanScore = t.MeanScore
		f.Invalid = toInt(t.InvalidScoreCount)
	case wrappers.TypeCompare:
		f.AWins, f.BWins, f.Ties = toInt(t.AWins), toInt(t.BWins), toInt(t.Ties)
		f.Rows = toInt(t.NumSamples)
		if f.Rows != nil && f.AWins != nil && f.BWins != nil && f.Ties != nil && f.JudgeFailures != nil && f.GenerationFailures != nil {
			n := *f.Rows - *f.AWins - *f.BWins - *f.Ties - *f.JudgeFailures - *f.GenerationFailures
			if n >= 0 {
				f.Invalid = &n
			}
		}
	}
	return f, nil
}

// RowFigures computes the figures of a run from the sum of its rows ([wrappers.SummarizeRows]):
// for a result file on disk, or to check a job's own figures.
func RowFigures(t wrappers.JobType, s *wrappers.RowSummary) Figures {
	f := Figures{
		Type: t, Rows: ptr(s.Rows), Invalid: ptr(s.InvalidJudgeOutputs),
		JudgeFailures: ptr(s.JudgeFailures), GenerationFailures: ptr(s.GenerationFailures),
	}
	switch t {
	case wrappers.TypeClassify:
		f.PassPercentage = ptr(s.ClassifyPassPercentage())
	case wrappers.TypeScore:
		f.PassPercentage = ptr(s.Scores.PassPercentage())
		if s.Scores.Count > 0 {
			f.MeanScore = ptr(s.Scores.Mean)
		}
	case wrappers.TypeCompare:
		f.AWins, f.BWins, f.Ties = ptr(s.AWins), ptr(s.BWins), ptr(s.Ties)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func toInt(f *float64) *int {
	if f == nil || math.IsNaN(*f) {
		return nil
	}
	n := int(*f)
	return &n
}
