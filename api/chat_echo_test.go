package api_test

import (
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// TestChatJudgeAnswerEchoingTheKey: a model that repeats the key in its answer (a generated
// output, a judge's feedback, an invalid answer kept raw) never puts it in the result file.
func TestChatJudgeAnswerEchoingTheKey(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply {
		if c.Model == "gen/model" {
			return reply{content: "my key is " + judgeKey}
		}
		if strings.Contains(c.system(), "to p1.") {
			return reply{content: `{"feedback": "key ` + judgeKey + ` seen", "label": "yes"}`}
		}
		return reply{content: "no JSON, but the key " + judgeKey}
	})
	e := chatEnv(t, fake)
	f := e.upload(`{"prompt": "p1"}` + "\n" + `{"prompt": "p2"}` + "\n")
	req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"] = judge("judge/model", "Judge the answer to {{prompt}}.")
	params(req)["model_to_evaluate"] = map[string]any{
		"model": "gen/model", "model_source": "serverless", "max_tokens": 10, "temperature": 0.5,
		"system_template": "", "input_template": "{{prompt}}",
	}
	j := e.finished(e.create(req))
	if j.Status != generated.EvaluationStatusCompleted || j.Results.ResultFileID == nil {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}
	content := e.content(*j.Results.ResultFileID)
	if strings.Contains(content, judgeKey) {
		t.Errorf("the result file holds the key:\n%s", content)
	}
	for _, want := range []string{`"model_to_evaluate_output": "my key is [REDACTED]"`, `"feedback": "key [REDACTED] seen"`, `"judge_answer": "no JSON, but the key [REDACTED]"`} {
		if !strings.Contains(content, want) {
			t.Errorf("the result file lacks %s:\n%s", want, content)
		}
	}
}
