package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// resultsCmd is `evals results ID`: the rows of a completed job's result file, streamed.
func (a *app) resultsCmd() *cobra.Command {
	var f rowFilter
	var limit int
	var failedOnly, wide bool
	var timeout time.Duration
	var columns []string
	cmd := &cobra.Command{
		Use:   "results ID",
		Short: "Stream the per-row results of a completed job",
		Long: `Stream the rows of a completed job's result file: for each input row, the
judge's verdict (label, score or A/B/Tie), the final decision and the judge's
feedback or the reason the row failed. The file is read as it is printed, with
memory bounded whatever its size.

--decision keeps the rows with one of the given outcomes:
  pass, fail     classify and score rows judged pass or fail (the DECISION column)
  A, B, Tie      compare rows by the judge's choice
  invalid        rows whose judge answer was not a valid verdict
  failed         rows the service could not judge (generation or judge call failed)
--failed is the same as --decision failed,invalid: rows without a valid verdict,
not the rows judged fail (for those, --decision fail).

--columns adds input columns to the table; long text is cut to fit, unless --wide.

With -o json each row is printed as one JSON object per line (JSONL), exactly as the
service wrote it: every input field and every key the service added.

At the end a summary goes to stderr, checked against the job's own results.`,
		Example: `  evals results eval-1234aedf
  evals results eval-1234aedf --decision fail --columns question,answer --wide
  evals results eval-1234aedf --decision failed,invalid
  evals results eval-1234aedf -o json | jq -c 'select(.final_decision == "fail")'`,
		Args:              exactArgs("ID"),
		ValidArgsFunction: a.completeJobIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			if fs.Changed("limit") && limit < 1 {
				return usagef("--limit: must be at least 1, got %d", limit)
			}
			if err := f.parse(fs.Changed("decision"), failedOnly); err != nil {
				return err
			}
			if fs.Changed("columns") && len(columns) == 0 {
				return usagef("--columns: name at least one input column, such as --columns question,answer")
			}
			for i, c := range columns {
				if strings.TrimSpace(c) == "" {
					return usagef("--columns: item %d is empty: write --columns question,answer", i+1)
				}
			}
			if a.output == outputJSON && (fs.Changed("columns") || wide) {
				return usagef("--columns and --wide: only for the table; -o json prints every column in full")
			}
			if timeout < 0 {
				return usagef("--timeout: must be 0 (no limit) or more, got %s", timeout)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeoutCause(ctx, timeout, errResultsTimeout)
				defer cancel()
			}
			job, err := c.Retrieve(ctx, args[0])
			if err != nil {
				if errors.Is(context.Cause(ctx), errResultsTimeout) {
					err = fmt.Errorf("gave up after %s (--timeout) before the job was read", timeout)
				}
				return opErr("results", args[0], err)
			}
			if !job.Done() {
				return opErr("results", args[0], fmt.Errorf("the job is %s and has no results yet; follow it with: evals wait %s",
					clean(string(job.Status)), cut(clean(args[0]), maxArgRunes)))
			}
			if err := f.fits(job.Type); err != nil {
				return err
			}
			return a.streamRows(ctx, c, job, rowOptions{limit: limit, filter: f, columns: columns, wide: wide, timeout: timeout})
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&limit, "limit", 0, "stop after this many rows")
	listVar(fs, &f.given, "decision", "only rows with one of these outcomes: pass, fail, A, B, Tie, invalid, failed (comma-separated)")
	fs.BoolVar(&failedOnly, "failed", false, "the same as --decision failed,invalid: rows without a valid verdict (not rows judged fail)")
	listVar(fs, &columns, "columns", "input columns to show in the table, comma-separated, such as question,answer")
	fs.BoolVar(&wide, "wide", false, "show text in full in the table: feedback, errors and --columns")
	fs.DurationVar(&timeout, "timeout", defaultResultsTimeout, "give up when the job and its result file are not read whole within this long (0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("decision", cobra.FixedCompletions(decisions, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// decisions are the values of --decision.
var decisions = []string{"pass", "fail", "A", "B", "Tie", "invalid", "failed"}

// rowFilter is --decision (or --failed): the outcomes whose rows are shown; none means every row.
type rowFilter struct {
	given []string
	want  map[string]bool
}

// parse checks the values of --decision, spelled in any case, and adds --failed's.
func (f *rowFilter) parse(decisionSet, failedOnly bool) error {
	if decisionSet && len(f.given) == 0 {
		return usagef("--decision: name at least one of %s", strings.Join(decisions, ", "))
	}
	if failedOnly {
		if decisionSet {
			return usagef("--failed: cannot be used with --decision: it is --decision failed,invalid")
		}
		f.given = []string{"failed", "invalid"}
	}
	f.want = map[string]bool{}
	for i, g := range f.given {
		if strings.TrimSpace(g) == "" {
			return usagef("--decision: item %d is empty: write --decision %s", i+1, strings.Join(decisions[:2], ","))
		}
		found := ""
		for _, d := range decisions {
			if strings.EqualFold(strings.TrimSpace(g), d) {
				found = d
			}
		}
		if found == "" {
			return usagef("--decision: %s is not one of %s", strconv.Quote(clean(g)), strings.Join(decisions, ", "))
		}
		f.want[found] = true
	}
	return nil
}

// fits refuses a decision the job's type never gives: pass and fail are classify and score
// outcomes, A, B and Tie compare ones.
func (f *rowFilter) fits(t wrappers.JobType) error {
	for d := range f.want {
		compare := d == "A" || d == "B" || d == "Tie"
		judged := d == "pass" || d == "fail"
		if (compare && (t == wrappers.TypeClassify || t == wrappers.TypeScore)) || (judged && t == wrappers.TypeCompare) {
			return usagef("--decision: %s is not an outcome of a %s job (use %s)", d, clean(string(t)), strings.Join(outcomesOf(t), ", "))
		}
	}
	return nil
}

// outcomesOf lists the --decision values that apply to a job type.
func outcomesOf(t wrappers.JobType) []string {
	if t == wrappers.TypeCompare {
		return []string{"A", "B", "Tie", "invalid", "failed"}
	}
	return []string{"pass", "fail", "invalid", "failed"}
}

// keeps reports whether a row has one of the outcomes asked for.
func (f *rowFilter) keeps(r *wrappers.ResultRow) bool {
	if len(f.want) == 0 {
		return true
	}
	if f.want["failed"] && !r.Success() {
		return true
	}
	if f.want["invalid"] && r.InvalidJudgeOutput() {
		return true
	}
	d := r.FinalDecision()
	return d != "" && r.Success() && f.want[d]
}

// rowOptions are the flags of evals results that shape the rows printed.
type rowOptions struct {
	limit   int
	filter  rowFilter
	columns []string
	wide    bool
	timeout time.Duration // --timeout, for the message when it cuts the download off
}

// defaultResultsTimeout bounds `evals results` as a whole, so that a server that sends a row every
// few seconds (never silent long enough for the request timeout) cannot hold it forever.
const defaultResultsTimeout = 10 * time.Minute

// errResultsTimeout is the cause of the context of an `evals results` that reached --timeout.
var errResultsTimeout = errors.New("evals results reached --timeout")

// streamRows prints the job's result rows as they arrive, then a summary on stderr.
func (a *app) streamRows(ctx context.Context, c *wrappers.Client, job *wrappers.Job, o rowOptions) error {
	out := bufio.NewWriter(a.stdout)
	var table *rowTable
	if a.output != outputJSON {
		table = newRowTable(job, o.columns, o.wide)
		if err := table.header(out); err != nil {
			return err
		}
	}
	summary := wrappers.NewRowSummary(job.SummaryOptions()...)
	printed, complete := 0, true
	for row, err := range c.JobResultRows(ctx, job) {
		if err != nil {
			if printed > 0 {
				_ = out.Flush() // the rows that came before the error; no lone header
			}
			if errors.Is(context.Cause(ctx), errResultsTimeout) {
				err = fmt.Errorf("gave up after %s (--timeout) with %d rows read; the result file was still coming: try a longer --timeout, or --timeout 0 for no limit", o.timeout, summary.Rows)
			}
			return opErr("results", job.ID, err)
		}
		if summary.Rows == 0 && table != nil {
			if err := table.checkColumns(row); err != nil {
				return err
			}
		}
		summary.Add(row)
		if !o.filter.keeps(row) {
			continue
		}
		if o.limit > 0 && printed == o.limit {
			complete = false
			break
		}
		printed++
		if table != nil {
			err = table.row(out, row)
		} else {
			_, err = out.Write(append(row.Raw(), '\n'))
		}
		if err != nil {
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if !complete {
		a.msgf("Stopped after %d rows (--limit).\n", printed)
		return nil
	}
	if len(o.filter.want) > 0 {
		a.msgf("%d of %d rows shown (--decision %s).\n", printed, summary.Rows, strings.Join(o.filter.given, ","))
	}
	a.msgf("%s\n", describeSummary(summary, job.Type))
	if err := job.CheckRowSummary(summary); err != nil {
		var mismatch *wrappers.SummaryMismatchError
		if errors.As(err, &mismatch) {
			a.warn("%s", errText(err))
		}
		return nil
	}
	a.msgf("%s\n", "The rows agree with the job's results.")
	return nil
}

// describeSummary says in one line what the rows add up to: how many succeeded and failed, and
// the outcomes, every row counted once, so that the figures add up to the rows.
func describeSummary(s *wrappers.RowSummary, t wrappers.JobType) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows: %d succeeded, %d failed", s.Rows, s.Succeeded, s.Failed)
	if s.Failed > 0 {
		fmt.Fprintf(&b, " (generation %d, judge %d, other %d)", s.GenerationFailures, s.JudgeFailures, s.OtherFailures)
	}
	if s.InvalidJudgeOutputs > 0 {
		fmt.Fprintf(&b, ", %d invalid judge answers", s.InvalidJudgeOutputs)
	}
	names := []string{"pass", "fail"}
	if t == wrappers.TypeCompare {
		names = []string{"A", "B", "Tie"}
	}
	decided := 0
	var parts []string
	for _, d := range names {
		decided += s.Decisions[d]
		parts = append(parts, d+" "+strconv.Itoa(s.Decisions[d]))
	}
	if t == wrappers.TypeClassify || t == wrappers.TypeScore || t == wrappers.TypeCompare {
		fmt.Fprintf(&b, "; decisions: %s, none %d", strings.Join(parts, ", "), s.Rows-decided)
	}
	return b.String() + "."
}

// rowTable prints result rows with fixed column widths, so that rows can be printed as they
// arrive: the verdict column is as wide as the job's longest label, input columns (--columns) a
// fixed width. With wide, text is never cut (columns then no longer line up).
type rowTable struct {
	kind    wrappers.JobType
	verdict string // the verdict column's title, "" for none
	width   int
	columns []string
	wide    bool
}

// Widths of the table's text columns, where text is cut unless --wide.
const (
	inputColumnWidth = 24
	noteWidth        = 60
)

func newRowTable(job *wrappers.Job, columns []string, wide bool) *rowTable {
	t := &rowTable{kind: job.Type, columns: columns, wide: wide}
	switch job.Type {
	case wrappers.TypeClassify:
		t.verdict, t.width = "LABEL", len("(invalid)")
		for _, l := range job.Labels() {
			t.width = max(t.width, utf8.RuneCountInString(clean(l)))
		}
	case wrappers.TypeScore:
		t.verdict, t.width = "SCORE", len("(invalid)")
	}
	t.width = min(max(t.width, len(t.verdict)), 30)
	return t
}

// checkColumns refuses --columns that the first row does not have, naming those it has.
func (t *rowTable) checkColumns(r *wrappers.ResultRow) error {
	var missing []string
	for _, c := range t.columns {
		if !r.Has(c) {
			missing = append(missing, strconv.Quote(clean(c)))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var have []string
	for _, k := range r.Keys() {
		if !serviceKeys[k] {
			have = append(have, clean(k))
		}
	}
	return usagef("--columns: the result rows have no column %s (their input columns: %s)",
		strings.Join(missing, ", "), strings.Join(have, ", "))
}

// serviceKeys are the keys the service adds to each input row in a result file.
var serviceKeys = map[string]bool{
	wrappers.RowKeySuccess: true, wrappers.RowKeyError: true, wrappers.RowKeyFeedback: true,
	wrappers.RowKeyInvalidJudgeOutput: true, wrappers.RowKeyLabel: true, wrappers.RowKeyScore: true,
	wrappers.RowKeyFinalDecision: true, wrappers.RowKeyModelOutput: true, wrappers.RowKeyModelAOutput: true,
	wrappers.RowKeyModelBOutput: true, wrappers.RowKeyJudgeAnswer: true, wrappers.RowKeyUsage: true,
}

// fit cuts text to n runes, unless the table is wide.
func (t *rowTable) fit(s string, n int) string {
	if t.wide {
		return s
	}
	return cut(s, n)
}

func (t *rowTable) header(w io.Writer) error {
	cols := []string{pad("LINE", 5)}
	for _, c := range t.columns {
		cols = append(cols, pad(cut(strings.ToUpper(clean(c)), inputColumnWidth), inputColumnWidth))
	}
	if t.verdict != "" {
		cols = append(cols, pad(t.verdict, t.width))
	}
	cols = append(cols, pad("DECISION", 8), "FEEDBACK / ERROR")
	_, err := fmt.Fprintln(w, strings.Join(cols, "  "))
	return err
}

func (t *rowTable) row(w io.Writer, r *wrappers.ResultRow) error {
	cols := []string{pad(strconv.Itoa(r.Line()), 5)}
	for _, c := range t.columns {
		cols = append(cols, pad(t.fit(cellText(r.Field(c)), inputColumnWidth), inputColumnWidth))
	}
	if t.verdict != "" {
		v := "-"
		switch {
		case r.InvalidJudgeOutput():
			v = "(invalid)"
		case t.kind == wrappers.TypeClassify:
			if l, ok := r.Label(); ok {
				v = cut(clean(l), t.width)
			}
		case t.kind == wrappers.TypeScore:
			if s, ok := r.Score(); ok {
				v = formatNumber(s)
			}
		}
		cols = append(cols, pad(v, t.width))
	}
	decision := r.FinalDecision()
	if decision == "" {
		decision = "-"
	}
	note := r.Feedback()
	if ans, ok := r.JudgeAnswer(); ok && t.wide && r.InvalidJudgeOutput() {
		note = strings.TrimSpace(note + " The judge's answer: " + ans)
	}
	if !r.Success() {
		note = r.ErrorMessage()
		if note == "" {
			note = "failed"
		}
	}
	cols = append(cols, pad(cut(clean(decision), 8), 8), t.fit(clean(note), noteWidth))
	_, err := fmt.Fprintln(w, strings.TrimRight(strings.Join(cols, "  "), " "))
	return err
}

// cellText is an input column's value as a table shows it: a string's text, any other JSON value
// as written, "-" when the row lacks it; cleaned for the terminal.
func cellText(raw []byte) string {
	if raw == nil {
		return "-"
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return clean(s)
	}
	return clean(string(raw))
}
