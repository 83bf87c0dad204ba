package main

import (
	"strings"
	"testing"
)

// runScore creates a score job (0 to 10, passing at 5) on rows whose __judge column forces each
// score, waits for it and returns its id.
func runScore(t *testing.T, c *cli, rows string) string {
	t.Helper()
	return createdID(t, c.mustRun(0, "create", "score", "--judge-model", "judge/model",
		"--judge-template", "Rate the answer to {{question}} ({{id}}).",
		"--min-score", "0", "--max-score", "10", "--threshold", "5", "--model-column", "answer",
		"--input-file-id", uploadRows(t, c, rows), "--wait"))
}

// Comparing a classify job with a score job is a mistake in what was asked (exit 2), said once on
// stderr: in table and JSON output alike, nothing is printed on stdout.
func TestDiffOfJobsOfDifferentTypesIsAUsageError(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	classify := runClassify(t, c, keyedRows("q1=good", "q2=bad"))
	score := runScore(t, c, keyedRows("q1=7", "q2=3"))
	want := "evals: the two runs are jobs of different types: job " + classify + " is a classify job and job " + score + " a score job; diff compares jobs of one type\n"
	for _, output := range []string{"table", "json"} {
		r := c.mustRun(2, "diff", classify, score, "--key", "id", "-o", output)
		if !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "different types") != 1 || r.stdout != "" {
			t.Errorf("-o %s:\n%s", output, r)
		}
	}
	r := c.mustRun(2, "report", score, "--baseline", classify, "--out", "-", "--format", "markdown")
	if !strings.HasPrefix(r.stderr, "evals: --baseline: job "+classify+" is a classify job and job "+score+" a score job; a report compares jobs of one type\n") || r.stdout != "" {
		t.Errorf("report --baseline:\n%s", r)
	}
}

// Too many arguments to gate or diff is said in the command's words, not the library's
// ("accepts at most 1 arg(s), received 2").
func TestGateAndDiffSayTooManyArgumentsInTheirWords(t *testing.T) {
	c := newCLI(t, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gate", "a", "b", "--min-pass", "50"}, "evals: takes at most 1 argument(s) (ID), got 2\n"},
		{[]string{"diff", "a", "b", "c"}, "evals: takes at most 2 argument(s) (BASE_ID NEW_ID), got 3\n"},
	} {
		r := c.mustRun(2, tc.args...)
		if !strings.HasPrefix(r.stderr, tc.want) || strings.Contains(r.stderr, "arg(s)") {
			t.Errorf("%v:\n%s", tc.args, r)
		}
	}
}

// A compare job's outputs are input columns: the report shows which is model A's and which
// model B's, once, with the outputs rather than among the inputs.
func TestReportOfACompareJobShowsTheJudgedColumns(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	file := uploadRows(t, c, `{"id": "c1", "q": "Q?", "a": "out A", "b": "out B", "__judge": "B"}`+"\n"+
		`{"id": "c2", "q": "Q2?", "a": "A2", "b": "B2", "__judge": "invalid"}`+"\n")
	id := createdID(t, c.mustRun(0, "create", "compare", "--judge-model", "judge/model",
		"--judge-template", "Which answers {{q}} ({{id}}) better?", "--model-a-column", "a", "--model-b-column", "b",
		"--input-file-id", file, "--wait"))
	r := c.mustRun(0, "report", id, "--format", "markdown", "--out", "-")
	if !strings.Contains(r.stdout, "| 2 | invalid | id: c2; q: Q2?; \\_\\_judge: invalid; a (model A): A2; b (model B): B2 |") {
		t.Errorf("%s", r.stdout)
	}
	r = c.mustRun(0, "report", id, "--format", "html", "--out", "-")
	if strings.Count(r.stdout, "<dt>a (model A)</dt><dd>out A</dd>") != 1 || strings.Contains(r.stdout, "<dt>a</dt>") {
		t.Errorf("%s", r.stdout)
	}
}
