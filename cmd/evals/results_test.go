package main

import (
	"strings"
	"testing"
)

// TestResultsDecision checks --decision for each outcome, --failed as its alias, and the refusals,
// on rows whose verdicts are forced (see package api).
func TestResultsDecision(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	id := runClassify(t, c, keyedRows("a=good", "b=bad", "c=invalid", "d=judge_fail", "e=good"))
	lines := func(r result) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
			out = append(out, strings.Fields(l)[0])
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		want string // the lines shown
	}{
		{nil, "1 2 3 4 5"},
		{[]string{"--decision", "pass"}, "1 5"},
		{[]string{"--decision", "fail"}, "2"},
		{[]string{"--decision", "FAIL"}, "2"},
		{[]string{"--decision", "invalid"}, "3"},
		{[]string{"--decision", "failed"}, "4"},
		{[]string{"--decision", "fail,failed"}, "2 4"},
		{[]string{"--failed"}, "3 4"},
	} {
		r := c.mustRun(0, append([]string{"results", id}, tc.args...)...)
		if got := strings.Join(lines(r), " "); got != tc.want {
			t.Errorf("results %v: lines %q, want %q\n%s", tc.args, got, tc.want, r)
		}
	}
	r := c.mustRun(0, "results", id, "--decision", "fail")
	if want := "1 of 5 rows shown (--decision fail).\n" +
		"5 rows: 4 succeeded, 1 failed (generation 0, judge 1, other 0), 1 invalid judge answers; decisions: pass 2, fail 1, none 2.\n" +
		"The rows agree with the job's results.\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--decision", "maybe"}, `evals: --decision: "maybe" is not one of pass, fail, A, B, Tie, invalid, failed`},
		{[]string{"--decision", "pass,,"}, `evals: --decision: item 2 is empty: write --decision pass,fail`},
		{[]string{"--columns", "question,"}, `evals: --columns: item 2 is empty: write --columns question,answer`},
		{[]string{"--decision", "A"}, "evals: --decision: A is not an outcome of a classify job (use pass, fail, invalid, failed)"},
		{[]string{"--failed", "--decision", "pass"}, "evals: --failed: cannot be used with --decision: it is --decision failed,invalid"},
		{[]string{"--decision", "pass", "--decision", "fail"}, "evals: --decision: given twice: list every value in one --decision a,b,c"},
		{[]string{"--columns", "question,nope"}, `evals: --columns: the result rows have no column "nope" (their input columns: id, question, answer, __judge)`},
		{[]string{"--columns", "question", "-o", "json"}, "evals: --columns and --wide: only for the table; -o json prints every column in full"},
	} {
		r := c.mustRun(2, append([]string{"results", id}, tc.args...)...)
		if want := tc.want + "\nRun 'evals results --help' for usage.\n"; r.stderr != want || r.stdout != "" {
			t.Errorf("results %v: stdout %q, stderr\n%s\nwant\n%s", tc.args, r.stdout, r.stderr, want)
		}
	}
	help := c.mustRun(0, "results", "--help").stdout
	for _, want := range []string{"--decision strings", "--failed", "the same as --decision failed,invalid", "not the rows judged fail", "--columns strings", "--wide"} {
		if !strings.Contains(help, want) {
			t.Errorf("results --help lacks %q", want)
		}
	}
}

// TestResultsColumnsAndWide checks that --columns shows input columns, cut to fit, and that
// --wide shows them and the feedback in full.
func TestResultsColumnsAndWide(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	long := strings.Repeat("long question ", 8)
	id := runClassify(t, c, `{"id": "a", "question": "`+long+`", "answer": "Answer a", "__judge": "good"}`+"\n"+keyedRows("b=bad"))
	r := c.mustRun(0, "results", id, "--columns", "question,answer")
	want := "LINE   QUESTION                  ANSWER                    LABEL      DECISION  FEEDBACK / ERROR\n" +
		"1      long question long ques…  Answer a                  good       pass      Stand-in judge: the row fits the label \"good\".\n" +
		"2      Question b?               Answer b                  bad        fail      Stand-in judge: the row fits the label \"bad\".\n"
	if r.stdout != want {
		t.Errorf("stdout\n%s\nwant\n%s", r.stdout, want)
	}
	r = c.mustRun(0, "results", id, "--columns", "question", "--wide")
	if !strings.Contains(r.stdout, "1      "+long+"  good ") {
		t.Errorf("--wide does not show the question in full:\n%s", r.stdout)
	}

	// Long feedback: cut in the table, in full with --wide.
	id = runClassify(t, c, keyedRows("c=invalid"))
	cutNote := c.mustRun(0, "results", id).stdout
	full := c.mustRun(0, "results", id, "--wide").stdout
	if !strings.HasSuffix(cutNote, "…\n") || strings.Contains(full, "…") || len(full) <= len(cutNote) {
		t.Errorf("feedback: cut\n%s\n--wide\n%s", cutNote, full)
	}
}

// TestCheckReadsStandardInput checks that `evals check -` reads the rows from standard input, and
// names it "stdin" in problems.
func TestCheckReadsStandardInput(t *testing.T) {
	c := newCLI(t, "")
	delete(c.env, "TOGETHER_API_KEY")
	stdin := qaData
	c.setup = func(a *app) { a.stdin = strings.NewReader(stdin) }
	r := c.mustRun(0, "check", "-", "--judge-template", "Is {{question}} answered?", "--model-column", "answer")
	if !strings.Contains(r.stdout, "stdin") || !strings.Contains(r.stdout, "6 (") || !strings.Contains(r.stdout, "whole pre-flight passed") {
		t.Errorf("check - did not read the rows from standard input:\n%s", r)
	}
	stdin = "{\"question\": \"q\"}\nnot json\n"
	r = c.mustRun(2, "check", "-")
	if want := "evals: stdin:2: invalid JSON at column 2"; !strings.HasPrefix(r.stderr, want) || strings.Contains(r.stderr, "uploaded") {
		t.Errorf("stderr\n%s\nwant it to start with\n%s (and say nothing of an upload)", r.stderr, want)
	}
}
