package decide_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

func f(v float64) *float64 { return &v }

func checksByName(t *testing.T, g *decide.GateResult) map[string]decide.Check {
	t.Helper()
	m := map[string]decide.Check{}
	for _, c := range g.Checks {
		m[c.Name] = c
	}
	return m
}

func TestGateClassifyAtEachBoundary(t *testing.T) {
	e := newEnv(t)
	// 20 rows: 12 good, 3 bad (pass 12/15 = 80%), 2 invalid (10%), 2 judge failures (10%),
	// 1 generation failure (5%).
	verdicts := append(append(append(append(repeat("good", 12), repeat("bad", 3)...), repeat("invalid", 2)...),
		repeat("judge_fail", 2)...), "generation_fail")
	job := e.run(t, classifyReq(e.upload(t, rowsWith("", verdicts...)...)))
	ctx := context.Background()

	at := decide.Thresholds{MinPass: f(80), MaxInvalid: f(10), MaxJudgeFailures: f(10), MaxGenerationFailures: f(5)}
	g, err := decide.Gate(ctx, e.client, job, at)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Held() {
		t.Fatalf("every figure is exactly at its threshold and must hold: %+v", g.Checks)
	}
	got := checksByName(t, g)
	for name, want := range map[string]float64{decide.MinPass: 80, decide.MaxInvalid: 10, decide.MaxJudgeFailures: 10, decide.MaxGenerationFailures: 5} {
		if c := got[name]; !c.Measured || c.Figure != want || !c.Held {
			t.Errorf("%s: %+v, want figure %g held", name, c, want)
		}
	}
	if d := got[decide.MaxInvalid].Detail; d != "2 of 20 rows" {
		t.Errorf("detail = %q", d)
	}

	past := decide.Thresholds{MinPass: f(80.01), MaxInvalid: f(9.99), MaxJudgeFailures: f(9.99), MaxGenerationFailures: f(4.99)}
	g, err = decide.Gate(ctx, e.client, job, past)
	if err != nil {
		t.Fatal(err)
	}
	if g.Held() || len(g.Missed()) != 4 {
		t.Fatalf("every threshold is just past its figure and must be missed: %+v", g.Checks)
	}
}

func TestGateScoreCountsRowsInTheResultFile(t *testing.T) {
	e := newEnv(t)
	// Scores 7, 9, 6, 10 and one invalid answer: pass 3/4 = 75%, mean 8, invalid 1/5 = 20%.
	job := e.run(t, scoreReq(e.upload(t, rowsWith("", "7", "9", "6", "10", "invalid")...)))
	ctx := context.Background()
	g, err := decide.Gate(ctx, e.client, job, decide.Thresholds{MinPass: f(75), MinMean: f(8), MaxInvalid: f(20)})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Held() {
		t.Fatalf("at the boundaries: %+v", g.Checks)
	}
	if c := checksByName(t, g)[decide.MaxInvalid]; c.Figure != 20 || c.Detail != "1 of 5 rows" {
		t.Errorf("invalid share: %+v", c)
	}
	g, err = decide.Gate(ctx, e.client, job, decide.Thresholds{MinMean: f(8.001)})
	if err != nil {
		t.Fatal(err)
	}
	if g.Held() || g.Checks[0].Figure != 8 {
		t.Fatalf("a mean of 8 misses 8.001: %+v", g.Checks)
	}
}

func TestGateCompareWinRate(t *testing.T) {
	e := newEnv(t)
	// B wins 3 of A, B, B, Tie, B (60%); a judge failure is not a verdict.
	job := e.run(t, compareReq(e.upload(t, rowsWith(`, "answer_b": "Other"`, "A", "B", "B", "Tie", "B", "judge_fail")...)))
	ctx := context.Background()
	g, err := decide.Gate(ctx, e.client, job, decide.Thresholds{MinWinRate: f(60), MaxJudgeFailures: f(100.0 / 6)})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Held() {
		t.Fatalf("%+v", g.Checks)
	}
	if c := checksByName(t, g)[decide.MinWinRate]; c.Figure != 60 || c.Detail != "3 of 5 verdicts" {
		t.Errorf("win rate: %+v", c)
	}
	g, err = decide.Gate(ctx, e.client, job, decide.Thresholds{MinWinRate: f(60.5)})
	if err != nil || g.Held() {
		t.Fatalf("60%% misses 60.5: %+v, %v", g, err)
	}
}

func TestGateRefusesAThresholdOfAnotherType(t *testing.T) {
	e := newEnv(t)
	job := e.run(t, classifyReq(e.upload(t, rowsWith("", "good")...)))
	_, err := decide.Gate(context.Background(), e.client, job, decide.Thresholds{MinMean: f(3)})
	if !errors.Is(err, decide.ErrNotApplicable) {
		t.Fatalf("err = %v", err)
	}
	if want := "--min-mean applies to score jobs, and this is a classify job"; !contains(err.Error(), want) {
		t.Errorf("err = %q, want it to say %q", err, want)
	}
}

func TestGateFailedJob(t *testing.T) {
	e := newEnv(t)
	req := classifyReq(e.upload(t, rowsWith("", "good")...))
	req.Judge.Model = "fail/judge"
	ctx := context.Background()
	created, err := e.client.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, err = e.client.Wait(ctx, created.ID, wrappers.WaitOptions{FirstInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Timeout: 20 * time.Second})
	var failed *wrappers.JobFailedError
	if !errors.As(err, &failed) || failed.Job == nil {
		t.Fatalf("wait: %v", err)
	}
	job := failed.Job
	if _, err := decide.Gate(ctx, e.client, job, decide.Thresholds{MinPass: f(1)}); !errors.Is(err, wrappers.ErrJobFailed) {
		t.Fatalf("err = %v, want a failed job", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestGateRowsOfAFileOnDisk(t *testing.T) {
	rows := `{"id": "a", "success": true, "label": "good", "final_decision": "pass"}
{"id": "b", "success": true, "label": "good", "final_decision": "pass"}
{"id": "c", "success": true, "label": "good", "final_decision": "pass"}
{"id": "d", "success": true, "label": "good", "final_decision": "pass"}
{"id": "e", "success": true, "label": "bad", "final_decision": "fail"}
{"id": "f", "success": true, "is_invalid_judge_output": true, "label": null, "final_decision": null}
`
	path := writeFile(t, rows)
	g, err := decide.GateRows(context.Background(), decide.File(path), "", decide.Thresholds{MinPass: f(80), MaxInvalid: f(100.0 / 6)})
	if err != nil {
		t.Fatal(err)
	}
	if g.Type != wrappers.TypeClassify || !g.Held() || g.Checks[0].Figure != 80 {
		t.Fatalf("%+v", g)
	}
	if _, err := decide.GateRows(context.Background(), decide.File(path), "", decide.Thresholds{MinMean: f(1)}); !errors.Is(err, decide.ErrNotApplicable) {
		t.Errorf("err = %v", err)
	}
	if _, err := decide.GateRows(context.Background(), decide.File(writeFile(t, "")), "", decide.Thresholds{MinPass: f(1)}); err == nil || !strings.Contains(err.Error(), "has no rows") {
		t.Errorf("empty file: %v", err)
	}
}
