package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// thresholdFlags are the thresholds of `evals gate` and `evals create ... --wait`.
type thresholdFlags struct {
	minPass, minMean, maxInvalid, maxJudge, maxGeneration, minWinRate string
}

func (f *thresholdFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.minPass, decide.MinPass, "", "the lowest pass percentage that holds, e.g. 80 or 80% (classify, score)")
	fs.StringVar(&f.minMean, decide.MinMean, "", "the lowest mean score that holds (score)")
	fs.StringVar(&f.maxInvalid, decide.MaxInvalid, "", "the highest share of rows, in percent, where the judge's answer was not an allowed verdict")
	fs.StringVar(&f.maxJudge, decide.MaxJudgeFailures, "", "the highest share of rows, in percent, where the call to the judge failed")
	fs.StringVar(&f.maxGeneration, decide.MaxGenerationFailures, "", "the highest share of rows, in percent, where generating the output failed")
	fs.StringVar(&f.minWinRate, decide.MinWinRate, "", "the lowest win rate of model B that holds, in percent: B wins / (A wins + B wins + ties) (compare)")
}

// names are the flags' names, in the order the gate checks them.
func (f *thresholdFlags) names() []string {
	return []string{decide.MinPass, decide.MinMean, decide.MaxInvalid, decide.MaxJudgeFailures, decide.MaxGenerationFailures, decide.MinWinRate}
}

// thresholds reads the flags given; each problem names its flag.
func (f *thresholdFlags) thresholds(fs *pflag.FlagSet, p *problemList) decide.Thresholds {
	var t decide.Thresholds
	pct := func(name, value string) *float64 {
		if !fs.Changed(name) {
			return nil
		}
		v, ok := parsePercent(value)
		if !ok {
			p.add("--"+name, "must be a percentage such as 80 or 80%%, got %q", value)
			return nil
		}
		if v < 0 || v > 100 {
			p.add("--"+name, "must be between 0 and 100, got %s", value)
			return nil
		}
		return &v
	}
	t.MinPass = pct(decide.MinPass, f.minPass)
	t.MaxInvalid = pct(decide.MaxInvalid, f.maxInvalid)
	t.MaxJudgeFailures = pct(decide.MaxJudgeFailures, f.maxJudge)
	t.MaxGenerationFailures = pct(decide.MaxGenerationFailures, f.maxGeneration)
	t.MinWinRate = pct(decide.MinWinRate, f.minWinRate)
	if fs.Changed(decide.MinMean) {
		v, err := strconv.ParseFloat(strings.TrimSpace(f.minMean), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			p.add("--"+decide.MinMean, "must be a number such as 7.5, got %q", f.minMean)
		} else {
			t.MinMean = &v
		}
	}
	return t
}

// parsePercent reads "80", "80%" or "80.5 %".
func parsePercent(s string) (float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// gateCmd is `evals gate ID`: check a job against thresholds.
func (a *app) gateCmd() *cobra.Command {
	var f thresholdFlags
	var file, typ string
	cmd := &cobra.Command{
		Use:   "gate ID | --file FILE",
		Short: "Check a job that has ended against thresholds; exit 5 when one is missed",
		Long: `Check a job that has ended against thresholds, from the job's own results: for
each threshold it prints the limit, the figure measured and whether it held. A
figure exactly at its threshold holds (80% against --min-pass 80 holds).

Percentages accept 80 and 80%. Shares of rows are over every row of the job;
for a score job, whose results do not count its rows, the result file is read
to count them.

With --file it checks a result file on disk instead, offline: every figure is
computed from the rows (the job type is told from them, or given with --type).

It exits 0 when every threshold holds, 5 when any is missed, and with the usual
codes when the job cannot be read (1 when it failed, 3 when there is none).`,
		Example: `  evals gate eval-1234aedf --min-pass 80 --max-invalid 2%
  evals gate eval-1234aedf --min-mean 7.5 --max-judge-failures 1 -o json
  evals gate --file results.jsonl --min-pass 80`,
		Args:              atMostArgs("ID"),
		ValidArgsFunction: a.completeJobIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var p problemList
			fs := cmd.Flags()
			t := f.thresholds(fs, &p)
			if len(p) == 0 && t.Empty() {
				return usagef("give at least one threshold: --%s", strings.Join(f.names(), ", --"))
			}
			switch {
			case fs.Changed("file") && len(args) > 0:
				p.add("--file", "give a job ID or --file, not both")
			case !fs.Changed("file") && len(args) == 0:
				return usagef("missing argument ID (or --file FILE)")
			case fs.Changed("file") && file == "":
				p.add("--file", emptyResultFile)
			}
			var jobType wrappers.JobType
			if fs.Changed("type") {
				switch jobType = wrappers.JobType(typ); jobType {
				case wrappers.TypeClassify, wrappers.TypeScore, wrappers.TypeCompare:
				default:
					p.add("--type", "must be classify, score or compare, got %q", typ)
				}
				if !fs.Changed("file") {
					p.add("--type", "only applies with --file (a job says its own type)")
				}
			}
			if len(p) > 0 {
				return &usageError{err: joinProblems(p)}
			}
			if fs.Changed("file") {
				g, err := decide.GateRows(cmd.Context(), decide.File(file), jobType, t)
				if err != nil {
					if errors.Is(err, decide.ErrNotApplicable) {
						return &usageError{err: fmt.Errorf("%s: %w", clean(file), err)}
					}
					if ferr := resultFileUsage(err, "--file", file); ferr != nil {
						return ferr
					}
					return fmt.Errorf("gate: %w", err)
				}
				return a.reportGate(g, a.stdout, a.output == outputJSON)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			job, err := c.Retrieve(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("gate %s: %w", args[0], err)
			}
			return a.gateJob(cmd.Context(), c, job, t, a.stdout, a.output == outputJSON)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&file, "file", "", "check a result file on disk instead of a job (offline)")
	cmd.Flags().StringVar(&typ, "type", "", "with --file: the job type, classify, score or compare (default: told from the rows)")
	_ = cmd.MarkFlagFilename("file", "jsonl")
	return cmd
}

// gateJob checks a job, prints the checks to w (as JSON with asJSON) and returns a *checkError
// when a threshold is missed.
func (a *app) gateJob(ctx context.Context, c *wrappers.Client, job *wrappers.Job, t decide.Thresholds, w io.Writer, asJSON bool) error {
	if !job.Done() {
		return fmt.Errorf("job %s is %s: gate checks a job that has ended; follow it with 'evals wait %s'", clean(job.ID), clean(string(job.Status)), clean(job.ID))
	}
	g, err := decide.Gate(ctx, c, job, t)
	if err != nil {
		if errors.Is(err, decide.ErrNotApplicable) {
			return &usageError{err: fmt.Errorf("job %s: %w", clean(job.ID), err)}
		}
		return fmt.Errorf("gate %s: %w", job.ID, err)
	}
	return a.reportGate(g, w, asJSON)
}

// reportGate prints the checks to w (as JSON with asJSON) and returns a *checkError when a
// threshold is missed.
func (a *app) reportGate(g *decide.GateResult, w io.Writer, asJSON bool) error {
	var err error
	if asJSON {
		err = writeJSON(w, gateJSON(g))
	} else {
		err = writeGate(w, g, a.outStyle())
	}
	if err != nil {
		return err
	}
	if missed := g.Missed(); len(missed) > 0 {
		parts := make([]string, len(missed))
		for i, m := range missed {
			parts[i] = "--" + m.Name + " " + limitText(m)
		}
		return checkFailedf("%s missed %d of %d thresholds: %s", clean(g.Subject), len(missed), len(g.Checks), strings.Join(parts, ", "))
	}
	return nil
}

// joinProblems joins problems into one error, one per line.
func joinProblems(p problemList) error {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = errText(e)
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

// figureText prints a check's figure: a percentage or a number, with up to 6 decimals, so that a
// figure just past its threshold never looks equal to it.
func figureText(v float64, percent bool) string {
	s := decide.FormatNumber(v)
	if percent {
		s += "%"
	}
	return s
}

// limitText is "≥ 80%" or "≤ 5%".
func limitText(c decide.Check) string {
	op := "≤ "
	if c.Min {
		op = "≥ "
	}
	return op + figureText(c.Limit, c.Percent)
}

// writeGate prints the checks as a table.
func writeGate(w io.Writer, g *decide.GateResult, st style) error {
	subject := clean(g.Subject)
	if subject != "" {
		subject = strings.ToUpper(subject[:1]) + subject[1:]
	}
	if _, err := fmt.Fprintf(w, "%s (%s):\n", subject, clean(string(g.Type))); err != nil {
		return err
	}
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 3, ' ', 0)
	_, _ = fmt.Fprintln(tw, "  THRESHOLD\tLIMIT\tFIGURE\tRESULT\t")
	for _, c := range g.Checks {
		figure, result := "-", st.red("MISSED")
		if c.Measured {
			figure = figureText(c.Figure, c.Percent)
		}
		if c.Held {
			result = st.green("held")
		}
		line := fmt.Sprintf("  --%s\t%s\t%s\t%s\t", c.Name, limitText(c), figure, result)
		if c.Detail != "" {
			line += "  " + clean(c.Detail)
		}
		_, _ = fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n"))); err != nil {
			return err
		}
	}
	verdict := st.green("Every threshold held.")
	if !g.Held() {
		verdict = st.red(fmt.Sprintf("%d of %d thresholds missed.", len(g.Missed()), len(g.Checks)))
	}
	_, err := fmt.Fprintln(w, verdict)
	return err
}

// gateCheckJSON is one check in -o json.
type gateCheckJSON struct {
	Threshold string   `json:"threshold"`
	Kind      string   `json:"kind"`
	Limit     float64  `json:"limit"`
	Figure    *float64 `json:"figure"`
	Unit      string   `json:"unit"`
	Held      bool     `json:"held"`
	Detail    string   `json:"detail,omitempty"`
}

func gateJSON(g *decide.GateResult) any {
	checks := make([]gateCheckJSON, len(g.Checks))
	for i, c := range g.Checks {
		j := gateCheckJSON{Threshold: c.Name, Kind: "max", Limit: c.Limit, Unit: "", Held: c.Held, Detail: c.Detail}
		if c.Min {
			j.Kind = "min"
		}
		if c.Percent {
			j.Unit = "percent"
		}
		if c.Measured {
			v := c.Figure
			j.Figure = &v
		}
		checks[i] = j
	}
	return struct {
		JobID   string          `json:"job_id,omitempty"`
		Subject string          `json:"subject"`
		Type    string          `json:"type"`
		Held    bool            `json:"held"`
		Checks  []gateCheckJSON `json:"checks"`
	}{g.JobID, g.Subject, string(g.Type), g.Held(), checks}
}
