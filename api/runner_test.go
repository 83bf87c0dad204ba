package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

// bounded is a context for waiting on the runner in a test: long enough never to matter on a
// loaded machine, short enough that a bug ends the test rather than hangs it.
func bounded(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// progressOf returns the job's last status update if it is a progress update.
func progressOf(j generated.EvaluationJob) string {
	h := history(j)
	if len(h) == 0 || !strings.HasPrefix(h[len(h)-1].message, "Judged ") {
		return ""
	}
	return h[len(h)-1].message
}

// TestRunnerHonoursNumWorkers: a job's rows are with the judge at most num_workers at once, the
// job shows its progress while it runs, and it ends once its rows are judged.
func TestRunnerHonoursNumWorkers(t *testing.T) {
	gate := api.NewGateJudge()
	e := newEnv(t, gate.Option())
	e.noWait = true
	f := e.upload(rows(20, twoColumns))
	req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"].(map[string]any)["num_workers"] = 3
	id := e.create(req)
	if err := gate.WaitInFlight(bounded(t), 3); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(lifetime + time.Hour)
	j := e.job(id)
	if j.Status != generated.EvaluationStatusRunning || progressOf(j) != "Judged 0 of 20 rows" || j.Results != nil {
		t.Fatalf("a job whose rows are with the judge: %s %q %+v", j.Status, progressOf(j), j.Results)
	}
	gate.Release(20)
	if err := e.srv.WaitIdle(bounded(t)); err != nil {
		t.Fatal(err)
	}
	j = e.job(id)
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}
	if got := gate.Most(); got != 3 {
		t.Errorf("%d rows with the judge at once, want 3 (num_workers)", got)
	}
	// The job ended after its phases: it is shown ended when the runner ended it.
	last := history(j)[len(history(j))-1]
	if last.status != "completed" || last.at.Before(start.Add(lifetime)) {
		t.Errorf("last update %+v", last)
	}
}

// TestRunnerCapsJobsAndRowsAcrossJobs: with room for two jobs and four rows, a third job waits,
// queued, and no more than four rows are with the judge across jobs.
func TestRunnerCapsJobsAndRowsAcrossJobs(t *testing.T) {
	gate := api.NewGateJudge()
	e := newEnv(t, gate.Option(), api.WithRunnerLimits(2, 4))
	e.noWait = true
	f := e.upload(rows(10, twoColumns))
	var ids []string
	for range 3 {
		ids = append(ids, e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})))
	}
	if err := gate.WaitInFlight(bounded(t), 4); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(lifetime)
	waiting := 0
	for _, id := range ids {
		if j := e.job(id); j.Status == generated.EvaluationStatusQueued {
			waiting++
		}
	}
	if waiting != 1 {
		t.Errorf("%d jobs queued behind the two in flight, want 1", waiting)
	}
	gate.Release(30)
	if err := e.srv.WaitIdle(bounded(t)); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if j := e.job(id); j.Status != generated.EvaluationStatusCompleted {
			t.Errorf("%s: %s", id, j.Status)
		}
	}
	if got := gate.Most(); got != 4 {
		t.Errorf("%d rows with the judge at once, want 4", got)
	}
}

// TestCloseCancelsTheJudge: closing the server cancels the judge's calls in flight and returns.
func TestCloseCancelsTheJudge(t *testing.T) {
	gate := api.NewGateJudge()
	e := newEnv(t, gate.Option())
	e.noWait = true
	f := e.upload(rows(5, twoColumns))
	e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	if err := gate.WaitInFlight(bounded(t), 5); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gate.Cancelled(); got != 5 {
		t.Errorf("%d calls cancelled, want 5", got)
	}
}

// TestResultRowsKeepInputOrder: rows judged out of order are written in input order.
func TestResultRowsKeepInputOrder(t *testing.T) {
	e := newEnv(t, api.WithJitterJudge(3*time.Millisecond))
	f := e.upload(rows(60, `{"prompt": "q%d", "response": "r", "__judge": "yes"}`))
	j := e.finished(e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})))
	for i, r := range e.resultRows(j) {
		if p, _ := r.str("prompt"); p != fmt.Sprint("q", i) {
			t.Fatalf("result row %d is input row %q", i, p)
		}
	}
}

// TestMoreThan30PercentFailedRowsFailTheJob: 3 failed rows of 10 complete the job; 4 end it in
// error with a reason that counts them and quotes the first failure.
func TestMoreThan30PercentFailedRowsFailTheJob(t *testing.T) {
	e := newEnv(t)
	run := func(failed int) generated.EvaluationJob {
		var b strings.Builder
		for i := range 10 {
			v := "yes"
			if i < failed {
				v = []string{"judge_fail", "generation_fail"}[i%2]
			}
			line, _ := json.Marshal(map[string]any{"prompt": fmt.Sprint("q", i), "response": "r", "__judge": v})
			b.Write(line)
			b.WriteByte('\n')
		}
		f := e.upload(b.String())
		return e.finished(e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})))
	}
	if j := run(3); j.Status != generated.EvaluationStatusCompleted {
		t.Errorf("3 of 10 failed: %s %+v", j.Status, j.Results)
	}
	wantFailed(t, run(4), generated.EvaluationStatusError,
		"4 of 10 rows failed (more than 30%); the first: judge failed: the stand-in judge simulated a failed call to openai/gpt-oss-120b")
}
