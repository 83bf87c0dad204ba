package decide

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/evalkit/together-evals/wrappers"
)

// ErrTypeMismatch is returned by [Diff] for two runs of different job types.
var ErrTypeMismatch = errors.New("the two runs are jobs of different types")

// DefaultAlpha is the significance level of [Diff] unless [WithAlpha] says otherwise.
const DefaultAlpha = 0.05

// DefaultLimit is how many rows of each kind [Result] keeps unless [WithLimit] says otherwise.
const DefaultLimit = 10

// Option configures [Diff].
type Option func(*options) error

type options struct {
	key   []string
	alpha float64
	limit int
	onRow func(Row) error
	typ   wrappers.JobType
}

// WithKey pairs rows by the values of these columns (the CLI's --key). Rows with the same values
// pair in their order of appearance.
func WithKey(columns ...string) Option {
	return func(o *options) error {
		for _, c := range columns {
			if strings.TrimSpace(c) == "" {
				return errors.New("--key: a column name is empty")
			}
		}
		o.key = columns
		return nil
	}
}

// WithAlpha sets the significance level (the CLI's --alpha), between 0 and 1; 0.05 by default.
func WithAlpha(alpha float64) Option {
	return func(o *options) error {
		if !(alpha > 0 && alpha < 1) {
			return fmt.Errorf("--alpha: must be between 0 and 1 (such as 0.05), got %s", FormatNumber(alpha))
		}
		o.alpha = alpha
		return nil
	}
}

// WithLimit sets how many rows of each kind (regressed, improved, only in one run) [Result]
// keeps in full, with both runs' rows; 10 by default, 0 for none. The counts always cover every
// row.
func WithLimit(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("--limit: must be 0 or more, got %d", n)
		}
		o.limit = n
		return nil
	}
}

// WithRowFunc calls fn with every row as it is compared: the paired rows and the rows only in
// the new run in the new run's order, then the rows only in the base run in theirs. The [Row]
// carries NewRow for the first two, BaseRow for the last; it must not be kept after fn returns
// unless copied. An error from fn stops Diff and is returned.
func WithRowFunc(fn func(Row) error) Option {
	return func(o *options) error {
		o.onRow = fn
		return nil
	}
}

// WithType sets the job type of runs read from files, instead of telling it from their rows.
func WithType(t wrappers.JobType) Option {
	return func(o *options) error {
		switch t {
		case wrappers.TypeClassify, wrappers.TypeScore, wrappers.TypeCompare:
			o.typ = t
			return nil
		}
		return fmt.Errorf("--type: must be classify, score or compare, got %q", t)
	}
}

// Row is one row of the comparison.
type Row struct {
	// Change is how the row moved.
	Change Change
	// Base and New are the row's verdicts in each run; nil for the run it is not in.
	Base, New *Verdict
	// BaseRow and NewRow are the rows as read; see [WithRowFunc] and [Result] for when each is
	// set.
	BaseRow, NewRow *wrappers.ResultRow

	mode MatchMode
	cols []string
}

func (r *Row) row() *wrappers.ResultRow {
	if r.NewRow != nil {
		return r.NewRow
	}
	return r.BaseRow
}

// Key is what the row was paired on, as JSON: an object of the key columns, {"line": N}, or an
// object of the input fields. It is null when neither row was read.
func (r *Row) Key() json.RawMessage {
	row := r.row()
	if row == nil {
		return json.RawMessage("null")
	}
	return keyJSON(r.mode, r.cols, row)
}

// KeyText is what the row was paired on, as a person reads it: the key columns' values, or
// "line N".
func (r *Row) KeyText() string {
	row := r.row()
	if row == nil {
		return ""
	}
	return keyText(r.mode, r.cols, row)
}

// Inputs is the row's input fields (every field the service did not add), from the new run's
// row when there is one.
func (r *Row) Inputs() []Field {
	row := r.row()
	if row == nil {
		return nil
	}
	return InputFields(row)
}

// Summary is what the comparison of two runs adds up to.
type Summary struct {
	// Type is the runs' job type.
	Type wrappers.JobType
	// MatchedBy is how rows were paired; Key the key columns when by key.
	MatchedBy MatchMode
	Key       []string
	// Alpha is the significance level.
	Alpha float64
	// Base and New add up every row of each run.
	Base, New *wrappers.RowSummary
	// Paired counts the rows found in both runs.
	Paired int
	// Regressed, Improved and Unchanged count the paired rows by [Compare]; OnlyBase and
	// OnlyNew count the rows found in one run only.
	Regressed, Improved, Unchanged, OnlyBase, OnlyNew int
	// PassRate is the change in pass rate over the paired rows ([Verdict.Pass]: for compare
	// jobs, model B's win rate).
	PassRate PairedProportion
	// MeanScore is the change in mean score over the rows scored in both runs (score jobs
	// only; nil otherwise).
	MeanScore *PairedMean
}

// SignificantDrop reports whether the new run is worse at the significance level: its pass rate
// dropped with a McNemar p-value below Alpha, or (score jobs) its mean score dropped with a paired
// t p-value below Alpha.
func (s *Summary) SignificantDrop() bool {
	if s.PassRate.Delta < 0 && s.PassRate.PValue < s.Alpha {
		return true
	}
	m := s.MeanScore
	return m != nil && !m.TooSmall && m.Delta < 0 && m.PValue < s.Alpha
}

// Result is the outcome of [Diff]: the summary, and the first rows of each kind (up to
// [WithLimit]) with both runs' rows read in full.
type Result struct {
	Summary Summary
	// Regressed and Improved are the first paired rows that regressed or improved, in the new
	// run's order, with BaseRow and NewRow set.
	Regressed, Improved []Row
	// OnlyBase and OnlyNew are the first rows found in one run only, with the row of that run.
	OnlyBase, OnlyNew []Row
}

// Diff compares two runs of the same job type row by row (see [Compare] for what counts as a
// regression) and computes paired statistics on the rows found in both.
//
// Rows pair by the key columns of [WithKey] when given; else by line when both are jobs that read
// the same input file ([Job]); else by their input fields (every field the service did not add,
// values compared as written). Rows with the same key pair in order of appearance; rows found in
// one run only are counted and listed apart, never dropped.
//
// Memory: the base run is read once into a compact index (about 70 bytes a row plus its distinct
// labels, whatever the rows hold); the new run then streams past it, one row at a time. Rows are
// never all held at once. The base run is read a second time, up to the last line needed, only
// when rows of it must be shown: the kept rows of [Result], and the rows only in the base run when
// [WithRowFunc] is given.
func Diff(ctx context.Context, base, next Source, opts ...Option) (*Result, error) {
	o := options{alpha: DefaultAlpha, limit: DefaultLimit}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	d := &differ{o: o, idx: newIndex(), texts: texts{}}
	if err := d.setUp(base, next); err != nil {
		return nil, err
	}
	if err := d.readBase(ctx, base); err != nil {
		return nil, err
	}
	if err := d.readNew(ctx, next); err != nil {
		return nil, err
	}
	if err := d.details(ctx, base); err != nil {
		return nil, err
	}
	return d.result(), nil
}

type differ struct {
	o         options
	typ       wrappers.JobType
	mode      MatchMode
	keys      *keyer
	idx       *index
	sumOpts   [2][]wrappers.SummaryOption
	s         Summary
	table     [2][2]int // [base pass][new pass]
	mean      meanAcc
	res       Result
	keptLines map[int][]int // base line -> indexes into res.Regressed / res.Improved (encoded)
	texts     texts
}

func (d *differ) setUp(base, next Source) error {
	d.typ = d.o.typ
	if base.typ != "" && next.typ != "" && base.typ != next.typ {
		return fmt.Errorf("%w: %s is a %s job and %s a %s job; diff compares jobs of one type",
			ErrTypeMismatch, base.name, base.typ, next.name, next.typ)
	}
	if d.typ == "" {
		d.typ = firstType(base.typ, next.typ)
	}
	switch {
	case len(d.o.key) > 0:
		d.mode = ByKey
	case base.inputFile != "" && base.inputFile == next.inputFile:
		d.mode = ByLine
	default:
		d.mode = ByInput
	}
	d.keys = newKeyer(d.mode, d.o.key)
	if base.job != nil {
		d.sumOpts[0] = base.job.SummaryOptions()
	}
	if next.job != nil {
		d.sumOpts[1] = next.job.SummaryOptions()
	}
	d.s = Summary{
		MatchedBy: d.mode, Key: d.o.key, Alpha: d.o.alpha,
		Base: wrappers.NewRowSummary(d.sumOpts[0]...), New: wrappers.NewRowSummary(d.sumOpts[1]...),
	}
	return nil
}

func firstType(a, b wrappers.JobType) wrappers.JobType {
	if a != "" {
		return a
	}
	return b
}

// typeFrom sets the job type from the first row of a run read from a file, or checks it.
func (d *differ) typeFrom(s Source, row *wrappers.ResultRow) error {
	if d.o.typ != "" {
		return nil
	}
	t := typeOfRow(row)
	if d.typ == "" {
		if t == "" {
			return s.notResults(row)
		}
		d.typ = t
		return nil
	}
	if t != "" && t != d.typ && s.typ == "" {
		return fmt.Errorf("%w: %s holds the rows of a %s job, the other run is a %s job; diff compares jobs of one type",
			ErrTypeMismatch, s.name, t, d.typ)
	}
	return nil
}

func (d *differ) readBase(ctx context.Context, base Source) error {
	first := true
	err := base.rows(ctx, func(row *wrappers.ResultRow) error {
		if first {
			first = false
			if err := d.typeFrom(base, row); err != nil {
				return err
			}
		}
		d.s.Base.Add(row)
		key, err := d.keys.keyOf(row, "base")
		if err != nil {
			return err
		}
		var check uint64
		if d.mode == ByLine {
			check = d.keys.inputHash(row)
		}
		if err := d.idx.add(key, check, verdictOf(row, d.typ, d.texts.text)); err != nil {
			return fmt.Errorf("%s: %w", base.name, err)
		}
		return nil
	})
	return noRows(base, first, err)
}

// noRows is err, or the error of a run that has no row (first is still true after reading it):
// an empty run is nothing to compare, as [GateRows] refuses it too.
func noRows(s Source, first bool, err error) error {
	if err == nil && first {
		return noRowsIn(s)
	}
	return err
}

func (d *differ) readNew(ctx context.Context, next Source) error {
	first := true
	err := next.rows(ctx, func(row *wrappers.ResultRow) error {
		if first {
			first = false
			if err := d.typeFrom(next, row); err != nil {
				return err
			}
		}
		d.s.New.Add(row)
		key, err := d.keys.keyOf(row, "new")
		if err != nil {
			return err
		}
		v := verdictOf(row, d.typ, d.texts.text)
		i := d.idx.take(key)
		if i < 0 {
			d.s.OnlyNew++
			r := Row{Change: OnlyNew, New: &v, NewRow: row, mode: d.mode, cols: d.o.key}
			if len(d.res.OnlyNew) < d.o.limit {
				d.res.OnlyNew = append(d.res.OnlyNew, r)
			}
			return d.emit(r)
		}
		if d.mode == ByLine && d.idx.entries[i].check != d.keys.inputHash(row) {
			return fmt.Errorf("line %d of the two result files holds different input fields, although both jobs read input file %s: "+
				"the rows are not in the same order; pair them with --key COLUMN", row.Line(), next.inputFile)
		}
		bv := d.idx.verdict(i)
		ch := Compare(d.typ, bv, v)
		d.s.Paired++
		d.table[b2i(bv.Pass(d.typ))][b2i(v.Pass(d.typ))]++
		if bv.HasScore && v.HasScore {
			d.mean.add(bv.Score, v.Score)
		}
		r := Row{Change: ch, Base: &bv, New: &v, NewRow: row, mode: d.mode, cols: d.o.key}
		switch ch {
		case Regressed:
			d.s.Regressed++
			if len(d.res.Regressed) < d.o.limit {
				d.keep(bv.Line, 0, len(d.res.Regressed))
				d.res.Regressed = append(d.res.Regressed, r)
			}
		case Improved:
			d.s.Improved++
			if len(d.res.Improved) < d.o.limit {
				d.keep(bv.Line, 1, len(d.res.Improved))
				d.res.Improved = append(d.res.Improved, r)
			}
		default:
			d.s.Unchanged++
		}
		return d.emit(r)
	})
	return noRows(next, first, err)
}

func (d *differ) keep(line, list, i int) {
	if d.keptLines == nil {
		d.keptLines = map[int][]int{}
	}
	d.keptLines[line] = append(d.keptLines[line], list<<31|i)
}

func (d *differ) emit(r Row) error {
	if d.o.onRow == nil {
		return nil
	}
	return d.o.onRow(r)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// details reads the base run again, up to the last line needed, for the rows of it to show.
func (d *differ) details(ctx context.Context, base Source) error {
	for _, e := range d.idx.entries {
		if !e.matched {
			d.s.OnlyBase++
		}
	}
	wantOnly := d.s.OnlyBase
	if d.o.onRow == nil {
		wantOnly = min(wantOnly, d.o.limit)
	}
	lastKept := 0
	for line := range d.keptLines {
		lastKept = max(lastKept, line)
	}
	if wantOnly == 0 && lastKept == 0 {
		return nil
	}
	cursor := 0 // the next entry to look at for rows only in the base run
	emitted := 0
	errDone := errors.New("done")
	err := base.rows(ctx, func(row *wrappers.ResultRow) error {
		line := row.Line()
		for _, k := range d.keptLines[line] {
			list, i := k>>31, k&(1<<31-1)
			if list == 0 {
				d.res.Regressed[i].BaseRow = row
			} else {
				d.res.Improved[i].BaseRow = row
			}
		}
		for cursor < len(d.idx.entries) && int(d.idx.entries[cursor].line) < line {
			cursor++
		}
		if emitted < wantOnly && cursor < len(d.idx.entries) && int(d.idx.entries[cursor].line) == line && !d.idx.entries[cursor].matched {
			v := d.idx.verdict(cursor)
			r := Row{Change: OnlyBase, Base: &v, BaseRow: row, mode: d.mode, cols: d.o.key}
			if len(d.res.OnlyBase) < d.o.limit {
				d.res.OnlyBase = append(d.res.OnlyBase, r)
			}
			emitted++
			if err := d.emit(r); err != nil {
				return err
			}
		}
		if emitted >= wantOnly && line >= lastKept {
			return errDone
		}
		return nil
	})
	if errors.Is(err, errDone) {
		return nil
	}
	if err == nil && emitted < wantOnly {
		return fmt.Errorf("%s: the file changed while it was compared: it has fewer rows than on the first read", base.name)
	}
	return err
}

func (d *differ) result() *Result {
	s := d.s
	s.Type = d.typ
	s.PassRate = pairedProportion(d.table[1][1], d.table[1][0], d.table[0][1], d.table[0][0], d.o.alpha)
	if d.typ == wrappers.TypeScore {
		m := d.mean.result()
		s.MeanScore = &m
	}
	d.res.Summary = s
	return &d.res
}
