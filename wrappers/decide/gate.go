package decide

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/evalkit/together-evals/wrappers"
)

// The thresholds a gate checks, by the name of the CLI flag that sets each.
const (
	MinPass               = "min-pass"
	MinMean               = "min-mean"
	MaxInvalid            = "max-invalid"
	MaxJudgeFailures      = "max-judge-failures"
	MaxGenerationFailures = "max-generation-failures"
	MinWinRate            = "min-win-rate"
)

// Thresholds are the limits a gate checks one job against; a nil field is not checked.
// Percentages are 0 to 100.
type Thresholds struct {
	// MinPass is the lowest pass percentage that holds (classify, score).
	MinPass *float64
	// MinMean is the lowest mean score that holds (score).
	MinMean *float64
	// MaxInvalid, MaxJudgeFailures and MaxGenerationFailures are the highest shares of rows,
	// in percent, with an answer from the judge that was not an allowed verdict, with a failed
	// judge call, and with a failed generation (every type).
	MaxInvalid, MaxJudgeFailures, MaxGenerationFailures *float64
	// MinWinRate is the lowest win rate of model B that holds, in percent: B wins / (A wins +
	// B wins + ties) (compare).
	MinWinRate *float64
}

// Empty reports whether no threshold is set.
func (t Thresholds) Empty() bool { return len(t.list()) == 0 }

type threshold struct {
	name  string
	limit float64
	min   bool // a minimum, else a maximum
	types []wrappers.JobType
}

func (t Thresholds) list() []threshold {
	var out []threshold
	add := func(name string, v *float64, isMin bool, types ...wrappers.JobType) {
		if v != nil {
			out = append(out, threshold{name: name, limit: *v, min: isMin, types: types})
		}
	}
	add(MinPass, t.MinPass, true, wrappers.TypeClassify, wrappers.TypeScore)
	add(MinMean, t.MinMean, true, wrappers.TypeScore)
	add(MaxInvalid, t.MaxInvalid, false)
	add(MaxJudgeFailures, t.MaxJudgeFailures, false)
	add(MaxGenerationFailures, t.MaxGenerationFailures, false)
	add(MinWinRate, t.MinWinRate, true, wrappers.TypeCompare)
	return out
}

// Applies reports whether the threshold of this name ([MinPass], ...) applies to jobs of type
// t, and if not, says to which types it does ("score", "classify and score").
func Applies(name string, t wrappers.JobType) (bool, string) {
	one := 1.0
	th := Thresholds{}
	switch name {
	case MinPass:
		th.MinPass = &one
	case MinMean:
		th.MinMean = &one
	case MinWinRate:
		th.MinWinRate = &one
	default:
		return true, ""
	}
	l := th.list()[0]
	return containsType(l.types, t), typeList(l.types)
}

// needsRows reports whether a threshold is a share of every row.
func (t Thresholds) needsRows() bool {
	return t.MaxInvalid != nil || t.MaxJudgeFailures != nil || t.MaxGenerationFailures != nil
}

// ErrNotApplicable is wrapped by the error of a threshold that does not apply to the job's type,
// such as a minimum mean score for a classify job.
var ErrNotApplicable = errors.New("the threshold does not apply to this job type")

// Check is one threshold checked against one figure.
type Check struct {
	// Name is the threshold's name ([MinPass], [MinMean], ...).
	Name string
	// Limit is the threshold; Min says whether it is a minimum (else a maximum).
	Limit float64
	Min   bool
	// Percent says whether Limit and Figure are percentages.
	Percent bool
	// Figure is what was measured, when Measured.
	Figure   float64
	Measured bool
	// Held reports whether the figure is within the threshold. A figure that could not be
	// measured does not hold.
	Held bool
	// Detail says where the figure comes from ("8 of 10 rows"), or why there is none.
	Detail string
}

// GateResult is every threshold checked against one job.
type GateResult struct {
	// JobID is the job's id ("" for a result file).
	JobID string
	// Subject says what was checked: "job ID" or "file PATH".
	Subject string
	// Type is the job's type.
	Type wrappers.JobType
	// Figures are what was measured.
	Figures Figures
	// Checks are in the order of [Thresholds]' fields.
	Checks []Check
}

// Held reports whether every threshold held.
func (g *GateResult) Held() bool {
	for _, c := range g.Checks {
		if !c.Held {
			return false
		}
	}
	return true
}

// Missed returns the checks that did not hold.
func (g *GateResult) Missed() []Check {
	var out []Check
	for _, c := range g.Checks {
		if !c.Held {
			out = append(out, c)
		}
	}
	return out
}

// tolerance absorbs the rounding of figures that the service sends as decimals: a figure within
// one part in a billion of the threshold is at the threshold, and holds.
const tolerance = 1e-9

// CheckFigures checks the thresholds against the figures of a run. It fails, before checking
// anything, with [ErrNotApplicable] when a threshold does not apply to the run's type.
func (t Thresholds) CheckFigures(f Figures) (*GateResult, error) {
	list := t.list()
	for _, th := range list {
		if len(th.types) > 0 && !containsType(th.types, f.Type) {
			return nil, fmt.Errorf("%w: --%s applies to %s jobs, and this is a %s job", ErrNotApplicable, th.name, typeList(th.types), f.Type)
		}
	}
	g := &GateResult{Type: f.Type, Figures: f}
	for _, th := range list {
		c := Check{Name: th.name, Limit: th.limit, Min: th.min, Percent: th.name != MinMean}
		c.Figure, c.Measured, c.Detail = measure(th.name, f)
		if c.Measured {
			slack := tolerance * math.Max(1, math.Abs(th.limit))
			if th.min {
				c.Held = c.Figure >= th.limit-slack
			} else {
				c.Held = c.Figure <= th.limit+slack
			}
		}
		g.Checks = append(g.Checks, c)
	}
	return g, nil
}

func measure(name string, f Figures) (float64, bool, string) {
	share := func(n *int, what string) (float64, bool, string) {
		v, ok := f.Share(n)
		if !ok {
			return 0, false, "no figure: the results do not count " + what
		}
		return v, true, fmt.Sprintf("%d of %d rows", *n, *f.Rows)
	}
	switch name {
	case MinPass:
		if f.PassPercentage == nil {
			return 0, false, "no figure: the results give no pass percentage"
		}
		return *f.PassPercentage, true, ""
	case MinMean:
		if f.MeanScore == nil {
			return 0, false, "no figure: no row has a valid score"
		}
		return *f.MeanScore, true, ""
	case MaxInvalid:
		return share(f.Invalid, "invalid judge answers")
	case MaxJudgeFailures:
		return share(f.JudgeFailures, "judge failures")
	case MaxGenerationFailures:
		return share(f.GenerationFailures, "generation failures")
	case MinWinRate:
		v, ok := f.WinRate()
		if !ok {
			return 0, false, "no figure: no row has a verdict"
		}
		return v, true, fmt.Sprintf("%d of %d verdicts", *f.BWins, *f.AWins+*f.BWins+*f.Ties)
	}
	return 0, false, "unknown threshold"
}

func containsType(types []wrappers.JobType, t wrappers.JobType) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

func typeList(types []wrappers.JobType) string {
	s := ""
	for i, t := range types {
		if i > 0 {
			s += " and "
		}
		s += string(t)
	}
	return s
}

// Gate checks the thresholds against a job that has ended, from the job's own results. When a
// share of rows is asked for and the results do not say how many rows there were (score jobs), it
// counts them in the job's result file, streamed through c. It fails with [ErrNotApplicable]
// before any request for a threshold that does not apply to the job's type, and as
// [wrappers.Job.ResultTotals] does for a job that has not ended or that failed.
func Gate(ctx context.Context, c *wrappers.Client, job *wrappers.Job, t Thresholds) (*GateResult, error) {
	if _, err := t.CheckFigures(Figures{Type: job.Type}); err != nil {
		return nil, err
	}
	f, err := JobFigures(job)
	if err != nil {
		return nil, err
	}
	if t.needsRows() && f.Rows == nil {
		s, err := c.SummarizeJobRows(ctx, job)
		if err != nil {
			return nil, fmt.Errorf("counting the rows of job %s: %w", job.ID, err)
		}
		f.Rows = ptr(s.Rows)
		if f.Invalid == nil {
			f.Invalid = ptr(s.InvalidJudgeOutputs)
		}
		if f.JudgeFailures == nil {
			f.JudgeFailures = ptr(s.JudgeFailures)
		}
		if f.GenerationFailures == nil {
			f.GenerationFailures = ptr(s.GenerationFailures)
		}
	}
	g, err := t.CheckFigures(f)
	if err != nil {
		return nil, err
	}
	g.JobID, g.Subject = job.ID, "job "+job.ID
	return g, nil
}

// errNoRows is the error of a result file that has no row.
var errNoRows = errors.New("the file has no rows")

// noRowsIn is the error of source s when it has no row: the file's for a file on disk, else said
// of the results (a job's or a reader's) the source names.
func noRowsIn(s Source) error {
	if s.path != "" {
		return s.fault(errNoRows)
	}
	return s.fault(errNoRowsInResults)
}

// errNoRowsInResults is errNoRows's words for a source that is not a file on disk.
var errNoRowsInResults = errors.New("the results have no rows")

// GateRows checks the thresholds against a run read from its result rows, such as a result file
// on disk ([File]): every figure is computed from the rows (pass percentage and mean score from
// the rows' final decisions and scores). The job type is t, or else told from the first row.
func GateRows(ctx context.Context, src Source, t wrappers.JobType, th Thresholds) (*GateResult, error) {
	if t == "" {
		t = src.typ
	}
	var opts []wrappers.SummaryOption
	if src.job != nil {
		opts = src.job.SummaryOptions()
	}
	s := wrappers.NewRowSummary(opts...)
	err := src.rows(ctx, func(row *wrappers.ResultRow) error {
		if t == "" {
			if t = typeOfRow(row); t == "" {
				return src.notResults(row)
			}
		}
		s.Add(row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t == "" {
		return nil, noRowsIn(src)
	}
	g, err := th.CheckFigures(RowFigures(t, s))
	if err != nil {
		return nil, err
	}
	g.Subject = src.name
	if src.job != nil {
		g.JobID = src.job.ID
	}
	return g, nil
}
