package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/cmd/evals/report"
	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

var fixed = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func buildHostile(t testing.TB) *report.Report {
	t.Helper()
	e := newEnv(t)
	base, next := hostileRuns(t, e)
	r, err := report.Build(context.Background(), e.client, next, base, report.Options{Now: fixed}, decide.WithKey("id"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHTMLReportEscapesEveryRowValue(t *testing.T) {
	r := buildHostile(t)
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, raw := range []string{"<script>window", "<img", "onerror=\"window", `href="javascript`} {
		if strings.Contains(page, raw) {
			t.Errorf("the page holds %q unescaped", raw)
		}
	}
	for _, escaped := range []string{"&lt;script&gt;window.__pwned = 1&lt;/script&gt;", "&lt;img src=x onerror=", "javascript:window.__pwned = 3"} {
		if !strings.Contains(page, escaped) {
			t.Errorf("the page lacks the escaped text %q", escaped)
		}
	}
	// One script element: the page's own filter.
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d script elements", n)
	}
	// Nothing that loads: no src, href or url( anywhere; the CSP forbids every request.
	if m := regexp.MustCompile(`(?i)<[a-z][^>]*\s(src|href|action|formaction)=|url\(|@import`).FindString(page); m != "" {
		t.Errorf("the page can load something: %q", m)
	}
	if !strings.Contains(page, "default-src &#39;none&#39;") && !strings.Contains(page, "default-src 'none'") {
		t.Error("no Content-Security-Policy forbidding requests")
	}
	for _, want := range []string{"Compared with baseline", "2 regressed", "Regressed rows (2)", "Label counts", "<svg", "Judge model", "judge/model", "Pass percentage"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestHTMLReportListsBadRowsFirstAndSaysWhatIsLeftOut(t *testing.T) {
	e := newEnv(t)
	var rows []string
	for i := range 30 {
		v := "good"
		if i%10 == 9 {
			v = "judge_fail"
		}
		rows = append(rows, row(fmt.Sprintf("r%d", i), "q", "a", v))
	}
	job := e.run(t, rows, nil)
	r, err := report.Build(context.Background(), e.client, job, nil, report.Options{MaxRows: 5, Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	if r.TotalRows != 30 || r.BadRows != 3 || len(r.Rows) != 5 {
		t.Fatalf("total %d bad %d listed %d", r.TotalRows, r.BadRows, len(r.Rows))
	}
	for i, want := range []int{10, 20, 30, 1, 2} {
		if r.Rows[i].Line != want {
			t.Errorf("row %d is line %d, want %d (failed rows first)", i, r.Rows[i].Line, want)
		}
	}
	want := "5 of 30 rows are listed: the failed and invalid rows first (3 in all), then the first of the others in file order. The 25 rows not listed are counted"
	if !strings.Contains(r.RowsNote(), want) {
		t.Errorf("note = %q", r.RowsNote())
	}
}

// cells counts the cells of a Markdown table line: the | not escaped by a backslash.
func cells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

func TestMarkdownEscapesAndStaysUnderBudget(t *testing.T) {
	e := newEnv(t)
	var baseRows, newRows []string
	long := strings.Repeat("x|y\n<b>z</b> ", 200)
	for i := range 400 {
		baseRows = append(baseRows, row(fmt.Sprintf("r%d", i), hostileScript+long, hostileImg, "good"))
		newRows = append(newRows, row(fmt.Sprintf("r%d", i), hostileScript+long, hostileImg, []string{"bad", "invalid", "judge_fail", "bad"}[i%4]))
	}
	base := e.run(t, baseRows, nil)
	next := e.run(t, newRows, nil)
	r, err := report.Build(context.Background(), e.client, next, base, report.Options{MaxRows: 400, Now: fixed}, decide.WithKey("id"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	if b.Len() >= report.MarkdownBudget {
		t.Fatalf("%d bytes, over the budget of %d", b.Len(), report.MarkdownBudget)
	}
	if strings.ContainsAny(doc, "<>") {
		t.Error("raw < or > in the Markdown")
	}
	if !strings.Contains(doc, "### Regressed rows (400)") || !strings.Contains(doc, "rows are not listed: this summary lists at most 400 rows of each kind and stays under 60 KB") {
		t.Errorf("sections:\n%s", doc[:min(len(doc), 3000)])
	}
	// Every line of a table has as many cells as its header.
	want := 0
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = 0
			continue
		}
		if want == 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Fatalf("a table line has %d cells, its header %d: %q", got, want, line)
		}
	}
}

func TestEscapeMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":                          `a\|b`,
		"<img src=x onerror=alert(1)>": `&lt;img src=x onerror=alert(1)&gt;`,
		"line\nbreak":                  "line break",
		"**bold** [x](javascript:1)":   `\*\*bold\*\* \[x\](javascript:1)`,
		"a & b, Q&A, &lt;":             "a & b, Q&amp;A, &amp;lt;",
		// What needs nothing stays as written: ids, dates, sentences, snake_case.
		"eval-3dd4a1a95684 2026-11-30 08:53:49 UTC": "eval-3dd4a1a95684 2026-11-30 08:53:49 UTC",
		"Is it right? Yes (mostly); 80% = good.":    "Is it right? Yes (mostly); 80% = good.",
		"model_output __judge _x_":                  `model_output \_\_judge \_x\_`,
		// No mention, reference, autolink or math in a pull-request comment.
		"@octocat see #12, a@b.co": "@\u200doctocat see #\u200d12, a@\u200db.co",
		"https://x.io www.x.io":    `https\://x.io www\.x.io`,
		"$x$ ~~s~~ \\":             `\$x\$ \~\~s\~\~ \\`,
	} {
		if got := report.EscapeMarkdown(in); got != want {
			t.Errorf("EscapeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTMLSizeIsBoundedByTheCap(t *testing.T) {
	job := &wrappers.Job{
		ID: "eval-big", Type: wrappers.TypeClassify, Status: wrappers.StatusCompleted,
		Parameters: []byte(`{"judge": {"model": "m", "system_template": "t", "model_source": "serverless"}, "labels": ["good", "bad"], "pass_labels": ["good"], "model_to_evaluate": "answer", "input_data_file_path": "file-1"}`),
	}
	size := func(n int) int {
		var data bytes.Buffer
		for i := range n {
			fmt.Fprintf(&data, `{"id": "r%d", "answer": %q, "success": true, "feedback": "f", "is_invalid_judge_output": false, "label": "good", "final_decision": "pass"}`+"\n", i, strings.Repeat("long answer ", 200))
		}
		r, err := report.FromRows(job, wrappers.ReadResultRows(&data), report.Options{Now: fixed})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := r.WriteHTML(&b); err != nil {
			t.Fatal(err)
		}
		return b.Len()
	}
	small, large := size(300), size(3000)
	// The rows beyond the cap of 200 change only the counts printed.
	if large-small > 64 || small-large > 64 {
		t.Errorf("the HTML grows with the rows beyond the cap: %d bytes for 300 rows, %d for 3000", small, large)
	}
	if large > 4<<20 {
		t.Errorf("%d bytes for 200 listed rows of 2.4 KB", large)
	}
}

func TestReportOfScoreAndCompareJobs(t *testing.T) {
	score := &wrappers.Job{
		ID: "eval-score", Type: wrappers.TypeScore, Status: wrappers.StatusCompleted,
		Parameters: []byte(`{"judge": {"model": "m", "system_template": "t", "model_source": "serverless"}, "min_score": 1, "max_score": 5, "pass_threshold": 4, "model_to_evaluate": "answer", "input_data_file_path": "file-1"}`),
	}
	rows := `{"id": "a", "success": true, "score": 5, "final_decision": "pass"}
{"id": "b", "success": true, "score": 4, "final_decision": "pass"}
{"id": "c", "success": true, "score": 1, "final_decision": "fail"}
{"id": "d", "success": true, "is_invalid_judge_output": true, "score": null, "final_decision": null}
`
	r, err := report.FromRows(score, wrappers.ReadResultRows(strings.NewReader(rows)), report.Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Charts) != 1 || r.Charts[0].Title != "Score histogram" || len(r.Charts[0].Bars) != 5 {
		t.Fatalf("charts = %+v", r.Charts)
	}
	counts := []int{}
	for _, b := range r.Charts[0].Bars {
		counts = append(counts, b.Count)
	}
	if fmt.Sprint(counts) != "[1 0 0 1 1]" || !r.Charts[0].Bars[3].Good || r.Charts[0].Bars[2].Good {
		t.Errorf("histogram = %+v", r.Charts[0].Bars)
	}
	figures := fmt.Sprint(r.Figures)
	for _, want := range []string{"{Mean score 3.333}", "{Pass percentage 66.7% of scored rows}", "{Invalid judge answers 1 (25%)}"} {
		if !strings.Contains(figures, want) {
			t.Errorf("figures %s lack %s", figures, want)
		}
	}
	if r.Rows[0].Line != 4 || r.Rows[0].Class != "invalid" {
		t.Errorf("the invalid row first: %+v", r.Rows[0])
	}

	compare := &wrappers.Job{
		ID: "eval-compare", Type: wrappers.TypeCompare, Status: wrappers.StatusCompleted,
		Parameters: []byte(`{"judge": {"model": "m", "system_template": "t", "model_source": "serverless"}, "model_a": "a", "model_b": "b", "input_data_file_path": "file-1"}`),
	}
	rows = `{"id": "a", "success": true, "final_decision": "A"}
{"id": "b", "success": true, "final_decision": "B"}
{"id": "c", "success": true, "final_decision": "B"}
{"id": "d", "success": true, "final_decision": "Tie"}
`
	r, err = report.FromRows(compare, wrappers.ReadResultRows(strings.NewReader(rows)), report.Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(r.Figures), "{Win rate of model B 50%}") || fmt.Sprint(r.Charts[0].Bars[:3]) != "[{A wins 1 false} {B wins 2 true} {Ties 1 false}]" {
		t.Errorf("figures %v charts %v", r.Figures, r.Charts)
	}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil || !strings.Contains(b.String(), "Verdicts") {
		t.Errorf("%v", err)
	}
}

// TestEscapeMarkdownBreaksGHReferences checks the other built-in form of an issue reference in a
// GitHub comment, GH- and a number: a zero-width joiner after the hyphen keeps it from linking
// (and cross-referencing) an issue, as after #. A word that merely ends in gh is left alone.
func TestEscapeMarkdownBreaksGHReferences(t *testing.T) {
	for in, want := range map[string]string{
		"fixed in GH-12":     "fixed in GH-\u200d12",
		"gh-7, (GH-8)":       "gh-\u200d7, (GH-\u200d8)",
		"high-5 GH-x GH- 12": "high-5 GH-x GH- 12",
		"sigh-3 GH-12a":      "sigh-3 GH-\u200d12a",
	} {
		if got := report.EscapeMarkdown(in); got != want {
			t.Errorf("EscapeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMarkdownStaysUnderBudgetWithManyLabels checks the budget against a classify job with
// thousands of labels: the chart of label counts lists the labels while they fit and counts the
// others, so the Markdown stays under 60 KB whatever the job asked for.
func TestMarkdownStaysUnderBudgetWithManyLabels(t *testing.T) {
	e := newEnv(t)
	labels := make([]string, 3000)
	for i := range labels {
		labels[i] = fmt.Sprintf("category-%04d-%s", i, strings.Repeat("x", 20))
	}
	job := e.run(t, []string{row("a", "q", "a", labels[0]), row("b", "q", "a", labels[2999]), row("c", "q", "a", "bad")}, func(r *wrappers.ClassifyRequest) {
		r.Labels = labels
		r.PassLabels = labels[:1]
	})
	r, err := report.Build(context.Background(), e.client, job, nil, report.Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if b.Len() >= report.MarkdownBudget {
		t.Fatalf("%d bytes, over the budget of %d", b.Len(), report.MarkdownBudget)
	}
	doc := b.String()
	if !strings.Contains(doc, "**Label counts**: category-0000-") || !regexp.MustCompile(`, and \d+ more \(2 rows\)\n`).MatchString(doc) {
		t.Errorf("the chart line does not say what it left out:\n%s", doc[:min(len(doc), 3000)])
	}
}

// TestLabelChartHasTheJobsLabels checks that the chart of label counts has a bar for each of the
// job's labels, in its order, with its pass labels green, however long the list of labels (the
// parameter shown is cut at 500 characters) and whatever the labels hold (", " too).
func TestLabelChartHasTheJobsLabels(t *testing.T) {
	labels := []string{"right, and clear", "wrong"}
	for i := range 40 {
		labels = append(labels, fmt.Sprintf("label-%02d-xxxxxxxxxx", i))
	}
	params, err := json.Marshal(map[string]any{
		"judge":  map[string]string{"model": "m", "system_template": "t", "model_source": "serverless"},
		"labels": labels, "pass_labels": []string{"right, and clear", "label-39-xxxxxxxxxx"},
		"model_to_evaluate": "answer", "input_data_file_path": "file-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	job := &wrappers.Job{ID: "eval-labels", Type: wrappers.TypeClassify, Status: wrappers.StatusCompleted, Parameters: params}
	rows := `{"id": "a", "success": true, "label": "right, and clear", "final_decision": "pass"}
{"id": "b", "success": true, "label": "label-39-xxxxxxxxxx", "final_decision": "pass"}
{"id": "c", "success": true, "label": "wrong", "final_decision": "fail"}
`
	r, err := report.FromRows(job, wrappers.ReadResultRows(strings.NewReader(rows)), report.Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, b := range r.Charts[0].Bars {
		got = append(got, fmt.Sprintf("%s %d %v", b.Label, b.Count, b.Good))
	}
	for _, l := range labels {
		n, good := 0, l == labels[0] || l == "label-39-xxxxxxxxxx"
		if l == labels[0] || l == labels[1] || l == "label-39-xxxxxxxxxx" {
			n = 1
		}
		want = append(want, fmt.Sprintf("%s %d %v", l, n, good))
	}
	want = append(want, "invalid 0 false", "failed 0 false")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("bars:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
