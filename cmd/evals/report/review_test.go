package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/cmd/evals/report"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// Rows found in one run only are listed apart in both formats, capped like the other lists and
// with their count, never dropped; the column judged as the output is shown as the output.
func TestReportListsRowsOnlyInOneRunAndTheEvaluatedColumn(t *testing.T) {
	e := newEnv(t)
	base := e.run(t, []string{
		row("k1", "q1", "a1", "good"), row("gone1", "q5", "a5", "good"), row("k2", "q2", "a2", "good"), row("gone2", "q6", "a6", "bad"),
	}, nil)
	next := e.run(t, []string{
		row("k1", "q1", "a1", "bad"), row("k2", "q2", "a2", "good"), row("fresh1", "q7", hostileImg, "good"),
	}, nil)
	r, err := report.Build(context.Background(), e.client, next, base, report.Options{MaxRows: 1, Now: fixed}, decide.WithKey("id"))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Comparison
	if len(c.OnlyBase) != 1 || c.OnlyBase[0].Key != "gone1" || c.OnlyBase[0].BaseVerdict != "pass (good)" || c.OnlyBase[0].Verdict != "-" ||
		len(c.OnlyNew) != 1 || c.OnlyNew[0].Key != "fresh1" || c.OnlyNew[0].BaseVerdict != "-" || c.OnlyNew[0].Verdict != "pass (good)" {
		t.Fatalf("only base %+v, only new %+v", c.OnlyBase, c.OnlyNew)
	}
	// model_to_evaluate is the column "answer": it is the row's output, not one of its inputs.
	got := c.OnlyNew[0]
	if len(got.Outputs) != 1 || got.Outputs[0] != (report.Field{Name: "answer (evaluated)", Value: hostileImg}) {
		t.Errorf("outputs = %+v", got.Outputs)
	}
	for _, f := range got.Inputs {
		if f.Name == "answer" {
			t.Errorf("the evaluated column is listed as an input too: %+v", got.Inputs)
		}
	}

	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Regressed rows (1)", "Rows only in the baseline (2, the first 1 listed)", "Rows only in this run (1)",
		">gone1<", ">fresh1<", "<dt>answer (evaluated)</dt>", "&#34;&gt;&lt;img src=x onerror=",
	} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page.String(), "<img") {
		t.Error("a row's markup reached the page")
	}

	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Evaluation " + next.ID + "\n", "A classify job, completed.",
		"### Rows only in the baseline (2)", "| gone1 | pass (good) | - | id: gone1; question: q5; \\_\\_judge: good; answer (evaluated): a5 | baseline: ",
		"### Rows only in this run (1)", "| fresh1 | - | pass (good) |",
		"1 rows are not listed: this summary lists at most 1 rows of each kind and stays under 60 KB",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md.String())
		}
	}
}
