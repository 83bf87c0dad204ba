package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// diffFlags are the flags of `evals diff` (and of `evals report --baseline`, in part).
type diffFlags struct {
	key              []string
	baseFile         string
	newFile          string
	failOnRegression bool
	maxRegressions   int
	alpha            float64
	limit            int
	typ              string
}

const diffLong = `Compare two runs row by row: two jobs that have ended (BASE_ID NEW_ID), or two
result files on disk (--base-file, --new-file), or one of each.

Rows are paired by the --key columns when given; else by line when both jobs read
the same input file; else by their input fields (every field the service did not
add). Rows with the same key pair in order of appearance; rows found in one run
only are counted and listed apart.

A row regressed when it was judged before and now failed or is invalid; classify:
a pass label became a fail label; score: the pass decision flipped to fail, or
the score dropped; compare (seen from model B): the winner moved towards A.

The summary gives both runs' figures, then, on the paired rows, the change in
pass rate (model B's win rate for compare) with its 95% interval (Newcombe's
hybrid score interval for paired proportions) and the exact McNemar test; for
score jobs the change in mean score with a paired t interval and test. As in
benchstat, a change is shown only with its test: '~' when it is not significant
at --alpha, and 'too small to tell' when no outcome of so few rows could be.
Then the regressed rows first, with their inputs, both verdicts and both
judges' feedback, up to --limit of each kind.

-o json prints one object: "rows" (every row, each with key, base, new and
change: regressed, improved, unchanged, only_base or only_new), written as the
rows are compared, then "summary" (regressed, improved, unchanged, only_base,
only_new, p_value, delta, ci_low, ci_high, ...; delta and the interval are in
percentage points of pass rate).

Exit codes: 5 with --fail-on-regression when the pass rate (or, for score jobs,
the mean score) dropped significantly at --alpha, and with --max-regressions N
when more than N rows regressed.`

// diffCmd is `evals diff BASE_ID NEW_ID`.
func (a *app) diffCmd() *cobra.Command {
	f := diffFlags{maxRegressions: -1, alpha: decide.DefaultAlpha, limit: decide.DefaultLimit}
	cmd := &cobra.Command{
		Use:   "diff [BASE_ID] [NEW_ID]",
		Short: "Compare two runs row by row, with paired statistics",
		Long:  diffLong,
		Example: `  evals diff eval-base0001 eval-new00002 --key id
  evals diff eval-base0001 eval-new00002 --fail-on-regression --max-regressions 5
  evals diff --base-file base.jsonl --new-file new.jsonl --key id -o json | jq .summary`,
		Args: atMostArgs("BASE_ID", "NEW_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDiff(cmd, &f, args)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&f.key, "key", nil, "pair rows by these columns, e.g. id or id,lang")
	fs.StringVar(&f.baseFile, "base-file", "", "the base run's result file on disk, instead of BASE_ID")
	fs.StringVar(&f.newFile, "new-file", "", "the new run's result file on disk, instead of NEW_ID")
	fs.BoolVar(&f.failOnRegression, "fail-on-regression", false, "exit 5 when the change is a significant drop at --alpha")
	fs.IntVar(&f.maxRegressions, "max-regressions", -1, "exit 5 when more than this many rows regressed (-1: no limit)")
	fs.Float64Var(&f.alpha, "alpha", decide.DefaultAlpha, "the significance level of the tests, between 0 and 1")
	fs.IntVar(&f.limit, "limit", decide.DefaultLimit, "show at most this many rows of each kind (regressed, improved, only in one run); -o json lists every row")
	fs.StringVar(&f.typ, "type", "", "the job type of result files on disk: classify, score or compare (default: told from the rows)")
	_ = cmd.MarkFlagFilename("base-file", "jsonl")
	_ = cmd.MarkFlagFilename("new-file", "jsonl")
	return cmd
}

// diffSources reads which two runs to compare from the arguments and the file flags.
func (a *app) diffSources(ctx context.Context, f *diffFlags, args []string, fsChanged func(string) bool) (base, next decide.Source, err error) {
	want := 2
	if fsChanged("base-file") {
		want--
	}
	if fsChanged("new-file") {
		want--
	}
	if len(args) != want {
		return base, next, usagef("give two runs: BASE_ID NEW_ID, or --base-file and --new-file (or one of each); got %d job id(s) for %d", len(args), want)
	}
	var p problemList
	if fsChanged("base-file") && f.baseFile == "" {
		p.add("--base-file", emptyResultFile)
	}
	if fsChanged("new-file") && f.newFile == "" {
		p.add("--new-file", emptyResultFile)
	}
	if len(p) > 0 {
		return base, next, &usageError{err: joinProblems(p)}
	}
	var c *wrappers.Client
	job := func(id string) (decide.Source, error) {
		if c == nil {
			var err error
			if c, err = a.client(); err != nil {
				return decide.Source{}, err
			}
		}
		j, err := c.Retrieve(ctx, id)
		if err != nil {
			return decide.Source{}, fmt.Errorf("diff %s: %w", id, err)
		}
		if !j.Done() {
			return decide.Source{}, fmt.Errorf("job %s is %s: diff compares jobs that have ended; follow it with 'evals wait %s'", clean(j.ID), clean(string(j.Status)), clean(j.ID))
		}
		return decide.Job(c, j), nil
	}
	if fsChanged("base-file") {
		base = decide.File(f.baseFile)
	} else {
		if base, err = job(args[0]); err != nil {
			return base, next, err
		}
		args = args[1:]
	}
	if fsChanged("new-file") {
		next = decide.File(f.newFile)
	} else if next, err = job(args[0]); err != nil {
		return base, next, err
	}
	return base, next, nil
}

func (f *diffFlags) options(fsChanged func(string) bool) ([]decide.Option, error) {
	var p problemList
	if !(f.alpha > 0 && f.alpha < 1) {
		p.add("--alpha", "must be between 0 and 1, such as 0.05, got %s", formatNumber(f.alpha))
	}
	if f.limit < 0 {
		p.add("--limit", "must be 0 or more, got %d", f.limit)
	}
	if f.maxRegressions < -1 {
		p.add("--max-regressions", "must be 0 or more (or -1 for no limit), got %d", f.maxRegressions)
	}
	for _, k := range f.key {
		if strings.TrimSpace(k) == "" {
			p.add("--key", "a column name is empty (write --key id or --key id,lang)")
			break
		}
	}
	opts := []decide.Option{decide.WithAlpha(f.alpha), decide.WithLimit(f.limit)}
	if len(f.key) > 0 {
		opts = append(opts, decide.WithKey(f.key...))
	}
	if fsChanged("type") {
		switch wrappers.JobType(f.typ) {
		case wrappers.TypeClassify, wrappers.TypeScore, wrappers.TypeCompare:
			opts = append(opts, decide.WithType(wrappers.JobType(f.typ)))
		default:
			p.add("--type", "must be classify, score or compare, got %q", f.typ)
		}
	}
	if len(p) > 0 {
		return nil, &usageError{err: joinProblems(p)}
	}
	return opts, nil
}

func (a *app) runDiff(cmd *cobra.Command, f *diffFlags, args []string) error {
	changed := cmd.Flags().Changed
	opts, err := f.options(changed)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	base, next, err := a.diffSources(ctx, f, args, changed)
	if err != nil {
		return err
	}
	var res *decide.Result
	if a.output == outputJSON {
		res, err = a.diffJSON(ctx, base, next, opts)
	} else {
		res, err = decide.Diff(ctx, base, next, opts...)
		if err == nil {
			// Bounded by --limit: rendered whole, then written in one piece (see redactingWriter).
			var b bytes.Buffer
			if err = writeDiff(&b, base, next, res, a.outStyle()); err == nil {
				_, err = a.stdout.Write(b.Bytes())
			}
		}
	}
	if err != nil {
		if kerr := keyColumnUsage(err); kerr != nil {
			return kerr
		}
		if ferr := resultFileUsage(err, "--base-file", f.baseFile, "--new-file", f.newFile); ferr != nil {
			return ferr
		}
		if errors.Is(err, decide.ErrTypeMismatch) {
			// Two runs that cannot be compared is a mistake in what was asked, not an API failure.
			return &usageError{err: err}
		}
		return fmt.Errorf("diff: %w", err)
	}
	s := res.Summary
	if s.Paired == 0 && s.Base.Rows > 0 && s.New.Rows > 0 && s.MatchedBy == decide.ByInput {
		a.warn("no row of one run has the input fields of a row of the other: name the column(s) that identify a row with --key")
	}
	if f.failOnRegression && s.SignificantDrop() {
		return checkFailedf("%s", dropText(&s))
	}
	if f.maxRegressions >= 0 && s.Regressed > f.maxRegressions {
		return checkFailedf("%d rows regressed, more than --max-regressions %d", s.Regressed, f.maxRegressions)
	}
	return nil
}

// dropText says which significant drop --fail-on-regression found.
func dropText(s *decide.Summary) string {
	p := s.PassRate
	if p.Delta < 0 && p.PValue < s.Alpha {
		return fmt.Sprintf("the %s dropped by %s points, significant at %s (p=%s)", rateName(s.Type), points(-p.Delta), formatNumber(s.Alpha), pText(p.PValue))
	}
	m := s.MeanScore
	return fmt.Sprintf("the mean score dropped by %s, significant at %s (p=%s)", decide.FormatNumber(-m.Delta), formatNumber(s.Alpha), pText(m.PValue))
}

func rateName(t wrappers.JobType) string {
	if t == wrappers.TypeCompare {
		return "win rate of model B"
	}
	return "pass rate"
}

// points prints a fraction as percentage points with one decimal.
func points(f float64) string { return strings.TrimSuffix(formatPercent(100*f), "%") }

// signedPoints prints a change in percentage points with its sign.
func signedPoints(f float64) string {
	if f > 0 {
		return "+" + points(f)
	}
	return points(f)
}

// pText prints a p-value with 3 significant digits.
func pText(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	return fmt.Sprintf("%.3g", p)
}

// testText is the test column of a change, benchstat-like: "p=0.002 n=20", with "too small to
// tell" where it is.
func testText(p float64, n int, tooSmall bool) string {
	s := fmt.Sprintf("p=%s n=%d", pText(p), n)
	if tooSmall {
		s += ", too small to tell"
	}
	return s
}

// writeDiff prints the comparison for people. Writes go to a bufio.Writer, which keeps the first
// error for Flush: that is where it is returned.
func writeDiff(w io.Writer, base, next decide.Source, res *decide.Result, st style) error {
	bw := bufio.NewWriter(w)
	s := &res.Summary
	_, _ = fmt.Fprintf(bw, "Base:  %s  %s\n", clean(base.Name()), runFigures(s.Type, s.Base))
	_, _ = fmt.Fprintf(bw, "New:   %s  %s\n", clean(next.Name()), runFigures(s.Type, s.New))
	matched := s.MatchedBy.String()
	if s.MatchedBy == decide.ByKey {
		matched += " " + clean(strings.Join(s.Key, ","))
	}
	_, _ = fmt.Fprintf(bw, "Rows paired by %s: %d paired, %d only in base, %d only in new.\n\n", matched, s.Paired, s.OnlyBase, s.OnlyNew)

	tw := tabwriter.NewWriter(bw, 0, 0, 3, ' ', 0)
	_, _ = fmt.Fprintln(tw, "PAIRED ROWS\tBASE\tNEW\tCHANGE\tTEST")
	p := s.PassRate
	change := "~"
	if p.N > 0 && p.PValue < s.Alpha {
		change = fmt.Sprintf("%s points [%s, %s]", signedPoints(p.Delta), signedPoints(p.CILow), signedPoints(p.CIHigh))
	}
	if p.N == 0 {
		_, _ = fmt.Fprintf(tw, "%s\t-\t-\t~\tno paired rows\n", rateName(s.Type))
	} else {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rateName(s.Type), formatPercent(100*p.Base), formatPercent(100*p.New), change, testText(p.PValue, p.N, p.TooSmall))
	}
	if m := s.MeanScore; m != nil {
		change := "~"
		if !m.TooSmall && m.PValue < s.Alpha {
			change = fmt.Sprintf("%s [%s, %s]", signed(m.Delta), signed(m.CILow), signed(m.CIHigh))
		}
		if m.N == 0 {
			_, _ = fmt.Fprintf(tw, "mean score\t-\t-\t~\tno row scored in both runs\n")
		} else {
			_, _ = fmt.Fprintf(tw, "mean score\t%s\t%s\t%s\t%s\n", formatNumber(m.Base), formatNumber(m.New), change, testText(m.PValue, m.N, m.TooSmall))
		}
	}
	_ = tw.Flush()
	_, _ = fmt.Fprintf(bw, "\n~: not significant at alpha %s. Change: in points, with its 95%% interval\n(%s).\nTest: %s.\n", formatNumber(s.Alpha), decide.MethodNewcombe, decide.MethodMcNemar)
	if s.MeanScore != nil {
		_, _ = fmt.Fprintf(bw, "Mean score: %s interval and test.\n", decide.MethodPairedT)
	}
	_, _ = fmt.Fprintf(bw, "\nRows: %s regressed, %s improved, %d unchanged, %d only in base, %d only in new.\n",
		st.red(fmt.Sprint(s.Regressed)), st.green(fmt.Sprint(s.Improved)), s.Unchanged, s.OnlyBase, s.OnlyNew)

	writeRowSection(bw, "Regressed", res.Regressed, s.Regressed, st)
	writeRowSection(bw, "Improved", res.Improved, s.Improved, st)
	writeRowSection(bw, "Only in base", res.OnlyBase, s.OnlyBase, st)
	writeRowSection(bw, "Only in new", res.OnlyNew, s.OnlyNew, st)
	return bw.Flush()
}

func signed(f float64) string {
	if f > 0 {
		return "+" + formatNumber(f)
	}
	return formatNumber(f)
}

// runFigures is one run's headline figures on every row.
func runFigures(t wrappers.JobType, s *wrappers.RowSummary) string {
	out := fmt.Sprintf("%s, %d rows", t, s.Rows)
	switch t {
	case wrappers.TypeClassify:
		out += ", pass " + formatPercent(s.ClassifyPassPercentage()) + " of labeled rows"
	case wrappers.TypeScore:
		out += ", pass " + formatPercent(s.Scores.PassPercentage())
		if s.Scores.Count > 0 {
			out += ", mean " + formatNumber(s.Scores.Mean)
		}
	case wrappers.TypeCompare:
		out += fmt.Sprintf(", A %d, B %d, ties %d", s.AWins, s.BWins, s.Ties)
	}
	if s.InvalidJudgeOutputs+s.Failed > 0 {
		out += fmt.Sprintf(", %d invalid, %d failed", s.InvalidJudgeOutputs, s.Failed)
	}
	return out
}

// maxFieldRunes is where a field's text is cut in the row listing.
const maxFieldRunes = 200

// writeRowSection lists kept rows of one kind: key, both verdicts, inputs and feedback.
func writeRowSection(w io.Writer, title string, rows []decide.Row, total int, st style) {
	if total == 0 {
		return
	}
	_, _ = fmt.Fprintf(w, "\n%s (%d", st.bold(title), total)
	if len(rows) < total {
		_, _ = fmt.Fprintf(w, ", first %d shown; --limit shows more, -o json lists all", len(rows))
	}
	_, _ = fmt.Fprintln(w, "):")
	for _, r := range rows {
		_, _ = fmt.Fprintf(w, "  %s  %s -> %s\n", st.bold(clean(r.KeyText())), verdictText(r.Base), verdictText(r.New))
		for _, in := range r.Inputs() {
			line := fmt.Sprintf("      %s: %s", clean(in.Name), oneLine(in.Text()))
			if r.NewRow != nil && r.BaseRow != nil {
				if old := r.BaseRow.Field(in.Name); old != nil && !bytes.Equal(old, in.Value) {
					line += "  (base: " + oneLine(decide.ValueText(old)) + ")"
				}
			}
			_, _ = fmt.Fprintln(w, line)
		}
		if r.BaseRow != nil {
			writeFeedback(w, "base", r.BaseRow)
		}
		if r.NewRow != nil {
			writeFeedback(w, "new", r.NewRow)
		}
	}
}

func writeFeedback(w io.Writer, which string, row *wrappers.ResultRow) {
	if fb := row.Feedback(); fb != "" {
		_, _ = fmt.Fprintf(w, "      %s feedback: %s\n", which, oneLine(fb))
	}
	if e := row.ErrorMessage(); e != "" {
		_, _ = fmt.Fprintf(w, "      %s error: %s\n", which, oneLine(e))
	}
}

func verdictText(v *decide.Verdict) string {
	if v == nil {
		return "-"
	}
	return clean(v.String())
}

// oneLine cleans s for a terminal, keeps it on one line and cuts it to maxFieldRunes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return cut(clean(s), maxFieldRunes)
}

// recordWriter buffers whole records (rows) and hands them to w in blocks of whole records, so
// that the key's redaction on stdout never sees a value cut in two.
type recordWriter struct {
	w   io.Writer
	buf bytes.Buffer
	err error
}

func (r *recordWriter) WriteString(s string) (int, error) { return r.buf.WriteString(s) }
func (r *recordWriter) Write(p []byte) (int, error)       { return r.buf.Write(p) }

// endRecord flushes the buffer once it holds 64 KiB or more of whole records.
func (r *recordWriter) endRecord() error {
	if r.buf.Len() >= 64<<10 {
		return r.Flush()
	}
	return r.err
}

// Flush writes what is buffered.
func (r *recordWriter) Flush() error {
	if r.err == nil && r.buf.Len() > 0 {
		_, r.err = r.w.Write(r.buf.Bytes())
		r.buf.Reset()
	}
	return r.err
}

// diffJSON runs the diff and streams -o json: the rows as they are compared, then the summary.
func (a *app) diffJSON(ctx context.Context, base, next decide.Source, opts []decide.Option) (*decide.Result, error) {
	bw := &recordWriter{w: a.stdout}
	// The object is opened with the first row or the summary: a diff refused before any row was
	// compared (runs of different types, a key column missing from the first row) prints nothing
	// on stdout, only its error on stderr.
	started, first := false, true
	start := func() error {
		if started {
			return nil
		}
		started = true
		_, err := bw.WriteString("{\"rows\": [")
		return err
	}
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	opts = append(opts, decide.WithRowFunc(func(r decide.Row) error {
		if err := start(); err != nil {
			return err
		}
		sep := ",\n  "
		if first {
			sep, first = "\n  ", false
		}
		if _, err := bw.WriteString(sep); err != nil {
			return err
		}
		if err := writeCompact(bw, rowJSON(&r)); err != nil {
			return err
		}
		return bw.endRecord()
	}))
	res, err := decide.Diff(ctx, base, next, opts...)
	if err != nil && !started {
		return nil, err
	}
	if err != nil {
		// Close what was started, so that the output is still one JSON value; the error says
		// why it is incomplete.
		_, _ = bw.WriteString("\n], \"error\": ")
		_ = enc.Encode(errText(err))
		_, _ = bw.WriteString("}\n")
		_ = bw.Flush()
		return nil, err
	}
	if err := start(); err != nil {
		return nil, err
	}
	if _, err := bw.WriteString("\n],\n\"summary\": "); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(summaryJSON(&res.Summary), "", "  ")
	if err != nil {
		return nil, err
	}
	_, _ = bw.Write(b)
	_, _ = bw.WriteString("}\n")
	return res, bw.Flush()
}

func writeCompact(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// verdictJSON is one side of a row in -o json.
type verdictJSON struct {
	Line     int      `json:"line"`
	Outcome  string   `json:"outcome"`
	Verdict  string   `json:"verdict"`
	Label    *string  `json:"label,omitempty"`
	Score    *float64 `json:"score,omitempty"`
	Decision *string  `json:"decision,omitempty"`
}

func toVerdictJSON(v *decide.Verdict) *verdictJSON {
	if v == nil {
		return nil
	}
	j := &verdictJSON{Line: v.Line, Outcome: v.Outcome.String(), Verdict: v.String()}
	if v.Label != "" {
		j.Label = &v.Label
	}
	if v.HasScore {
		j.Score = &v.Score
	}
	if v.Decision != "" {
		j.Decision = &v.Decision
	}
	return j
}

type rowJSONShape struct {
	Key    json.RawMessage `json:"key"`
	Base   *verdictJSON    `json:"base"`
	New    *verdictJSON    `json:"new"`
	Change string          `json:"change"`
}

func rowJSON(r *decide.Row) rowJSONShape {
	return rowJSONShape{Key: r.Key(), Base: toVerdictJSON(r.Base), New: toVerdictJSON(r.New), Change: r.Change.String()}
}

// finite is f, or nil for NaN and infinities (JSON has neither).
func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func pct(f float64) *float64 { return finite(100 * f) }

type meanJSON struct {
	N        int      `json:"n"`
	Base     *float64 `json:"base"`
	New      *float64 `json:"new"`
	Delta    *float64 `json:"delta"`
	CILow    *float64 `json:"ci_low"`
	CIHigh   *float64 `json:"ci_high"`
	PValue   *float64 `json:"p_value"`
	TooSmall bool     `json:"too_small"`
	Method   string   `json:"method"`
}

type summaryJSONShape struct {
	Type        string    `json:"type"`
	MatchedBy   string    `json:"matched_by"`
	Key         []string  `json:"key,omitempty"`
	BaseRows    int       `json:"base_rows"`
	NewRows     int       `json:"new_rows"`
	Paired      int       `json:"paired"`
	Regressed   int       `json:"regressed"`
	Improved    int       `json:"improved"`
	Unchanged   int       `json:"unchanged"`
	OnlyBase    int       `json:"only_base"`
	OnlyNew     int       `json:"only_new"`
	Rate        string    `json:"rate"`
	BaseRate    *float64  `json:"base_rate"`
	NewRate     *float64  `json:"new_rate"`
	Delta       *float64  `json:"delta"`
	CILow       *float64  `json:"ci_low"`
	CIHigh      *float64  `json:"ci_high"`
	PValue      *float64  `json:"p_value"`
	Alpha       float64   `json:"alpha"`
	Significant bool      `json:"significant"`
	TooSmall    bool      `json:"too_small"`
	Test        string    `json:"test"`
	Interval    string    `json:"interval"`
	MeanScore   *meanJSON `json:"mean_score,omitempty"`
}

func summaryJSON(s *decide.Summary) summaryJSONShape {
	p := s.PassRate
	out := summaryJSONShape{
		Type: string(s.Type), MatchedBy: s.MatchedBy.String(), Key: s.Key,
		BaseRows: s.Base.Rows, NewRows: s.New.Rows, Paired: s.Paired,
		Regressed: s.Regressed, Improved: s.Improved, Unchanged: s.Unchanged, OnlyBase: s.OnlyBase, OnlyNew: s.OnlyNew,
		Rate: rateName(s.Type), Alpha: s.Alpha, TooSmall: p.TooSmall,
		Significant: p.N > 0 && p.PValue < s.Alpha, PValue: finite(p.PValue),
		Test: decide.MethodMcNemar, Interval: decide.MethodNewcombe,
	}
	if p.N > 0 {
		out.BaseRate, out.NewRate, out.Delta, out.CILow, out.CIHigh = pct(p.Base), pct(p.New), pct(p.Delta), pct(p.CILow), pct(p.CIHigh)
	}
	if m := s.MeanScore; m != nil {
		out.MeanScore = &meanJSON{
			N: m.N, Delta: finite(m.Delta), CILow: finite(m.CILow), CIHigh: finite(m.CIHigh),
			PValue: finite(m.PValue), TooSmall: m.TooSmall, Method: decide.MethodPairedT,
		}
		if m.N > 0 {
			out.MeanScore.Base, out.MeanScore.New = finite(m.Base), finite(m.New)
		}
	}
	return out
}

// keyColumnUsage returns the usage error for a --key that names a column a row lacks, in the
// flag's words with the columns the row has, or nil when err is not that.
func keyColumnUsage(err error) error {
	var ke *decide.KeyColumnError
	if !errors.As(err, &ke) {
		return nil
	}
	has := "it has no input columns"
	if len(ke.Columns) > 0 {
		cols := make([]string, len(ke.Columns))
		for i, c := range ke.Columns {
			cols[i] = cut(clean(c), maxArgRunes)
		}
		has = "its input columns: " + strings.Join(cols, ", ")
	}
	return &usageError{err: fmt.Errorf("--key: the %s run's row at line %d has no column %s (%s)",
		ke.Run, ke.Line, strconv.Quote(cut(clean(ke.Column), maxArgRunes)), has)}
}

// resultFileUsage returns the usage error for a result file on disk that cannot be read or is
// not a result file, named by its flag (flagsAndPaths: flag, path, flag, path...), or nil when
// err is not that.
func resultFileUsage(err error, flagsAndPaths ...string) error {
	var fe *decide.FileError
	if !errors.As(err, &fe) {
		return nil
	}
	flag := "file"
	for i := 0; i+1 < len(flagsAndPaths); i += 2 {
		if flagsAndPaths[i+1] == fe.Path {
			flag = flagsAndPaths[i]
			break
		}
	}
	why := fe.Err
	var pe *fs.PathError
	if errors.As(why, &pe) {
		why = pe.Err
	}
	// Said as a problem of the file (no hint at --help): "--file: x.jsonl: no such file or directory".
	return &usageError{err: &opError{op: flag, err: &fs.PathError{Op: "read", Path: fe.Path, Err: errors.New(errText(why))}}}
}
