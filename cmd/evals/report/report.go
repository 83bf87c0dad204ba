package report

import (
	"context"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// Options bound what a report keeps.
type Options struct {
	// MaxRows is the most rows listed (200 if 0): failed and invalid rows first.
	MaxRows int
	// MaxValueRunes cuts each value (500 characters if 0).
	MaxValueRunes int
	// Now stamps the report (time.Now if nil).
	Now func() time.Time
	// Secrets are strings (such as the API key) that never appear in the report: each is
	// replaced with [REDACTED] in every value, before any escaping could disguise it.
	Secrets []string
}

func (o Options) maxRows() int {
	if o.MaxRows > 0 {
		return o.MaxRows
	}
	return 200
}

func (o Options) maxValue() int {
	if o.MaxValueRunes > 0 {
		return o.MaxValueRunes
	}
	return 500
}

// maxFields is the most input fields shown per row; the others are counted.
const maxFields = 20

// Field is a name and a value, both as text.
type Field struct {
	Name, Value string
}

// Row is one row as the report lists it.
type Row struct {
	// Line is the row's line in the result file.
	Line int
	// Key is what a compared row was paired on ("" for a row of one run).
	Key string
	// Verdict says what the judge made of it ("pass (good)", "judge failed").
	Verdict string
	// BaseVerdict is the baseline's verdict of a compared row.
	BaseVerdict string
	// Class is "pass", "fail", "invalid" or "failed", for styling and filtering.
	Class string
	// Inputs are the row's input fields; Outputs the outputs judged: the generated outputs, or
	// the input columns the job evaluates (named "COLUMN (evaluated)", or for compare jobs
	// "COLUMN (model A)" and "COLUMN (model B)"), which Inputs then leaves out.
	Inputs, Outputs []Field
	// Feedback and Error are the judge's explanation and the row's error.
	Feedback, Error string
	// BaseFeedback is the baseline judge's explanation of a compared row.
	BaseFeedback string
	// Bad reports whether the row failed or the judge's answer was invalid.
	Bad bool
}

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Count int
	// Good marks a pass label, a passing score bin, or model B's wins.
	Good bool
}

// Chart is a bar chart.
type Chart struct {
	Title string
	Bars  []Bar
}

// Comparison is the report's view of a [decide.Diff] against a baseline.
type Comparison struct {
	BaseID  string
	Summary decide.Summary
	// Regressed are the first rows that regressed; OnlyBase and OnlyNew the first rows found
	// only in the baseline or only in this run (up to [Options.MaxRows] each; the summary
	// counts them all). A row only in the baseline has "-" as its Verdict, a row only in this
	// run "-" as its BaseVerdict.
	Regressed, OnlyBase, OnlyNew []Row
}

// Report is everything a report shows, with every value already cut to size.
type Report struct {
	JobID, Type, Status string
	Created, Generated  string
	// Parameters are the job's parameters, in the order people read them.
	Parameters []Field
	// Figures are the headline figures.
	Figures []Field
	// Charts are drawn as inline SVG.
	Charts []Chart
	// Rows are the rows listed, failed and invalid first.
	Rows []Row
	// TotalRows counts every row; BadRows the failed and invalid ones.
	TotalRows, BadRows int
	// MaxRows is the cap on Rows.
	MaxRows int
	// Comparison is set when there is a baseline.
	Comparison *Comparison
	// Failure is why the job failed, for a job that ended in error or user_error (it has no
	// rows then).
	Failure string

	summary *wrappers.RowSummary
	typ     wrappers.JobType
	opts    Options
	// evaluated names the input columns judged as outputs: column -> how Outputs names it.
	evaluated map[string]string
	// req is what the job was asked (nil when its parameters do not read): the labels, pass
	// labels and score range the charts use, whole (Parameters holds them cut for display).
	req wrappers.CreateRequest
}

// Build reads a job that has ended, and its result file through c as a stream, into a report.
// With a baseline, it compares the two runs row by row ([decide.Diff], with diffOpts).
func Build(ctx context.Context, c *wrappers.Client, job *wrappers.Job, baseline *wrappers.Job, opts Options, diffOpts ...decide.Option) (*Report, error) {
	if job.Status.Failed() {
		// A failed job has no rows: its report says why it failed.
		r := newReport(job, opts)
		r.Failure = job.LastMessage()
		if msg, ok := job.ErrorResult(); ok && msg != "" {
			r.Failure = msg
		}
		r.Failure = r.cut(r.Failure, r.opts.maxValue())
		return r, nil
	}
	r, err := FromRows(job, c.JobResultRows(ctx, job), opts)
	if err != nil {
		return nil, err
	}
	if baseline != nil {
		diffOpts = append(diffOpts, decide.WithLimit(r.opts.maxRows()))
		res, err := decide.Diff(ctx, decide.Job(c, baseline), decide.Job(c, job), diffOpts...)
		if err != nil {
			return nil, fmt.Errorf("comparing with baseline %s: %w", baseline.ID, err)
		}
		r.Comparison = &Comparison{BaseID: baseline.ID, Summary: res.Summary}
		for _, d := range res.Regressed {
			r.Comparison.Regressed = append(r.Comparison.Regressed, r.diffRow(d))
		}
		for _, d := range res.OnlyBase {
			r.Comparison.OnlyBase = append(r.Comparison.OnlyBase, r.diffRow(d))
		}
		for _, d := range res.OnlyNew {
			r.Comparison.OnlyNew = append(r.Comparison.OnlyNew, r.diffRow(d))
		}
	}
	return r, nil
}

// FromRows builds the report of a job from its rows, read elsewhere: a result file on disk
// ([wrappers.ReadResultRows]) or the client's stream. The rows are read once.
func FromRows(job *wrappers.Job, rows iter.Seq2[*wrappers.ResultRow, error], opts Options) (*Report, error) {
	r := newReport(job, opts)
	if err := r.collect(rows, job.SummaryOptions()...); err != nil {
		return nil, fmt.Errorf("reading the rows of job %s: %w", job.ID, err)
	}
	r.figures(job)
	return r, nil
}

func newReport(job *wrappers.Job, opts Options) *Report {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	r := &Report{
		JobID: job.ID, Type: string(job.Type), Status: string(job.Status),
		Generated: now().UTC().Format("2006-01-02 15:04:05 UTC"),
		MaxRows:   opts.maxRows(), typ: job.Type, opts: opts,
	}
	if !job.CreatedAt.IsZero() {
		r.Created = job.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	r.Parameters = parameters(job, r.cut, opts.maxValue())
	r.evaluated = evaluatedColumns(job)
	if req, err := job.Request(); err == nil {
		r.req = req
	}
	return r
}

// evaluatedColumns names the input columns a job judges as outputs (model_to_evaluate, model_a or
// model_b given as a column).
func evaluatedColumns(job *wrappers.Job) map[string]string {
	req, err := job.Request()
	if err != nil {
		return nil
	}
	out := map[string]string{}
	add := func(t wrappers.Target, as string) {
		col, ok := t.(wrappers.Column)
		if !ok || col == "" {
			return
		}
		if prev, ok := out[string(col)]; ok { // model A and model B judge the same column
			out[string(col)] = strings.TrimSuffix(prev, ")") + " and " + as + ")"
			return
		}
		out[string(col)] = string(col) + " (" + as + ")"
	}
	switch r := req.(type) {
	case *wrappers.ClassifyRequest:
		add(r.ModelToEvaluate, "evaluated")
	case *wrappers.ScoreRequest:
		add(r.ModelToEvaluate, "evaluated")
	case *wrappers.CompareRequest:
		add(r.ModelA, "model A")
		add(r.ModelB, "model B")
	}
	return out
}

// collect streams the rows: every row is counted; at most MaxRows bad and MaxRows other rows are
// kept, of which MaxRows are listed, bad first.
func (r *Report) collect(rows iter.Seq2[*wrappers.ResultRow, error], sumOpts ...wrappers.SummaryOption) error {
	r.summary = wrappers.NewRowSummary(sumOpts...)
	var hist *histogram
	if r.typ == wrappers.TypeScore {
		hist = r.newHistogram()
	}
	limit := r.opts.maxRows()
	var bad, good []Row
	for row, err := range rows {
		if err != nil {
			return err
		}
		r.summary.Add(row)
		v := decide.VerdictOf(row, r.typ)
		if hist != nil && v.HasScore {
			hist.add(v.Score)
		}
		isBad := !v.Judged()
		if isBad {
			r.BadRows++
			if len(bad) < limit {
				bad = append(bad, r.row(row, v))
			}
		} else if len(good) < limit {
			good = append(good, r.row(row, v))
		}
	}
	r.TotalRows = r.summary.Rows
	r.Rows = append(bad, good...)[:min(limit, len(bad)+len(good))]
	r.charts(hist)
	return nil
}

func (r *Report) row(row *wrappers.ResultRow, v decide.Verdict) Row {
	n := r.opts.maxValue()
	out := Row{Line: row.Line(), Verdict: v.String(), Class: class(r.typ, v), Bad: !v.Judged()}
	var inputs []decide.Field
	for _, f := range decide.InputFields(row) {
		if as, ok := r.evaluated[f.Name]; ok {
			// The column judged as the output is listed with the outputs.
			out.Outputs = append(out.Outputs, Field{Name: r.cut(as, 200), Value: r.cut(f.Text(), n)})
			continue
		}
		inputs = append(inputs, f)
	}
	for i, f := range inputs {
		if i == maxFields {
			out.Inputs = append(out.Inputs, Field{Name: "…", Value: fmt.Sprintf("%d more fields not shown", len(inputs)-maxFields)})
			break
		}
		out.Inputs = append(out.Inputs, Field{Name: r.cut(f.Name, 200), Value: r.cut(f.Text(), n)})
	}
	for _, k := range []string{wrappers.RowKeyModelOutput, wrappers.RowKeyModelAOutput, wrappers.RowKeyModelBOutput} {
		if s, ok := row.StringField(k); ok {
			out.Outputs = append(out.Outputs, Field{Name: k, Value: r.cut(s, n)})
		}
	}
	out.Feedback = r.cut(row.Feedback(), n)
	out.Error = r.cut(row.ErrorMessage(), n)
	return out
}

func (r *Report) diffRow(d decide.Row) Row {
	var out Row
	switch {
	case d.NewRow != nil && d.New != nil:
		out = r.row(d.NewRow, *d.New)
	case d.BaseRow != nil && d.Base != nil:
		// Only in the baseline: its inputs and outputs, and no verdict of this run.
		out = r.row(d.BaseRow, *d.Base)
		out.Verdict, out.Class, out.Feedback, out.Error = "-", "", "", ""
	}
	out.Key = r.cut(d.KeyText(), 200)
	out.BaseVerdict = "-" // only in this run
	if d.Base != nil {
		out.BaseVerdict = d.Base.String()
	}
	if d.BaseRow != nil {
		out.BaseFeedback = r.cut(d.BaseRow.Feedback(), r.opts.maxValue())
		if out.BaseFeedback == "" {
			out.BaseFeedback = r.cut(d.BaseRow.ErrorMessage(), r.opts.maxValue())
		}
	}
	return out
}

func class(t wrappers.JobType, v decide.Verdict) string {
	switch {
	case v.Outcome == decide.OutcomeInvalid:
		return "invalid"
	case !v.Judged():
		return "failed"
	case v.Pass(t):
		return "pass"
	}
	return "fail"
}

// figures fills the headline figures: the job's own results where it gives them, else the sums of
// its rows.
func (r *Report) figures(job *wrappers.Job) {
	s := r.summary
	f := decide.RowFigures(r.typ, s)
	if jf, err := decide.JobFigures(job); err == nil {
		if jf.PassPercentage != nil {
			f.PassPercentage = jf.PassPercentage
		}
		if jf.MeanScore != nil {
			f.MeanScore = jf.MeanScore
		}
	}
	add := func(name, value string) { r.Figures = append(r.Figures, Field{Name: name, Value: value}) }
	add("Rows", strconv.Itoa(s.Rows))
	switch r.typ {
	case wrappers.TypeClassify:
		add("Pass percentage", optPercent(f.PassPercentage)+" of labeled rows")
	case wrappers.TypeScore:
		add("Mean score", optNumber(f.MeanScore))
		if s.Scores.Count > 0 {
			add("Std (population)", number(s.Scores.Std))
			add("Lowest, highest", number(s.Scores.Min)+", "+number(s.Scores.Max))
		}
		add("Pass percentage", optPercent(f.PassPercentage)+" of scored rows")
	case wrappers.TypeCompare:
		add("A wins, B wins, ties", fmt.Sprintf("%d, %d, %d", s.AWins, s.BWins, s.Ties))
		if w, ok := f.WinRate(); ok {
			add("Win rate of model B", percent(w))
		}
	}
	add("Invalid judge answers", share(s.InvalidJudgeOutputs, s.Rows))
	add("Judge failures", share(s.JudgeFailures, s.Rows))
	add("Generation failures", share(s.GenerationFailures, s.Rows))
	if s.OtherFailures > 0 {
		add("Other failures", share(s.OtherFailures, s.Rows))
	}
}

func (r *Report) charts(hist *histogram) {
	s := r.summary
	switch r.typ {
	case wrappers.TypeClassify:
		c := Chart{Title: "Label counts"}
		pass := map[string]bool{}
		for _, p := range r.passLabels() {
			pass[p] = true
		}
		for _, lc := range wrappers.OrderLabelCounts(s.LabelCounts, r.labels()) {
			c.Bars = append(c.Bars, Bar{Label: r.cut(lc.Label, 60), Count: lc.Count, Good: pass[lc.Label]})
		}
		c.Bars = append(c.Bars, Bar{Label: "invalid", Count: s.InvalidJudgeOutputs}, Bar{Label: "failed", Count: s.Failed})
		r.Charts = append(r.Charts, c)
	case wrappers.TypeScore:
		if hist != nil {
			r.Charts = append(r.Charts, hist.chart())
		}
	case wrappers.TypeCompare:
		r.Charts = append(r.Charts, Chart{Title: "Verdicts", Bars: []Bar{
			{Label: "A wins", Count: s.AWins},
			{Label: "B wins", Count: s.BWins, Good: true},
			{Label: "Ties", Count: s.Ties},
			{Label: "invalid", Count: s.InvalidJudgeOutputs},
			{Label: "failed", Count: s.Failed},
		}})
	}
}

// labels are a classify job's labels, in its order.
func (r *Report) labels() []string {
	if c, ok := r.req.(*wrappers.ClassifyRequest); ok {
		return c.Labels
	}
	return nil
}

// passLabels are a classify job's pass labels.
func (r *Report) passLabels() []string {
	if c, ok := r.req.(*wrappers.ClassifyRequest); ok {
		return c.PassLabels
	}
	return nil
}

// histogram counts scores in bins over the job's score range: one bin per whole score when the
// range is whole and at most 20 wide, else 10 equal bins.
type histogram struct {
	lo, hi, width, threshold float64
	whole                    bool
	counts                   []int
}

func (r *Report) newHistogram() *histogram {
	lo, hi, th := 0.0, 10.0, math.Inf(1)
	if s, ok := r.req.(*wrappers.ScoreRequest); ok {
		lo, hi, th = s.MinScore, s.MaxScore, s.PassThreshold
	}
	if !(hi > lo) {
		lo, hi = 0, 10
	}
	h := &histogram{lo: lo, hi: hi, threshold: th}
	if lo == math.Trunc(lo) && hi == math.Trunc(hi) && hi-lo <= 20 {
		h.whole, h.width = true, 1
		h.counts = make([]int, int(hi-lo)+1)
	} else {
		h.width = (hi - lo) / 10
		h.counts = make([]int, 10)
	}
	return h
}

func (h *histogram) add(score float64) {
	i := int(math.Floor((score - h.lo) / h.width))
	h.counts[max(0, min(len(h.counts)-1, i))]++
}

func (h *histogram) chart() Chart {
	c := Chart{Title: "Score histogram"}
	for i, n := range h.counts {
		from := h.lo + float64(i)*h.width
		label := number(from)
		if !h.whole {
			label = number(from) + "–" + number(from+h.width)
		}
		c.Bars = append(c.Bars, Bar{Label: label, Count: n, Good: from >= h.threshold})
	}
	return c
}

// parameters lists what the job was asked, in words.
func parameters(job *wrappers.Job, cut func(string, int) string, n int) []Field {
	var out []Field
	add := func(name, value string) {
		if value != "" {
			out = append(out, Field{Name: name, Value: cut(value, n)})
		}
	}
	req, err := job.Request()
	if err != nil {
		return out
	}
	judge := func(j wrappers.Judge) {
		add("Judge model", j.Model)
		add("Judge template", j.SystemTemplate)
	}
	model := func(what string, t wrappers.Target) {
		add(what, target(t))
		if m, ok := t.(*wrappers.Model); ok {
			add(what+" system template", m.SystemTemplate)
			add(what+" input template", m.InputTemplate)
		}
	}
	switch r := req.(type) {
	case *wrappers.ClassifyRequest:
		judge(r.Judge)
		model("Evaluates", r.ModelToEvaluate)
		add("Labels", strings.Join(r.Labels, ", "))
		add("Pass labels", strings.Join(r.PassLabels, ", "))
		add("Input file", r.InputFileID)
	case *wrappers.ScoreRequest:
		judge(r.Judge)
		model("Evaluates", r.ModelToEvaluate)
		add("Score range", number(r.MinScore)+" to "+number(r.MaxScore))
		add("Pass threshold", number(r.PassThreshold))
		add("Input file", r.InputFileID)
	case *wrappers.CompareRequest:
		judge(r.Judge)
		model("Model A", r.ModelA)
		model("Model B", r.ModelB)
		add("Input file", r.InputFileID)
	}
	return out
}

func target(t wrappers.Target) string {
	switch t := t.(type) {
	case wrappers.Column:
		return "column " + string(t)
	case *wrappers.Model:
		return "model " + t.Name
	}
	return ""
}

// cut is Cut with the secrets redacted first.
func (r *Report) cut(s string, n int) string {
	for _, secret := range r.opts.Secrets {
		if secret != "" && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "[REDACTED]")
		}
	}
	return Cut(s, n)
}

// Cut cleans s for display (control characters and invalid UTF-8 replaced, except line breaks
// and tabs) and cuts it to n characters, with "…" where it was cut.
func Cut(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == utf8.RuneError || unicode.IsControl(r):
			return '\uFFFD'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func number(f float64) string { return decide.FormatNumber(math.Round(f*1000) / 1000) }

func percent(f float64) string { return decide.FormatNumber(math.Round(f*10)/10) + "%" }

func optPercent(f *float64) string {
	if f == nil {
		return "-"
	}
	return percent(*f)
}

func optNumber(f *float64) string {
	if f == nil {
		return "-"
	}
	return number(*f)
}

func share(n, of int) string {
	if of == 0 {
		return strconv.Itoa(n)
	}
	return fmt.Sprintf("%d (%s)", n, percent(100*float64(n)/float64(of)))
}
