package api_test

import (
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// modelGates hold a fake's calls, per model, until released, and count each model's calls in
// flight.
type modelGates struct {
	mu       sync.Mutex
	inFlight map[string]int
	most     map[string]int
	gates    map[string]chan struct{}
	once     map[string]*sync.Once
}

// newModelGates makes the gates; call releaseAll (in t.Cleanup after the server's, so that it runs
// before the server waits for its jobs) so that a failed test does not hang.
func newModelGates(models ...string) *modelGates {
	g := &modelGates{inFlight: map[string]int{}, most: map[string]int{}, gates: map[string]chan struct{}{}, once: map[string]*sync.Once{}}
	for _, m := range models {
		g.gates[m] = make(chan struct{})
		g.once[m] = &sync.Once{}
	}
	return g
}

func (g *modelGates) releaseAll() {
	for m := range g.gates {
		g.release(m)
	}
}

// hold is called by the fake for each call: it waits for the model's gate.
func (g *modelGates) hold(model string) {
	g.mu.Lock()
	g.inFlight[model]++
	g.most[model] = max(g.most[model], g.inFlight[model])
	gate := g.gates[model]
	g.mu.Unlock()
	<-gate
	g.mu.Lock()
	g.inFlight[model]--
	g.mu.Unlock()
}

func (g *modelGates) release(model string) { g.once[model].Do(func() { close(g.gates[model]) }) }

// waitFor waits (boundedly) until n calls to model are held at once; false if they never are.
func (g *modelGates) waitFor(model string, n int) bool {
	for range 2000 {
		g.mu.Lock()
		got := g.inFlight[model]
		g.mu.Unlock()
		if got >= n {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

func (g *modelGates) mostOf(model string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.most[model]
}

// TestChatJudgeNumWorkersPerModel: each model of a job has its own num_workers calls in flight, as
// the provider documents num_workers ("concurrent workers for inference requests ... for this
// model"): a generating model with 5 has 5 generations at once while the judge with 2 has 2.
func TestChatJudgeNumWorkersPerModel(t *testing.T) {
	gates := newModelGates("gen/model", "judge/model")
	fake := newFakeChat(t, func(c chatCall) reply {
		gates.hold(c.Model)
		if c.Model == "gen/model" {
			return reply{content: "an answer"}
		}
		return reply{content: verdictJSON("label", "yes")}
	})
	e := chatEnv(t, fake)
	t.Cleanup(gates.releaseAll)
	e.noWait = true
	f := e.upload(rows(12, `{"prompt": "p%d"}`))
	req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"] = judge("judge/model", "Is this a good answer to {{prompt}}?")
	params(req)["judge"].(map[string]any)["num_workers"] = 2
	params(req)["model_to_evaluate"] = map[string]any{
		"model": "gen/model", "model_source": "serverless", "max_tokens": 50, "temperature": 0.5,
		"system_template": "", "input_template": "{{prompt}}", "num_workers": 5,
	}
	id := e.create(req)
	if !gates.waitFor("gen/model", 5) {
		t.Fatalf("never 5 generations at once (num_workers 5 of model_to_evaluate); most %d", gates.mostOf("gen/model"))
	}
	gates.release("gen/model")
	if !gates.waitFor("judge/model", 2) {
		t.Fatalf("never 2 judge calls at once; most %d", gates.mostOf("judge/model"))
	}
	gates.release("judge/model")
	if err := e.srv.WaitIdle(bounded(t)); err != nil {
		t.Fatal(err)
	}
	j := e.finished(id)
	if j.Status != generated.EvaluationStatusCompleted || j.Results.LabelCounts == nil {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}
	if g, jm := gates.mostOf("gen/model"), gates.mostOf("judge/model"); g != 5 || jm != 2 {
		t.Errorf("most calls at once: %d generations (want 5, model_to_evaluate.num_workers), %d judge calls (want 2, judge.num_workers)", g, jm)
	}
	if n := len(fake.received()); n != 24 {
		t.Errorf("%d calls, want 12 generations and 12 judge calls", n)
	}
}
