package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/evalkit/together-evals/wrappers"
)

// How a job looks in a terminal: `evals get`, `evals status` and `evals wait` print with
// writeJob and writeStatus; their results, parameters and the list table are drawn here too.

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
//
// labels and passLabels, read from the job, order the label counts and mark the pass labels as
// writeJob does; without them the counts are shown largest first, unmarked.
func writeStatus(w io.Writer, s *wrappers.JobStatus, labels, passLabels []string, st style) error {
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
		if err := writeResults(&b, res, err, labels, passLabels, st); err != nil {
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
		// The rows without a verdict, so that the figures add up to the samples: invalid
		// answers here, failed rows in the failure counts below.
		invalid, known := compareInvalid(r)
		if known {
			bars = append(bars, bar{label: "Invalid", count: invalid})
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

// compareInvalid is the number of a compare job's rows that have no verdict and did not fail:
// the judge's answers were invalid. It is known when the job sent every count it is computed from
// and they do not add up to more than the samples.
func compareInvalid(r *wrappers.CompareResults) (int, bool) {
	for _, f := range []string{"num_samples", "A_wins", "B_wins", "Ties", "generation_fail_count", "judge_fail_count"} {
		if r.IsAbsent(f) {
			return 0, false
		}
	}
	n := r.NumSamples - r.AWins - r.BWins - r.Ties - r.GenerationFailCount - r.JudgeFailCount
	return n, n >= 0
}

func writeCommon(k *kv, c *wrappers.CommonResults, count func(string, int) string) {
	k.line("Generation failures", count("generation_fail_count", c.GenerationFailCount))
	k.line("Judge failures", count("judge_fail_count", c.JudgeFailCount))
	if u := c.Usage; u != nil {
		k.line("Tokens", fmt.Sprintf("%d (prompt %d, completion %d)", u.TotalTokens, u.PromptTokens, u.CompletionTokens))
	}
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
