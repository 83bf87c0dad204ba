package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// resultsCmd is `evals results ID`: the rows of a completed job's result file, streamed.
func (a *app) resultsCmd() *cobra.Command {
	var limit int
	var failedOnly bool
	cmd := &cobra.Command{
		Use:   "results ID",
		Short: "Stream the per-row results of a completed job",
		Long: `Stream the rows of a completed job's result file: for each input row, the
judge's verdict (label, score or A/B/Tie), the final decision and the judge's
feedback or the reason the row failed. The file is read as it is printed, with
memory bounded whatever its size.

With -o json each row is printed as one JSON object per line (JSONL), exactly as the
service wrote it: every input field and every key the service added.

At the end a summary goes to stderr, checked against the job's own results.`,
		Example: `  evals results eval-1234aedf
  evals results eval-1234aedf --failed
  evals results eval-1234aedf -o json | jq -c 'select(.final_decision == "fail")'`,
		Args:              exactArgs("ID"),
		ValidArgsFunction: a.completeJobIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("limit") && limit < 1 {
				return usagef("--limit: must be at least 1, got %d", limit)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			job, err := c.Retrieve(ctx, args[0])
			if err != nil {
				return opErr("results", args[0], err)
			}
			if !job.Done() {
				return fmt.Errorf("results %s: the job is %s and has no results yet; follow it with: evals wait %s",
					args[0], job.Status, args[0])
			}
			return a.streamRows(c, cmd, job, limit, failedOnly)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "stop after this many rows")
	cmd.Flags().BoolVar(&failedOnly, "failed", false, "only rows that failed or whose judge answer was invalid")
	return cmd
}

// streamRows prints the job's result rows as they arrive, then a summary on stderr.
func (a *app) streamRows(c *wrappers.Client, cmd *cobra.Command, job *wrappers.Job, limit int, failedOnly bool) error {
	out := bufio.NewWriter(a.stdout)
	var table *rowTable
	if a.output != outputJSON {
		table = newRowTable(job)
		if err := table.header(out); err != nil {
			return err
		}
	}
	summary := wrappers.NewRowSummary(job.SummaryOptions()...)
	printed, complete := 0, true
	for row, err := range c.JobResultRows(cmd.Context(), job) {
		if err != nil {
			if printed > 0 {
				_ = out.Flush() // the rows that came before the error; no lone header
			}
			return opErr("results", job.ID, err)
		}
		summary.Add(row)
		if failedOnly && row.Success() && !row.InvalidJudgeOutput() {
			continue
		}
		if limit > 0 && printed == limit {
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
	a.msgf("%s\n", describeSummary(summary))
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

// describeSummary says in one line what the rows add up to.
func describeSummary(s *wrappers.RowSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows: %d succeeded, %d failed", s.Rows, s.Succeeded, s.Failed)
	if s.Failed > 0 {
		fmt.Fprintf(&b, " (generation %d, judge %d, other %d)", s.GenerationFailures, s.JudgeFailures, s.OtherFailures)
	}
	if s.InvalidJudgeOutputs > 0 {
		fmt.Fprintf(&b, ", %d invalid judge answers", s.InvalidJudgeOutputs)
	}
	return b.String() + "."
}

// rowTable prints result rows with fixed column widths, so that rows can be printed as they
// arrive: the verdict column is as wide as the job's longest label.
type rowTable struct {
	kind    wrappers.JobType
	verdict string // the verdict column's title, "" for none
	width   int
}

func newRowTable(job *wrappers.Job) *rowTable {
	t := &rowTable{kind: job.Type}
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

func (t *rowTable) header(w io.Writer) error {
	cols := []string{pad("LINE", 5)}
	if t.verdict != "" {
		cols = append(cols, pad(t.verdict, t.width))
	}
	cols = append(cols, pad("DECISION", 8), "FEEDBACK / ERROR")
	_, err := fmt.Fprintln(w, strings.Join(cols, "  "))
	return err
}

func (t *rowTable) row(w io.Writer, r *wrappers.ResultRow) error {
	cols := []string{pad(strconv.Itoa(r.Line()), 5)}
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
	if !r.Success() {
		note = r.ErrorMessage()
		if note == "" {
			note = "failed"
		}
	}
	cols = append(cols, pad(cut(clean(decision), 8), 8), cut(clean(note), 60))
	_, err := fmt.Fprintln(w, strings.TrimRight(strings.Join(cols, "  "), " "))
	return err
}
