package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// Everything evals prints is formatted here: tables, the job view with its bar charts, JSON,
// colour and error messages.

// The values of --output.
const (
	outputTable = "table"
	outputJSON  = "json"
)

// barWidth is the width, in cells, of the longest bar of a chart.
const barWidth = 30

// maxValueRunes is where long strings (templates, messages) are cut in tables.
const maxValueRunes = 72

// redacted replaces the value of a credential in anything printed.
const redacted = "[REDACTED]"

// style colours text when colour is on.
type style struct{ color bool }

func (s style) wrap(code, text string) string {
	if !s.color || text == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s style) bold(t string) string   { return s.wrap("1", t) }
func (s style) dim(t string) string    { return s.wrap("2", t) }
func (s style) red(t string) string    { return s.wrap("31", t) }
func (s style) green(t string) string  { return s.wrap("32", t) }
func (s style) yellow(t string) string { return s.wrap("33", t) }

// status colours a status: green when completed, red when failed, yellow while it runs.
func (s style) status(st wrappers.Status) string {
	text := clean(string(st))
	switch {
	case st.Succeeded():
		return s.green(text)
	case st.Failed():
		return s.red(text)
	case st.Known():
		return s.yellow(text)
	}
	return text
}

// clean makes a string from the service safe to print on a terminal: control characters (escape
// sequences included) and invalid UTF-8 are shown escaped instead of being sent as they are.
func clean(s string) string {
	safe := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// short cleans s and cuts it to maxValueRunes runes.
func short(s string) string {
	s = clean(s)
	if utf8.RuneCountInString(s) <= maxValueRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxValueRunes-1]) + "…"
}

// pad right-pads s (already cleaned, without colour) to width runes.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// formatTime prints a time in UTC to the second, or "-" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// formatDuration prints a duration rounded for people: 850ms, 12s, 3m05s, 1h02m.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + formatDuration(-d)
	case d == 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10) + "s"
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}

// formatBytes prints a size in bytes, KiB, MiB or GiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 2; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(math.Round(float64(n)/float64(div)*10)/10, 'f', -1, 64) + " " + []string{"KiB", "MiB", "GiB"}[exp]
}

// formatNumber prints a number with at most two decimals and no trailing zeros.
func formatNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(roundTo(f, 100), 'f', -1, 64)
}

// roundTo rounds f to 1/scale; a number too large for that (scaling would overflow) is already
// whole and is returned as it is.
func roundTo(f, scale float64) float64 {
	if math.Abs(f) > 1e15 {
		return f
	}
	return math.Round(f*scale) / scale
}

// formatPercent prints a percentage with at most one decimal.
func formatPercent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(roundTo(f, 10), 'f', -1, 64) + "%"
}

func formatOptPercent(f *float64) string {
	if f == nil {
		return "-"
	}
	return formatPercent(*f)
}

func formatOptNumber(f *float64) string {
	if f == nil {
		return "-"
	}
	return formatNumber(*f)
}

// kv writes aligned "Key:  value" lines. Values may carry colour: only keys are padded.
type kv struct {
	w      io.Writer
	indent string
	width  int
	err    error
}

func newKV(w io.Writer, indent string, keys ...string) *kv {
	width := 0
	for _, k := range keys {
		width = max(width, utf8.RuneCountInString(k)+1)
	}
	return &kv{w: w, indent: indent, width: width}
}

func (k *kv) line(key, value string) {
	if k.err != nil {
		return
	}
	_, k.err = fmt.Fprintf(k.w, "%s%s  %s\n", k.indent, pad(key+":", k.width), value)
}

// bar is one row of a bar chart.
type bar struct {
	label string
	count int
	mark  string // shown after the count, such as "pass"
	good  bool   // coloured green
}

// writeBars draws a horizontal bar chart: label, bar, count and mark, the longest bar barWidth
// cells wide. A non-zero count always gets at least one cell.
func writeBars(w io.Writer, indent string, bars []bar, st style) error {
	most, labelW, countW := 0, 0, 1
	for _, b := range bars {
		most = max(most, b.count)
		labelW = max(labelW, utf8.RuneCountInString(clean(b.label)))
		countW = max(countW, len(strconv.Itoa(b.count)))
	}
	for _, b := range bars {
		cells := 0
		if most > 0 && b.count > 0 {
			cells = max(1, int(math.Round(float64(b.count)*barWidth/float64(most))))
		}
		drawn := strings.Repeat("█", cells)
		if b.good {
			drawn = st.green(drawn)
		}
		line := fmt.Sprintf("%s%s  %s%s  %*d", indent, pad(clean(b.label), labelW), drawn,
			strings.Repeat(" ", barWidth-cells), countW, b.count)
		if b.mark != "" {
			m := b.mark
			if b.good {
				m = st.green(m)
			}
			line += "  " + m
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

// writeJob prints a job as `evals get` does: its fields, status history, parameters and results.
func writeJob(w io.Writer, job *wrappers.Job, st style) error {
	var b bytes.Buffer
	keys := newKV(&b, "", "Updated")
	keys.line("ID", st.bold(clean(job.ID)))
	keys.line("Type", clean(string(job.Type)))
	keys.line("Status", st.status(job.Status))
	if job.OwnerID != "" {
		keys.line("Owner", clean(job.OwnerID))
	}
	keys.line("Created", formatTime(job.CreatedAt))
	updated := formatTime(job.UpdatedAt)
	if job.Done() && !job.CreatedAt.IsZero() && !job.UpdatedAt.IsZero() {
		updated += " (after " + formatDuration(job.UpdatedAt.Sub(job.CreatedAt)) + ")"
	}
	keys.line("Updated", updated)
	if keys.err != nil {
		return keys.err
	}

	if updates := job.StatusUpdates(); len(updates) > 0 {
		b.WriteString("\nStatus history:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, u := range updates {
			_, _ = fmt.Fprintf(tw, "  %s\t%s\t%s\n", formatTime(u.Time), clean(string(u.Status)), short(u.Message))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	b.WriteString("\nParameters:\n")
	if err := writeParameters(&b, job.Parameters); err != nil {
		return err
	}

	if job.HasResults() {
		b.WriteString("\nResults:\n")
		res, err := job.Results()
		if err := writeResults(&b, res, err, job.Labels(), job.PassLabels(), st); err != nil {
			return err
		}
	} else if !job.Done() {
		b.WriteString("\nResults: none yet (the job is " + clean(string(job.Status)) + ")\n")
	} else {
		b.WriteString("\nResults: none\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeStatus prints the answer of /status: the status and any results.
func writeStatus(w io.Writer, s *wrappers.JobStatus, st style) error {
	var b bytes.Buffer
	keys := newKV(&b, "", "Status")
	keys.line("ID", st.bold(clean(s.ID)))
	keys.line("Status", st.status(s.Status))
	if keys.err != nil {
		return keys.err
	}
	if s.HasResults() {
		b.WriteString("\nResults:\n")
		res, err := s.Results()
		if err := writeResults(&b, res, err, nil, nil, st); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeResults prints typed results. resErr is what the accessor returned with them: a
// *wrappers.ResultError names a field that could not be read, and is shown after what could.
func writeResults(w io.Writer, res wrappers.Results, resErr error, labels, passLabels []string, st style) error {
	if resErr != nil {
		var failed *wrappers.JobFailedError
		if errors.As(resErr, &failed) {
			res = &wrappers.ErrorResults{Message: failed.Message}
			resErr = nil
		}
	}
	const in = "  "
	var b bytes.Buffer
	// One width for every key of the block, the longest being "Generation failures".
	k := newKV(&b, in, "Generation failures")
	var common *wrappers.CommonResults
	count := func(field string, n int) string {
		if common != nil && common.IsAbsent(field) {
			return "-"
		}
		return strconv.Itoa(n)
	}
	switch r := res.(type) {
	case *wrappers.ErrorResults:
		k.line("Error", st.red(clean(r.Message)))
	case *wrappers.ClassifyResults:
		common = &r.CommonResults
		switch {
		case r.LabelCounts != nil:
			b.WriteString(in + "Label counts:\n")
			pass := make(map[string]bool, len(passLabels))
			for _, l := range passLabels {
				pass[l] = true
			}
			var bars []bar
			for _, lc := range wrappers.OrderLabelCounts(r.LabelCounts, labels) {
				bb := bar{label: lc.Label, count: lc.Count}
				if pass[lc.Label] {
					bb.mark, bb.good = "pass", true
				}
				bars = append(bars, bb)
			}
			if err := writeBars(&b, in+in, bars, st); err != nil {
				return err
			}
		case r.LabelCountsRaw != "":
			k.line("Label counts (raw)", short(r.LabelCountsRaw))
		default:
			k.line("Label counts", "-")
		}
		k.line("Pass percentage", formatOptPercent(r.PassPercentage))
		k.line("Invalid labels", count("invalid_label_count", r.InvalidLabelCount))
		writeCommon(k, common, count)
	case *wrappers.ScoreResults:
		common = &r.CommonResults
		k.line("Mean score", formatOptNumber(r.MeanScore))
		k.line("Std score", formatOptNumber(r.StdScore))
		k.line("Pass percentage", formatOptPercent(r.PassPercentage))
		k.line("Invalid scores", count("invalid_score_count", r.InvalidScoreCount))
		k.line("Failed samples", count("failed_samples", r.FailedSamples))
		writeCommon(k, common, count)
	case *wrappers.CompareResults:
		common = &r.CommonResults
		bars := []bar{
			{label: "A wins", count: r.AWins},
			{label: "B wins", count: r.BWins},
			{label: "Ties", count: r.Ties},
		}
		if err := writeBars(&b, in, bars, st); err != nil {
			return err
		}
		k.line("Samples", count("num_samples", r.NumSamples))
		writeCommon(k, common, count)
	case *wrappers.UnknownResults:
		common = &r.CommonResults
		writeCommon(k, common, count)
	case nil:
	}
	if resErr != nil {
		k.line("Problem", st.red(errText(resErr)))
	}
	if k.err != nil {
		return k.err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeCommon(k *kv, c *wrappers.CommonResults, count func(string, int) string) {
	k.line("Generation failures", count("generation_fail_count", c.GenerationFailCount))
	k.line("Judge failures", count("judge_fail_count", c.JudgeFailCount))
	file := c.ResultFileID
	if file == "" {
		file = "-"
	}
	k.line("Result file", clean(file))
}

// writeParameters prints the parameters object flattened to dotted paths, in the order sent:
// "judge.model  openai/gpt-oss-120b". Lists of plain values are joined with commas, long strings
// are cut, and credentials are redacted.
func writeParameters(w io.Writer, raw json.RawMessage) error {
	var rows [][2]string
	if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := flatten(dec, "", &rows); err != nil {
			_, werr := fmt.Fprintf(w, "  (cannot read: %s)\n", clean(err.Error()))
			return werr
		}
	}
	if len(rows) == 0 || (len(rows) == 1 && rows[0][0] == "") {
		_, err := io.WriteString(w, "  (none)\n")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		_, _ = fmt.Fprintf(tw, "  %s\t%s\n", clean(r[0]), r[1])
	}
	return tw.Flush()
}

// flatten reads one JSON value from dec and appends its leaves as (path, text) rows.
func flatten(dec *json.Decoder, path string, rows *[][2]string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := 0
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				child := key
				if path != "" {
					child = path + "." + key
				}
				if isSecretKey(key) {
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						return err
					}
					*rows = append(*rows, [2]string{child, redacted})
				} else if err := flatten(dec, child, rows); err != nil {
					return err
				}
				n++
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			if n == 0 && path != "" {
				*rows = append(*rows, [2]string{path, "{}"})
			}
		case '[':
			var items []string
			var sub [][2]string
			plain := true
			for i := 0; dec.More(); i++ {
				start := len(sub)
				if err := flatten(dec, fmt.Sprintf("%s[%d]", path, i), &sub); err != nil {
					return err
				}
				if len(sub) == start+1 && sub[start][0] == fmt.Sprintf("%s[%d]", path, i) && !strings.HasPrefix(sub[start][1], "{") {
					items = append(items, sub[start][1])
				} else {
					plain = false
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			if plain {
				*rows = append(*rows, [2]string{path, "[" + strings.Join(items, ", ") + "]"})
			} else {
				*rows = append(*rows, sub...)
			}
		}
	case string:
		if t == "" {
			*rows = append(*rows, [2]string{path, `""`})
		} else {
			*rows = append(*rows, [2]string{path, short(t)})
		}
	case json.Number:
		*rows = append(*rows, [2]string{path, t.String()})
	case bool:
		*rows = append(*rows, [2]string{path, strconv.FormatBool(t)})
	case nil:
		*rows = append(*rows, [2]string{path, "null"})
	}
	return nil
}

// isSecretKey reports whether a parameters key holds a credential, whose value is never printed.
func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	return strings.HasSuffix(k, "token") || strings.HasSuffix(k, "api_key") || k == "authorization"
}

// writeJobsTable prints jobs as a table: id, type, status, judge, what is evaluated, created, pass
// percentage.
func writeJobsTable(w io.Writer, jobs []*wrappers.Job) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tJUDGE\tEVALUATES\tCREATED\tPASS")
	for _, j := range jobs {
		judge, target := describeRequest(j)
		pass := "-"
		if p, ok := j.PassPercentage(); ok {
			pass = formatPercent(p)
		}
		created := "-"
		if !j.CreatedAt.IsZero() {
			created = j.CreatedAt.UTC().Format("2006-01-02 15:04")
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", clean(j.ID), clean(string(j.Type)), clean(string(j.Status)),
			judge, target, created, pass)
	}
	return tw.Flush()
}

// describeRequest names a job's judge model and what it evaluates, for the list table.
func describeRequest(j *wrappers.Job) (judge, target string) {
	judge, target = "-", "-"
	req, err := j.Request()
	if err != nil {
		return judge, target
	}
	var jd wrappers.Judge
	switch r := req.(type) {
	case *wrappers.ClassifyRequest:
		jd, target = r.Judge, describeTarget(r.ModelToEvaluate)
	case *wrappers.ScoreRequest:
		jd, target = r.Judge, describeTarget(r.ModelToEvaluate)
	case *wrappers.CompareRequest:
		jd = r.Judge
		if r.ModelA != nil || r.ModelB != nil {
			target = describeTarget(r.ModelA) + " vs " + describeTarget(r.ModelB)
		}
	}
	if jd.Model != "" {
		judge = cut(clean(jd.Model), 40)
	}
	return judge, target
}

func describeTarget(t wrappers.Target) string {
	switch v := t.(type) {
	case wrappers.Column:
		return cut(clean(string(v)), 30)
	case *wrappers.Model:
		return cut(clean(v.Name), 30)
	case wrappers.Model:
		return cut(clean(v.Name), 30)
	}
	return "-"
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// writeJSON writes v as indented JSON, without escaping <, > and &.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// objectJSON turns an object of the API (a job, or a /status answer) into what -o json prints: the
// object as sent, with results.label_counts_decoded holding the decoded label counts (null if they
// could not be decoded) next to results.label_counts, and credentials in parameters redacted.
func objectJSON(raw json.RawMessage, counts map[string]int, countsErr error) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("the API's answer is not a JSON object: %w", err)
	}
	if params, ok := obj["parameters"]; ok {
		redact(params)
	}
	if res, ok := obj["results"].(map[string]any); ok {
		if _, ok := res["label_counts"]; ok {
			if countsErr != nil || counts == nil {
				res["label_counts_decoded"] = nil
			} else {
				res["label_counts_decoded"] = counts
			}
		}
	}
	return obj, nil
}

// redact replaces credentials anywhere in v (decoded JSON) with redacted.
func redact(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if isSecretKey(k) {
				if c != nil {
					t[k] = redacted
				}
				continue
			}
			redact(c)
		}
	case []any:
		for _, c := range t {
			redact(c)
		}
	}
}

// jobJSON is objectJSON for a job.
func jobJSON(job *wrappers.Job) (any, error) {
	counts, err := job.LabelCounts()
	return objectJSON(job.Raw, counts, err)
}

// msgf writes a message for people to w (stderr). A failed write to stderr cannot be reported
// anywhere, so its error is dropped, here only.
func msgf(w io.Writer, format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }

// msgf writes a message for people to stderr.
func (a *app) msgf(format string, args ...any) { msgf(a.stderr, format, args...) }

// errText is an error's message for people: the package prefixes of wrapped errors left out.
func errText(err error) string {
	return clean(strings.ReplaceAll(err.Error(), "wrappers: ", ""))
}

// hasVersionPath reports whether a base URL's path ends in a version segment such as /v1.
func hasVersionPath(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return true // not ours to judge: NewClient has refused it already
	}
	last := path.Base(strings.TrimRight(u.Path, "/"))
	return len(last) >= 2 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == ""
}

// printError prints err on stderr, in the words of the command line: validation errors name the
// flags at fault and API errors say what the API answered.
func (a *app) printError(cmd *cobra.Command, err error) {
	st := a.errStyle()
	prefix := st.red("evals:") + " "
	var usage *usageError
	var ran *runError
	var apiErr *wrappers.APIError
	var failed *wrappers.JobFailedError
	switch {
	case errors.As(err, &apiErr):
		a.msgf("%s\n", prefix+describeAPIError(apiErr))
		if apiErr.StatusCode == 401 {
			a.msgf("The API refused the key in %s: check it (the key itself is never printed).\n", "$"+wrappers.EnvAPIKey)
		}
		if apiErr.StatusCode == 404 && a.usedBaseURL != "" && !hasVersionPath(a.usedBaseURL) {
			a.msgf("The base URL %s does not end in /v1, where the API's paths start: is it the right one?\n", clean(a.usedBaseURL))
		}
		if errors.Is(err, wrappers.ErrCreateOutcomeUnknown) {
			a.msgf("The service may have created the job anyway: run 'evals list' before creating it again.\n")
		}
	case errors.As(err, &failed):
		id := ""
		if failed.Job != nil {
			id = failed.Job.ID
		}
		msg := fmt.Sprintf("job %s ended in %s", clean(id), st.status(failed.Status))
		if failed.Message != "" {
			msg += ": " + clean(failed.Message)
		}
		a.msgf("%s\n", prefix+msg)
	case len(wrappers.ValidationErrors(err)) > 0 && !errors.As(err, &apiErr):
		for _, v := range wrappers.ValidationErrors(err) {
			a.msgf("%s\n", prefix+describeField(v.Field)+": "+clean(v.Problem))
		}
	default:
		for i, line := range strings.Split(strings.ReplaceAll(err.Error(), "wrappers: ", ""), "\n") {
			if i == 0 {
				line = prefix + clean(line)
			} else {
				line = clean(line)
			}
			a.msgf("%s\n", line)
		}
	}
	var inputErr *wrappers.InputError
	hint := !errors.As(err, &inputErr) && !errors.Is(err, errNoKey)
	if hint && (errors.As(err, &usage) || !errors.As(err, &ran)) && cmd != nil {
		a.msgf("Run '%s --help' for usage.\n", cmd.CommandPath())
	}
}

// describeAPIError says what the API answered, with the flag behind a refused field.
func describeAPIError(e *wrappers.APIError) string {
	var b strings.Builder
	switch {
	case e.Message != "":
		b.WriteString(clean(e.Message))
	case e.Body != "":
		b.WriteString(short(e.Body))
	default:
		b.WriteString("the API answered " + strconv.Itoa(e.StatusCode))
	}
	if e.Param != "" {
		if flag := flagForField(e.Param); flag != "" {
			b.WriteString(" (" + flag + ")")
		}
	}
	b.WriteString(" [")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Method != "" {
		b.WriteString(", " + e.Method + " " + clean(e.Path))
	}
	if e.RequestID != "" {
		b.WriteString(", request id " + clean(e.RequestID))
	}
	b.WriteString("]")
	return b.String()
}

// describeField names a request field by its flag where one sets it, else by its wire path.
func describeField(field string) string {
	if flag := flagForField(field); flag != "" {
		return flag
	}
	return field
}
