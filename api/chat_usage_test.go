package api_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// TestChatJudgeUsageNotBelieved: token counts an endpoint reports below zero are not counts: the
// call's usage is left out (of its row and of the job's sum) rather than taken from the others;
// counts too large to add up stop at the largest (they made the job's usage negative). Both broke
// the API's own contract (counts are at least 0).
func TestChatJudgeUsageNotBelieved(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply {
		u := []int{10, 2, 12}
		switch {
		case strings.HasSuffix(c.user(), "negative"):
			u = []int{-1000, 2, -998}
		case strings.HasSuffix(c.user(), "huge"):
			u = []int{math.MaxInt64 - 1, 0, math.MaxInt64 - 1}
		}
		return reply{content: verdictJSON("label", "yes"), usage: u}
	})
	e := chatEnv(t, fake)
	var in strings.Builder
	for _, r := range []string{"fine", "negative", "fine too"} {
		b, _ := json.Marshal(map[string]any{"prompt": "q", "response": r})
		in.Write(append(b, '\n'))
	}
	j := e.finished(e.create(classifyReq(e.upload(in.String()).ID, []string{"yes", "no"}, []string{"yes"})))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s", j.Status)
	}
	if u := j.Results.Usage; u == nil || *u != (generated.TokenUsage{PromptTokens: 20, CompletionTokens: 4, TotalTokens: 24}) {
		t.Errorf("results.usage %+v, want the two believable calls' 20, 4, 24", u)
	}
	if _, has := byColumn(e.resultRows(j), "response")["negative"]["usage"]; has {
		t.Error("the row whose call reported negative tokens has a usage")
	}

	in.Reset()
	for _, r := range []string{"huge", "huge", "fine"} {
		b, _ := json.Marshal(map[string]any{"prompt": "q", "response": r})
		in.Write(append(b, '\n'))
	}
	j = e.finished(e.create(classifyReq(e.upload(in.String()).ID, []string{"yes", "no"}, []string{"yes"})))
	if u := j.Results.Usage; u == nil || *u != (generated.TokenUsage{PromptTokens: math.MaxInt64, CompletionTokens: 2, TotalTokens: math.MaxInt64}) {
		t.Errorf("results.usage %+v, want the largest count where the sum does not fit", u)
	}
}
