package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/cmd/evals/report"
)

// Tests of gate, diff and create --wait with thresholds, on the in-memory API: input rows force
// their verdicts with the __judge column (see package api), so the figures are known exactly.

// keyedRows builds input rows with an id and a forced verdict each: "q1=good", "q2=invalid".
func keyedRows(specs ...string) string {
	var b strings.Builder
	for _, s := range specs {
		id, verdict, _ := strings.Cut(s, "=")
		fmt.Fprintf(&b, `{"id": %q, "question": "Question %s?", "answer": "Answer %s", "__judge": %q}`+"\n", id, id, id, verdict)
	}
	return b.String()
}

// classifyJobArgs creates a classify job on an uploaded file and waits for it.
func classifyJobArgs(fileID string, more ...string) []string {
	return append([]string{
		"create", "classify", "--judge-model", "judge/model",
		"--judge-template", "Judge the answer to {{question}} ({{id}}).",
		"--labels", "good,bad", "--pass-labels", "good", "--model-column", "answer",
		"--input-file-id", fileID, "--wait",
	}, more...)
}

// uploadRows uploads rows with `evals files upload` (which checks their structure only: __judge
// is used by no template) and returns the file's id.
func uploadRows(t *testing.T, c *cli, rows string) string {
	t.Helper()
	return strings.TrimSpace(c.mustRun(0, "files", "upload", writeFile(t, "rows.jsonl", rows)).stdout)
}

// runClassify creates a classify job on rows, waits for it and returns its id.
func runClassify(t *testing.T, c *cli, rows string) string {
	t.Helper()
	return createdID(t, c.mustRun(0, classifyJobArgs(uploadRows(t, c, rows))...))
}

func TestGateHoldsAtTheBoundaryAndExitsFiveWhenMissed(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	// 8 good of 10 labeled rows: 80%; 1 invalid of 11 rows.
	id := runClassify(t, c, keyedRows("a=good", "b=good", "c=good", "d=good", "e=good", "f=good", "g=good", "h=good", "i=bad", "j=bad", "k=invalid"))

	for _, v := range []string{"80", "80%", " 80 %"} {
		r := c.mustRun(0, "gate", id, "--min-pass", v)
		if !strings.Contains(r.stdout, "--min-pass") || !strings.Contains(r.stdout, "≥ 80%") || !strings.Contains(r.stdout, "held") || !strings.Contains(r.stdout, "Every threshold held.") {
			t.Errorf("--min-pass %q:\n%s", v, r)
		}
	}
	r := c.mustRun(5, "gate", id, "--min-pass", "80.5", "--max-invalid", "10")
	if !strings.Contains(r.stdout, "MISSED") || !strings.Contains(r.stdout, "1 of 11 rows") {
		t.Errorf("table:\n%s", r)
	}
	if want := "missed 1 of 2 thresholds: --min-pass ≥ 80.5%"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r)
	}

	r = c.mustRun(5, "gate", id, "--min-pass", "80", "--max-invalid", "9", "-o", "json")
	var g struct {
		JobID  string `json:"job_id"`
		Held   bool   `json:"held"`
		Checks []struct {
			Threshold string   `json:"threshold"`
			Kind      string   `json:"kind"`
			Limit     float64  `json:"limit"`
			Figure    *float64 `json:"figure"`
			Held      bool     `json:"held"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if g.JobID != id || g.Held || len(g.Checks) != 2 || g.Checks[0].Threshold != "min-pass" || *g.Checks[0].Figure != 80 || !g.Checks[0].Held ||
		g.Checks[1].Kind != "max" || g.Checks[1].Held || *g.Checks[1].Figure != 100.0/11 {
		t.Errorf("json = %+v", g)
	}
}

func TestGateUsageErrors(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	id := runClassify(t, c, keyedRows("a=good"))
	before := srv.totalRequests()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gate", id}, "give at least one threshold: --min-pass"},
		{[]string{"gate", id, "--min-pass", "eighty"}, `--min-pass: must be a percentage such as 80 or 80%, got "eighty"`},
		{[]string{"gate", id, "--max-invalid", "120"}, "--max-invalid: must be between 0 and 100, got 120"},
		{[]string{"gate", id, "--min-mean", "x"}, `--min-mean: must be a number such as 7.5, got "x"`},
	} {
		r := c.mustRun(2, tc.args...)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.want, r)
		}
	}
	if n := srv.totalRequests(); n != before {
		t.Errorf("%d requests sent for bad flags", n-before)
	}
	r := c.mustRun(2, "gate", id, "--min-mean", "3")
	if !strings.Contains(r.stderr, "--min-mean applies to score jobs, and this is a classify job") {
		t.Errorf("stderr:\n%s", r)
	}
}

func TestCreateWaitWithThresholds(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	input := uploadRows(t, c, keyedRows("a=good", "b=good", "c=good", "d=bad"))
	r := c.mustRun(5, classifyJobArgs(input, "--min-pass", "80")...)
	if !strings.Contains(r.stdout, "Status:") || !strings.Contains(r.stdout, "MISSED") || !strings.Contains(r.stdout, "75%") {
		t.Errorf("the job, then the gate:\n%s", r)
	}
	r = c.mustRun(0, classifyJobArgs(input, "--min-pass", "75")...)
	if !strings.Contains(r.stdout, "Every threshold held.") {
		t.Errorf("%s", r)
	}
	// -o json keeps stdout one JSON document; the checks go to stderr.
	r = c.mustRun(5, classifyJobArgs(input, "--min-pass", "76", "-o", "json")...)
	var job map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &job); err != nil || !strings.Contains(r.stderr, "MISSED") {
		t.Errorf("%v\n%s", err, r)
	}

	before := srv.totalRequests()
	args := classifyJobArgs(input, "--min-mean", "3")
	r = c.mustRun(2, args...)
	if !strings.Contains(r.stderr, "--min-mean: applies to score jobs, and this creates a classify job") {
		t.Errorf("%s", r)
	}
	noWait := classifyJobArgs(input, "--min-pass", "50")
	noWait = append(noWait[:len(noWait)-3], noWait[len(noWait)-2:]...) // drop --wait
	r = c.mustRun(2, noWait...)
	if !strings.Contains(r.stderr, "--min-pass: only applies with --wait") {
		t.Errorf("%s", r)
	}
	if n := srv.totalRequests(); n != before {
		t.Errorf("%d requests sent before the flags were refused", n-before)
	}
}

// diffRuns are two classify runs keyed by id: q1 good->bad, q5 good->judge failure and the
// first dup good->bad regressed; q3 bad->good and q4 invalid->bad improved; q2, q6 and the second
// dup stayed; q7 only in base, q8 only in new.
func diffRuns(t *testing.T, c *cli) (base, next string) {
	t.Helper()
	base = runClassify(t, c, keyedRows("q1=good", "q2=good", "dup=good", "q3=bad", "q4=invalid", "q5=good", "q6=bad", "dup=bad", "q7=good"))
	next = runClassify(t, c, keyedRows("q8=good", "q6=bad", "q5=judge_fail", "dup=bad", "q4=bad", "q3=good", "dup=bad", "q2=good", "q1=<script>alert(1)</script>"))
	return base, next
}

func TestDiffTableAndExitCodes(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	base, next := diffRuns(t, c)

	r := c.mustRun(0, "diff", base, next, "--key", "id")
	for _, want := range []string{
		"Rows paired by key columns id: 8 paired, 1 only in base, 1 only in new.",
		"pass rate", "50%", "25%", "~", "p=0.625 n=8, too small to tell",
		"Rows: 3 regressed, 2 improved, 3 unchanged, 1 only in base, 1 only in new.",
		"Regressed (3):", "q5  pass (good) -> judge failed", "dup  pass (good) -> fail (bad)",
		"question: Question q5?", "__judge: judge_fail  (base: good)", "base feedback:", "new error: judge failed",
		"Only in base (1):", "q7", "Only in new (1):", "q8",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	// q1's new verdict is invalid (its forced verdict is not a label): pass to invalid regressed.
	if i, j := strings.Index(r.stdout, "Regressed"), strings.Index(r.stdout, "Improved"); i < 0 || j < i {
		t.Errorf("regressed rows come first:\n%s", r.stdout)
	}

	c.mustRun(5, "diff", base, next, "--key", "id", "--max-regressions", "2")
	c.mustRun(0, "diff", base, next, "--key", "id", "--max-regressions", "3")
	c.mustRun(0, "diff", base, next, "--key", "id", "--fail-on-regression")
	r = c.mustRun(0, "diff", base, next, "--key", "id", "--limit", "1")
	if !strings.Contains(r.stdout, "Regressed (3, first 1 shown") {
		t.Errorf("--limit 1:\n%s", r.stdout)
	}
	// Without --key rows pair by their input fields, forced verdicts included: q2, q6 and one dup
	// have the same in both runs.
	r = c.mustRun(0, "diff", base, next)
	if !strings.Contains(r.stdout, "Rows paired by input fields: 3 paired, 6 only in base, 6 only in new.") || strings.Contains(r.stderr, "--key") {
		t.Errorf("by input fields:\n%s", r)
	}
	// When no row pairs, a hint names --key.
	other := runClassify(t, c, keyedRows("z=good"))
	r = c.mustRun(0, "diff", base, other)
	if !strings.Contains(r.stderr, "with --key") || !strings.Contains(r.stdout, "0 paired, 9 only in base, 1 only in new") {
		t.Errorf("no pairing:\n%s", r)
	}
}

func TestDiffJSONShape(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	base, next := diffRuns(t, c)
	r := c.mustRun(0, "diff", base, next, "--key", "id", "-o", "json")
	var out struct {
		Summary map[string]any `json:"summary"`
		Rows    []struct {
			Key    map[string]any  `json:"key"`
			Base   *map[string]any `json:"base"`
			New    *map[string]any `json:"new"`
			Change string          `json:"change"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	s := out.Summary
	for k, want := range map[string]float64{"regressed": 3, "improved": 2, "unchanged": 3, "only_base": 1, "only_new": 1, "p_value": 0.625, "delta": -25} {
		if got, ok := s[k].(float64); !ok || got != want {
			t.Errorf("summary.%s = %v, want %v", k, s[k], want)
		}
	}
	lo, _ := s["ci_low"].(float64)
	hi, _ := s["ci_high"].(float64)
	if !(lo < -25 && -25 < hi) {
		t.Errorf("interval [%v, %v]", s["ci_low"], s["ci_high"])
	}
	if len(out.Rows) != 10 {
		t.Fatalf("%d rows, want 10 (8 paired, 1 only in each run)", len(out.Rows))
	}
	changes := map[string]int{}
	for _, row := range out.Rows {
		changes[row.Change]++
		if row.Key["id"] == nil {
			t.Errorf("row without its key: %+v", row)
		}
		if (row.Base == nil) != (row.Change == "only_new") || (row.New == nil) != (row.Change == "only_base") {
			t.Errorf("row %v: base %v new %v", row.Change, row.Base, row.New)
		}
	}
	if changes["regressed"] != 3 || changes["improved"] != 2 || changes["unchanged"] != 3 || changes["only_base"] != 1 || changes["only_new"] != 1 {
		t.Errorf("changes = %v", changes)
	}
	last := out.Rows[len(out.Rows)-1]
	if last.Change != "only_base" || last.Key["id"] != "q7" || (*last.Base)["verdict"] != "pass (good)" {
		t.Errorf("last row = %+v", last)
	}
}

func TestDiffResultFilesOnDisk(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	base, next := diffRuns(t, c)
	baseFile := writeFile(t, "base.jsonl", c.mustRun(0, "results", base, "-o", "json").stdout)
	newFile := writeFile(t, "new.jsonl", c.mustRun(0, "results", next, "-o", "json").stdout)
	offline := newCLI(t, "")
	delete(offline.env, "TOGETHER_API_KEY")
	r := offline.mustRun(5, "diff", "--base-file", baseFile, "--new-file", newFile, "--key", "id", "--max-regressions", "0")
	if !strings.Contains(r.stdout, "Rows: 3 regressed, 2 improved") || !strings.Contains(r.stderr, "3 rows regressed, more than --max-regressions 0") {
		t.Errorf("%s", r)
	}
	r = c.mustRun(0, "diff", base, "--new-file", newFile, "--key", "id")
	if !strings.Contains(r.stdout, "Rows: 3 regressed, 2 improved") {
		t.Errorf("a job against a file:\n%s", r)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", "--base-file", baseFile}, "give two runs"},
		{[]string{"diff", "--base-file", baseFile, "--new-file", newFile, "--alpha", "2"}, "--alpha: must be between 0 and 1"},
		{[]string{"diff", "--base-file", baseFile, "--new-file", newFile, "--key", ","}, "--key: a column name is empty"},
		{[]string{"diff", "--base-file", baseFile, "--new-file", newFile, "--type", "rank"}, `--type: must be classify, score or compare, got "rank"`},
	} {
		r := offline.mustRun(2, tc.args...)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.want, r)
		}
	}
	// A key column the rows lack is a usage error too, said in the flag's words.
	r = offline.mustRun(2, "diff", "--base-file", baseFile, "--new-file", newFile, "--key", "nope")
	if !strings.HasPrefix(r.stderr, `evals: --key: the base run's row at line 1 has no column "nope" (its input columns: `) {
		t.Errorf("%s", r)
	}
}

func TestDiffSignificantDropExitsFive(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	var good, half []string
	for i := range 20 {
		good = append(good, fmt.Sprintf("r%d=good", i))
		v := "good"
		if i < 10 {
			v = "bad"
		}
		half = append(half, fmt.Sprintf("r%d=%s", i, v))
	}
	base, next := runClassify(t, c, keyedRows(good...)), runClassify(t, c, keyedRows(half...))
	r := c.mustRun(5, "diff", base, next, "--key", "id", "--fail-on-regression")
	if !strings.Contains(r.stdout, "-50 points [") || !strings.Contains(r.stdout, "p=0.00195 n=20") {
		t.Errorf("a significant change is shown with its interval and test:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "the pass rate dropped by 50 points, significant at 0.05 (p=0.00195)") {
		t.Errorf("%s", r.stderr)
	}
	c.mustRun(0, "diff", base, next, "--key", "id", "--fail-on-regression", "--alpha", "0.001")
}

func TestReportWritesHTMLAndMarkdown(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	base, next := diffRuns(t, c)
	out := filepath.Join(t.TempDir(), "report.html")
	r := c.mustRun(0, "report", next, "--baseline", base, "--key", "id", "--out", out)
	if !strings.Contains(r.stderr, "Wrote the html report of job "+next) {
		t.Errorf("%s", r)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "Compared with baseline " + base, "Regressed rows (3)", "&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(string(page), "<script>alert") {
		t.Error("a row's script reached the page unescaped")
	}
	r = c.mustRun(0, "report", next, "--baseline", base, "--key", "id", "--format", "markdown", "--out", "-")
	if !strings.HasPrefix(r.stdout, "## Evaluation "+next+"\n") || !strings.Contains(r.stdout, "### Regressed rows (3)") || strings.Contains(r.stdout, "<script>") {
		t.Errorf("markdown:\n%s", r.stdout)
	}
	md := filepath.Join(t.TempDir(), "summary.md")
	c.mustRun(0, "report", next, "--out", md)
	if b, err := os.ReadFile(md); err != nil || !strings.HasPrefix(string(b), "## Evaluation") {
		t.Errorf("the format follows the extension: %v %q", err, b)
	}
	before := srv.totalRequests()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", next}, "--out: is required"},
		{[]string{"report", next, "--out", "report.txt"}, `--format: is needed: "report.txt" has no .html or .md extension`},
		{[]string{"report", next, "--out", "r.html", "--format", "pdf"}, `--format: must be html or markdown, got "pdf"`},
		{[]string{"report", next, "--out", "r.html", "--key", "id"}, "--key: only applies with --baseline"},
	} {
		r := c.mustRun(2, tc.args...)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.want, r)
		}
	}
	if n := srv.totalRequests(); n != before {
		t.Errorf("%d requests sent for bad flags", n-before)
	}
}

// A row that holds the API key (a server that echoes it, a dataset that leaks it) never prints it:
// not in diff's table or JSON, not in a report, on stdout or in a file.
func TestDecideCommandsNeverPrintTheKey(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	var rows strings.Builder
	for i := range 300 {
		// Long rows, so that the JSON output spans more than one 64 KiB block.
		fmt.Fprintf(&rows, `{"id": "r%d", "question": %q, "answer": "a", "__judge": "good"}`+"\n", i, testKey+strings.Repeat(" padding", 40))
	}
	base := runClassify(t, c, rows.String())
	next := runClassify(t, c, strings.ReplaceAll(rows.String(), `"good"`, `"bad"`))
	out := filepath.Join(t.TempDir(), "report.html")
	md := filepath.Join(t.TempDir(), "report.md")
	for _, args := range [][]string{
		{"diff", base, next, "--key", "id"},
		{"diff", base, next, "--key", "id", "-o", "json"},
		{"report", next, "--baseline", base, "--key", "id", "--out", out},
		{"report", next, "--baseline", base, "--key", "id", "--out", md},
		{"report", next, "--format", "markdown", "--out", "-"},
	} {
		r := c.run(args...)
		if r.code != 0 {
			t.Fatalf("%v: %s", args, r)
		}
		if strings.Contains(r.stdout+r.stderr, testKey) || strings.Contains(r.stdout, report.EscapeMarkdown(testKey)) {
			t.Errorf("%v printed the key", args)
		}
	}
	for _, p := range []string{out, md} {
		b, err := os.ReadFile(p)
		if err != nil || strings.Contains(string(b), testKey) || strings.Contains(string(b), report.EscapeMarkdown(testKey)) || !strings.Contains(string(b), "REDACTED") {
			t.Errorf("%s: the key is not redacted (%v)", p, err)
		}
	}
}

func TestReportOfAFailedJobSaysWhy(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	args := classifyJobArgs(uploadRows(t, c, keyedRows("a=good")))
	args[3] = "fail/judge"
	id := createdID(t, c.mustRun(1, args...))
	out := filepath.Join(t.TempDir(), "failed.html")
	c.mustRun(0, "report", id, "--out", out)
	page, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(page), "The job failed") || !strings.Contains(string(page), "judge model fail/judge is not available") || strings.Contains(string(page), `id="rows"`) {
		t.Errorf("%v\n%s", err, page)
	}
	r := c.mustRun(0, "report", id, "--format", "markdown", "--out", "-")
	if !strings.Contains(r.stdout, "**The job failed:** judge model fail/judge is not available") {
		t.Errorf("%s", r.stdout)
	}
}
