package api_test

import (
	"net/http"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

// TestRestartServesEverythingAsItWas: a server opened again on the same directory serves every
// job and file byte for byte, and runs the jobs it had not yet taken.
func TestRestartServesEverythingAsItWas(t *testing.T) {
	dir := t.TempDir()
	clock := api.NewFakeClock(start)
	e := openEnv(t, dir, clock)
	input := rows(50, twoColumns)
	f := e.upload(input)
	done := e.finished(e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})))
	result := e.content(*done.Results.ResultFileID)
	_, _, jobBefore := e.request(http.MethodGet, "/evaluation/"+done.WorkflowID, nil, "")
	_, _, listBefore := e.request(http.MethodGet, "/evaluation?limit=100", nil, "")
	_, _, filesBefore := e.request(http.MethodGet, "/files", nil, "")
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e = openEnv(t, dir, clock)
	if got := e.content(f.ID); got != input {
		t.Error("the input file changed across a restart")
	}
	if got := e.content(*done.Results.ResultFileID); got != result {
		t.Error("the result file changed across a restart")
	}
	for path, before := range map[string][]byte{
		"/evaluation/" + done.WorkflowID: jobBefore, "/evaluation?limit=100": listBefore, "/files": filesBefore,
	} {
		if _, _, after := e.request(http.MethodGet, path, nil, ""); string(after) != string(before) {
			t.Errorf("GET %s changed across a restart:\n%s\n%s", path, before, after)
		}
	}
}

// TestRestartEndsTheJobsItWasJudging: a job whose rows were with the judge when the server closed
// ends in error with a reason that says so; one the runner had not taken runs after the restart.
func TestRestartEndsTheJobsItWasJudging(t *testing.T) {
	dir := t.TempDir()
	clock := api.NewFakeClock(start)
	gate := api.NewGateJudge()
	e := openEnv(t, dir, clock, gate.Option(), api.WithRunnerLimits(1, 4))
	e.noWait = true
	f := e.upload(rows(10, twoColumns))
	running := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	waiting := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	if err := gate.WaitInFlight(bounded(t), 4); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e = openEnv(t, dir, clock)
	clock.Advance(lifetime)
	wantFailed(t, e.job(running), generated.EvaluationStatusError,
		"the server stopped while the job was running, before all its rows were judged; create the job again")
	if j := e.job(waiting); j.Status != generated.EvaluationStatusCompleted || j.Results.ResultFileID == nil {
		t.Errorf("the job that waited: %s %+v", j.Status, j.Results)
	}
}
