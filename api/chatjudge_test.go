package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

const judgeKey = "sk-judge-secret-4242"

// chatEnv is a test server whose jobs are judged by the chat judge at fake, with quick retries.
func chatEnv(t *testing.T, fake *fakeChat, opts ...api.ChatJudgeOption) *env {
	t.Helper()
	all := append([]api.ChatJudgeOption{
		api.WithJudgeAPIKey(judgeKey),
		api.WithJudgeRetries(2),
		api.WithJudgeRetryWait(time.Millisecond, 5*time.Millisecond),
	}, opts...)
	return newEnv(t, api.WithChatJudge(fake.url(), all...))
}

// byResponse indexes result rows by a column.
func byColumn(rows []resultRow, col string) map[string]resultRow {
	out := map[string]resultRow{}
	for _, r := range rows {
		s, _ := r[col].(string)
		out[s] = r
	}
	return out
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func usageOf(t *testing.T, r resultRow) [3]float64 {
	t.Helper()
	u, ok := r["usage"].(map[string]any)
	if !ok {
		t.Fatalf("row without usage: %v", r)
	}
	return [3]float64{num(t, u["prompt_tokens"]), num(t, u["completion_tokens"]), num(t, u["total_tokens"])}
}

func TestChatJudgeClassify(t *testing.T) {
	answers := map[string]string{
		"Paris":         verdictJSON("label", "correct"),
		"Lyon":          verdictJSON("label", "incorrect"),
		"maybe Paris":   "Sure!\n```json\n{\"feedback\": \"close\", \"label\": \"partially_correct\"}\n```\nHope that helps.",
		"GARBAGE":       "I would rather not answer in JSON.",
		"BADLABEL":      `{"feedback": "x", "label": "wrong"}`,
		"Paris, France": `Here: {"note": 1} then {"label": "correct", "feedback": "yes"}`,
	}
	fake := newFakeChat(t, func(c chatCall) reply {
		resp := strings.TrimPrefix(c.user(), "Response to evaluate:\n")
		return reply{content: answers[resp], usage: []int{10, 2, 12}}
	})
	e := chatEnv(t, fake)
	var in strings.Builder
	for _, r := range []string{"Paris", "Lyon", "maybe Paris", "GARBAGE", "BADLABEL", "Paris, France"} {
		b, _ := json.Marshal(map[string]any{"prompt": "Capital of France?", "info": map[string]any{"level": 3}, "response": r})
		in.Write(append(b, '\n'))
	}
	f := e.upload(in.String())
	req := classifyReq(f.ID, []string{"correct", "partially_correct", "incorrect"}, []string{"correct"})
	params(req)["judge"] = map[string]any{
		"model": "judge/model", "model_source": "serverless", "max_tokens": 64, "temperature": 0.3,
		"system_template": "Does the response answer {{prompt}} (level {{ info.level }})?",
	}
	j := e.finished(e.create(req))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}

	calls := fake.received()
	if len(calls) != 6 {
		t.Fatalf("%d calls, want 6", len(calls))
	}
	for _, c := range calls {
		if c.Path != "/v1/chat/completions" || c.Auth != "Bearer "+judgeKey || c.Model != "judge/model" {
			t.Errorf("call to %s with auth %q, model %q", c.Path, c.Auth, c.Model)
		}
		if c.MaxTokens == nil || *c.MaxTokens != 64 || c.Temperature == nil || *c.Temperature != 0.3 {
			t.Errorf("max_tokens %v, temperature %v; want the job's 64 and 0.3", c.MaxTokens, c.Temperature)
		}
		if !strings.HasPrefix(c.system(), "Does the response answer Capital of France? (level 3)?\n\n") ||
			!strings.Contains(c.system(), `"label": exactly one of "correct", "partially_correct", "incorrect"`) {
			t.Errorf("system message %q", c.system())
		}
		if !strings.HasPrefix(c.user(), "Response to evaluate:\n") || answers[strings.TrimPrefix(c.user(), "Response to evaluate:\n")] == "" {
			t.Errorf("user message %q", c.user())
		}
	}

	r := j.Results
	if got := string(*r.LabelCounts); got != `"{\"correct\": 2, \"partially_correct\": 1, \"incorrect\": 1}"` {
		t.Errorf("label_counts %s", got)
	}
	if *r.InvalidLabelCount != 2 || *r.JudgeFailCount != 0 || *r.GenerationFailCount != 0 || *r.PassPercentage != 50 {
		t.Errorf("invalid %v, judge fail %v, generation fail %v, pass %v", *r.InvalidLabelCount, *r.JudgeFailCount, *r.GenerationFailCount, *r.PassPercentage)
	}
	if r.Usage == nil || *r.Usage != (generated.TokenUsage{PromptTokens: 60, CompletionTokens: 12, TotalTokens: 72}) {
		t.Errorf("usage %+v, want 6 calls of 10+2", r.Usage)
	}

	rows := byColumn(e.resultRows(j), "response")
	for resp, want := range map[string]any{"Paris": "correct", "Lyon": "incorrect", "maybe Paris": "partially_correct", "Paris, France": "correct", "GARBAGE": nil, "BADLABEL": nil} {
		row := rows[resp]
		if row["label"] != want {
			t.Errorf("%s: label %v, want %v", resp, row["label"], want)
		}
		invalid := want == nil
		if row["is_invalid_judge_output"] != invalid || row["success"] != true {
			t.Errorf("%s: is_invalid_judge_output %v, success %v", resp, row["is_invalid_judge_output"], row["success"])
		}
		if invalid && row["judge_answer"] != answers[resp] {
			t.Errorf("%s: judge_answer %q, want the raw answer", resp, row["judge_answer"])
		}
		if u := usageOf(t, row); u != [3]float64{10, 2, 12} {
			t.Errorf("%s: usage %v", resp, u)
		}
	}
	if rows["Paris"]["feedback"] != "because label" || rows["maybe Paris"]["feedback"] != "close" || rows["BADLABEL"]["feedback"] != "x" {
		t.Errorf("feedback %v / %v / %v", rows["Paris"]["feedback"], rows["maybe Paris"]["feedback"], rows["BADLABEL"]["feedback"])
	}
}

func TestChatJudgeRetriesAndFailures(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply {
		ok := reply{content: verdictJSON("label", "yes")}
		switch resp := strings.TrimPrefix(c.user(), "Response to evaluate:\n"); resp {
		case "r429":
			if c.Attempt == 1 {
				return reply{status: http.StatusTooManyRequests, retryAfter: "0", body: `{"error": {"message": "slow down"}}`}
			}
		case "r500":
			if c.Attempt == 1 {
				return reply{status: http.StatusInternalServerError, body: "oops"}
			}
		case "rcut":
			if c.Attempt == 1 {
				return reply{cut: true}
			}
		case "rslow":
			return reply{delay: 5 * time.Second}
		case "rgarbage":
			return reply{body: "<html>not json at all</html>"}
		case "r503":
			return reply{status: http.StatusServiceUnavailable, body: `{"error": "overloaded"}`}
		case "r401":
			return reply{status: http.StatusUnauthorized, body: `{"error": {"message": "Invalid key ` + judgeKey + `", "type": "auth"}}`}
		}
		return ok
	})
	e := chatEnv(t, fake, api.WithJudgeCallTimeout(200*time.Millisecond))
	responses := []string{"r429", "r500", "rcut", "rslow", "rgarbage", "r503", "r401"}
	for i := range 7 {
		responses = append(responses, "ok"+string(rune('a'+i)))
	}
	var in strings.Builder
	for _, r := range responses {
		b, _ := json.Marshal(map[string]any{"prompt": "q", "response": r})
		in.Write(append(b, '\n'))
	}
	f := e.upload(in.String())
	j := e.finished(e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}
	attempts := map[string]int{}
	for _, c := range fake.received() {
		attempts[strings.TrimPrefix(c.user(), "Response to evaluate:\n")]++
	}
	want := map[string]int{"r429": 2, "r500": 2, "rcut": 2, "rslow": 3, "rgarbage": 1, "r503": 3, "r401": 1}
	for _, r := range responses {
		w := want[r]
		if w == 0 {
			w = 1
		}
		if attempts[r] != w {
			t.Errorf("%s: %d attempts, want %d", r, attempts[r], w)
		}
	}
	res := j.Results
	if *res.JudgeFailCount != 4 || string(*res.LabelCounts) != `"{\"yes\": 10, \"no\": 0}"` || *res.InvalidLabelCount != 0 {
		t.Errorf("judge fail %v, label_counts %s, invalid %v", *res.JudgeFailCount, *res.LabelCounts, *res.InvalidLabelCount)
	}
	rows := byColumn(e.resultRows(j), "response")
	url := fake.url() + "/chat/completions"
	for resp, msg := range map[string]string{
		"rslow":    "judge failed: openai/gpt-oss-120b: " + url + ": no answer within 200ms (after 3 attempts)",
		"rgarbage": "judge failed: openai/gpt-oss-120b: " + url + " answered something that is not JSON",
		"r503":     "judge failed: openai/gpt-oss-120b: " + url + " answered 503 Service Unavailable: overloaded",
		"r401":     "judge failed: openai/gpt-oss-120b: " + url + " answered 401 Unauthorized: Invalid key [REDACTED]",
	} {
		if rows[resp]["success"] != false || rows[resp]["error"] != msg {
			t.Errorf("%s: success %v, error %q; want %q", resp, rows[resp]["success"], rows[resp]["error"], msg)
		}
	}
	_, _, body := e.request(http.MethodGet, "/evaluation/"+j.WorkflowID, nil, "")
	if strings.Contains(e.content(*res.ResultFileID)+string(body), judgeKey) {
		t.Error("the judge's key appears in the job or its result file")
	}
}

func TestChatJudgeCompareSwapsPositions(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply {
		a, b, _ := strings.Cut(strings.TrimPrefix(c.user(), "Response A:\n"), "\n\nResponse B:\n")
		switch {
		case strings.HasPrefix(a, "biased") || strings.HasPrefix(b, "biased"):
			return reply{content: verdictJSON("choice", "A")} // always the first position
		case strings.HasPrefix(a, "tie"):
			return reply{content: verdictJSON("choice", "Tie")}
		case a == "half-good":
			return reply{content: verdictJSON("choice", "A")}
		case b == "half-good":
			return reply{content: "no idea"}
		case strings.HasPrefix(a, "none") || strings.HasPrefix(b, "none"):
			return reply{content: verdictJSON("choice", "C")}
		case strings.HasPrefix(a, "good"):
			return reply{content: verdictJSON("choice", "A"), usage: []int{5, 1, 6}}
		case strings.HasPrefix(b, "good"):
			return reply{content: verdictJSON("choice", "B"), usage: []int{5, 1, 6}}
		}
		t.Errorf("unexpected prompt %q", c.user())
		return reply{status: http.StatusBadRequest}
	})
	e := chatEnv(t, fake)
	pairs := [][2]string{{"good-a", "bad-b"}, {"bad-a", "good-b"}, {"biased-a", "biased-b"}, {"tie-a", "tie-b"}, {"half-good", "half-bad"}, {"none-a", "none-b"}}
	var in strings.Builder
	for _, p := range pairs {
		b, _ := json.Marshal(map[string]any{"prompt": "q", "response_a": p[0], "response_b": p[1]})
		in.Write(append(b, '\n'))
	}
	f := e.upload(in.String())

	j := e.finished(e.create(compareReq(f.ID)))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}
	r := j.Results
	if *r.AWins != 2 || *r.BWins != 1 || *r.Ties != 2 || *r.NumSamples != 6 || *r.JudgeFailCount != 0 {
		t.Errorf("A %v, B %v, ties %v, samples %v, judge fail %v", *r.AWins, *r.BWins, *r.Ties, *r.NumSamples, *r.JudgeFailCount)
	}
	if r.Usage == nil || *r.Usage != (generated.TokenUsage{PromptTokens: 20, CompletionTokens: 4, TotalTokens: 24}) {
		t.Errorf("usage %+v, want 4 calls of 5+1", r.Usage)
	}
	calls := fake.received()
	if len(calls) != 12 {
		t.Fatalf("%d calls, want two per row", len(calls))
	}
	passes := map[string][]string{} // response_a -> the user messages of its passes
	for _, c := range calls {
		for _, p := range pairs {
			if strings.Contains(c.user(), p[0]) {
				passes[p[0]] = append(passes[p[0]], c.user())
			}
		}
	}
	for _, p := range pairs {
		straight := "Response A:\n" + p[0] + "\n\nResponse B:\n" + p[1]
		swapped := "Response A:\n" + p[1] + "\n\nResponse B:\n" + p[0]
		got := passes[p[0]]
		inOrder := len(got) == 2 && (got[0] == straight && got[1] == swapped || got[0] == swapped && got[1] == straight)
		if !inOrder {
			t.Errorf("passes of %v: %q", p, got)
		}
	}
	rows := byColumn(e.resultRows(j), "response_a")
	for a, want := range map[string]any{"good-a": "A", "bad-a": "B", "biased-a": "Tie", "tie-a": "Tie", "half-good": "A", "none-a": nil} {
		if rows[a]["final_decision"] != want {
			t.Errorf("%s: final_decision %v, want %v", a, rows[a]["final_decision"], want)
		}
		invalid := a == "half-good" || a == "none-a"
		if rows[a]["is_invalid_judge_output"] != invalid {
			t.Errorf("%s: is_invalid_judge_output %v", a, rows[a]["is_invalid_judge_output"])
		}
	}
	if rows["half-good"]["judge_answer"] != "no idea" {
		t.Errorf("half-good: judge_answer %v", rows["half-good"]["judge_answer"])
	}

	// With disable_position_bias_correction, one pass in the order given.
	req := compareReq(f.ID)
	params(req)["disable_position_bias_correction"] = true
	j = e.finished(e.create(req))
	r = j.Results
	if got := len(fake.received()) - 12; got != 6 {
		t.Errorf("%d calls for one pass of 6 rows", got)
	}
	if *r.AWins != 3 || *r.BWins != 1 || *r.Ties != 1 {
		t.Errorf("one pass: A %v, B %v, ties %v; want the biased row for A", *r.AWins, *r.BWins, *r.Ties)
	}
}

func TestChatJudgeGeneratesThenScores(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply {
		if c.Model == "gen/model" {
			if c.user() == "failgen" {
				return reply{status: http.StatusBadRequest, body: `{"error": {"message": "prompt rejected"}}`}
			}
			return reply{content: "answer to " + c.user(), usage: []int{3, 4, 7}}
		}
		scores := map[string]string{
			"answer to p1": verdictJSON("score", 4),
			"answer to p2": verdictJSON("score", "7.5"),
			"answer to p3": verdictJSON("score", 11),
			"answer to p4": verdictJSON("score", 2),
		}
		return reply{content: scores[strings.TrimPrefix(c.user(), "Response to evaluate:\n")], usage: []int{10, 1, 11}}
	})
	e := chatEnv(t, fake)
	var in strings.Builder
	for _, p := range []string{"p1", "p2", "p3", "p4", "failgen"} {
		in.WriteString(`{"topic": "geo", "prompt": "` + p + `"}` + "\n")
	}
	f := e.upload(in.String())
	req := scoreReq(f.ID, 1, 10, 5)
	params(req)["judge"] = judge("judge/model", "Rate the answer about {{topic}}.")
	params(req)["model_to_evaluate"] = map[string]any{
		"model": "gen/model", "model_source": "serverless", "max_tokens": 77, "temperature": 0.7,
		"system_template": "You answer {{topic}} questions.", "input_template": "{{prompt}}",
	}
	j := e.finished(e.create(req))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}
	for _, c := range fake.received() {
		switch c.Model {
		case "gen/model":
			if c.system() != "You answer geo questions." || *c.MaxTokens != 77 || *c.Temperature != 0.7 {
				t.Errorf("generation call: system %q, max_tokens %v, temperature %v", c.system(), *c.MaxTokens, *c.Temperature)
			}
		case "judge/model":
			if *c.MaxTokens != 32768 || *c.Temperature != 0.05 {
				t.Errorf("judge call without the job's max_tokens and temperature: %v, %v; want the documented 32768, 0.05", *c.MaxTokens, *c.Temperature)
			}
			if !strings.HasPrefix(c.system(), "Rate the answer about geo.\n\n") || !strings.Contains(c.system(), `"score": a number from 1 to 10`) {
				t.Errorf("judge system message %q", c.system())
			}
		default:
			t.Errorf("call to model %q", c.Model)
		}
	}
	r := j.Results
	agg := r.AggregatedScores
	if *r.InvalidScoreCount != 1 || *r.GenerationFailCount != 1 || *r.JudgeFailCount != 0 || *r.FailedSamples != 1 {
		t.Errorf("invalid %v, generation fail %v, judge fail %v, failed %v", *r.InvalidScoreCount, *r.GenerationFailCount, *r.JudgeFailCount, *r.FailedSamples)
	}
	// Valid scores 4, 7.5, 2: mean 4.5, population std sqrt(15.5/3), one of three at or above 5.
	if *agg.MeanScore != 4.5 || math.Abs(*agg.StdScore-math.Sqrt(15.5/3)) > 1e-12 || math.Abs(*agg.PassPercentage-100.0/3) > 1e-12 {
		t.Errorf("mean %v, std %v, pass %v", *agg.MeanScore, *agg.StdScore, *agg.PassPercentage)
	}
	// 5 generations (one failed, no usage) and 4 judge calls.
	if r.Usage == nil || *r.Usage != (generated.TokenUsage{PromptTokens: 4*3 + 4*10, CompletionTokens: 4*4 + 4*1, TotalTokens: 4*7 + 4*11}) {
		t.Errorf("usage %+v", r.Usage)
	}
	rows := byColumn(e.resultRows(j), "prompt")
	if rows["p2"]["model_to_evaluate_output"] != "answer to p2" || num(t, rows["p2"]["score"]) != 7.5 || rows["p2"]["final_decision"] != "pass" {
		t.Errorf("p2: %v", rows["p2"])
	}
	if rows["p3"]["score"] != nil || rows["p3"]["is_invalid_judge_output"] != true || rows["p3"]["judge_answer"] != verdictJSON("score", 11) {
		t.Errorf("p3 (out of range): %v", rows["p3"])
	}
	failed := rows["failgen"]
	wantErr := "generation failed: gen/model: " + fake.url() + "/chat/completions answered 400 Bad Request: prompt rejected"
	if _, has := failed["model_to_evaluate_output"]; has || failed["success"] != false || failed["error"] != wantErr {
		t.Errorf("failed generation: %v\nwant error %q", failed, wantErr)
	}
}

func TestChatJudgeExternalModels(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply { return reply{content: verdictJSON("label", "yes")} })
	ext := newFakeChat(t, func(c chatCall) reply { return reply{content: verdictJSON("label", "no")} })
	input := rows(2, `{"prompt": "p%d", "response": "r"}`)
	external := func(baseURL string) map[string]any {
		return map[string]any{
			"model": "gpt-x", "model_source": "external", "external_base_url": baseURL,
			"external_api_token": "ext-token-777", "system_template": "Judge {{prompt}}.",
		}
	}

	t.Run("refused unless allowed", func(t *testing.T) {
		e := chatEnv(t, fake)
		req := classifyReq(e.upload(input).ID, []string{"yes", "no"}, []string{"yes"})
		params(req)["judge"] = external(ext.srv.URL)
		wantFailed(t, e.finished(e.create(req)), generated.EvaluationStatusUserError,
			"parameters.judge.model_source: external models call their own external_base_url, which this server does not allow (start evals serve with --allow-external); use serverless or dedicated to call the server's judge endpoint")
		if n := len(ext.received()); n != 0 {
			t.Errorf("%d calls to the external URL", n)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		e := chatEnv(t, fake, api.WithJudgeAllowExternal(true))
		req := classifyReq(e.upload(input).ID, []string{"yes", "no"}, []string{"yes"})
		params(req)["judge"] = external(ext.srv.URL) // no /v1: the engine adds it
		j := e.finished(e.create(req))
		if j.Status != generated.EvaluationStatusCompleted || string(*j.Results.LabelCounts) != `"{\"yes\": 0, \"no\": 2}"` {
			t.Fatalf("%s %s", j.Status, *j.Results.LabelCounts)
		}
		for _, c := range ext.received() {
			if c.Path != "/v1/chat/completions" || c.Auth != "Bearer ext-token-777" || c.Model != "gpt-x" {
				t.Errorf("external call %s, auth %q, model %q", c.Path, c.Auth, c.Model)
			}
		}
		_, _, body := e.request(http.MethodGet, "/evaluation/"+j.WorkflowID, nil, "")
		if strings.Contains(string(body)+e.content(*j.Results.ResultFileID), "ext-token-777") {
			t.Error("the external token appears in the job or its result file")
		}
	})
	t.Run("a token the endpoint echoes is not shown", func(t *testing.T) {
		echo := newFakeChat(t, func(c chatCall) reply {
			return reply{status: http.StatusForbidden, body: `{"error": {"message": "token ` + strings.TrimPrefix(c.Auth, "Bearer ") + ` is revoked"}}`}
		})
		e := chatEnv(t, fake, api.WithJudgeAllowExternal(true))
		req := classifyReq(e.upload(input).ID, []string{"yes", "no"}, []string{"yes"})
		params(req)["judge"] = external(echo.url())
		j := e.finished(e.create(req))
		_, _, body := e.request(http.MethodGet, "/evaluation/"+j.WorkflowID, nil, "")
		want := "judge failed: gpt-x: " + echo.url() + "/chat/completions answered 403 Forbidden: token [REDACTED] is revoked"
		if !strings.Contains(string(body), want) || strings.Contains(string(body), "ext-token-777") {
			t.Errorf("job: %s\nwant the first error %q and no token", body, want)
		}
	})
	t.Run("no token over plain http to another host", func(t *testing.T) {
		e := chatEnv(t, fake, api.WithJudgeAllowExternal(true))
		req := classifyReq(e.upload(input).ID, []string{"yes", "no"}, []string{"yes"})
		params(req)["judge"] = external("http://judge.example.com/v1")
		wantFailed(t, e.finished(e.create(req)), generated.EvaluationStatusUserError,
			"parameters.judge.external_base_url: an external_api_token is sent only over https or to a loopback address, not to http://judge.example.com/v1")
	})
}

func TestChatJudgeRefusesTemplatesItCannotRender(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply { return reply{content: verdictJSON("label", "yes")} })
	e := chatEnv(t, fake)
	req := classifyReq(e.upload(rows(2, `{"prompt": "p%d", "response": "r"}`)).ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"] = judge("judge/model", "Judge {{ prompt | upper }}.")
	wantFailed(t, e.finished(e.create(req)), generated.EvaluationStatusUserError,
		`parameters.judge.system_template: {{ prompt | upper }} at byte 6: the local engine renders only a field and its parts ({{ field }}, {{ field.name }}, {{ field["name"] }}, {{ field[0] }}), not filters or expressions`)
	if n := len(fake.received()); n != 0 {
		t.Errorf("%d calls before the job was refused", n)
	}
}

func TestChatJudgeTooManyFailedRowsEndInError(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply {
		if strings.HasSuffix(c.user(), "down") {
			return reply{status: http.StatusBadGateway, body: "bad gateway"}
		}
		return reply{content: verdictJSON("label", "yes")}
	})
	e := chatEnv(t, fake)
	var in strings.Builder
	for i := range 10 {
		resp := "up"
		if i%3 == 1 || i == 9 { // rows 1, 4, 7, 9: 4 of 10
			resp = "down"
		}
		b, _ := json.Marshal(map[string]any{"prompt": "p" + string(rune('0'+i)), "response": resp})
		in.Write(append(b, '\n'))
	}
	j := e.finished(e.create(classifyReq(e.upload(in.String()).ID, []string{"yes", "no"}, []string{"yes"})))
	url := fake.url() + "/chat/completions"
	wantFailed(t, j, generated.EvaluationStatusError,
		"4 of 10 rows failed (more than 30%); the first: judge failed: openai/gpt-oss-120b: "+url+" answered 502 Bad Gateway: bad gateway")
	if n := len(fake.received()); n != 6+4*3 {
		t.Errorf("%d calls, want one per good row and three attempts per failing row", n)
	}
}

func TestChatJudgeLogsTheURLNeverTheKey(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply { return reply{content: verdictJSON("label", "yes")} })
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, api.WithLogger(logger), api.WithChatJudge(fake.srv.URL, api.WithJudgeAPIKey(judgeKey)))
	j := e.finished(e.create(classifyReq(e.upload(rows(2, `{"prompt": "p%d", "response": "r"}`)).ID, []string{"yes", "no"}, []string{"yes"})))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s", j.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	want := `msg="api: chat completion" url=` + fake.srv.URL + `/v1/chat/completions model=openai/gpt-oss-120b for=parameters.judge ok=true`
	if strings.Count(logs.String(), want) != 2 {
		t.Errorf("debug log, want two lines with %q:\n%s", want, logs.String())
	}
	if strings.Contains(logs.String(), judgeKey) {
		t.Error("the key is in the log")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestChatJudgeStopsWhenTheServerCloses: closing the server cancels the calls in flight at once
// (the endpoint sees its request's context end) rather than waiting for the model.
func TestChatJudgeStopsWhenTheServerCloses(t *testing.T) {
	started := make(chan struct{}, 16)
	cancelled := make(chan struct{}, 16)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection once the body is read
		started <- struct{}{}
		select {
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-time.After(time.Minute):
		}
	}))
	defer slow.Close()
	srv := api.New(api.WithPhaseDurations(0, 0, 0), api.WithChatJudge(slow.URL))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &env{t: t, srv: srv, ts: ts, base: ts.URL + "/v1", spec: specValidator(t, "/v1")}
	e.create(classifyReq(e.upload(rows(3, `{"prompt": "p%d", "response": "r"}`)).ID, []string{"yes", "no"}, []string{"yes"}))
	<-started
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// The call was abandoned: the endpoint sees its request end long before the minute it takes.
	select {
	case <-cancelled:
	case <-time.After(30 * time.Second):
		t.Error("closing the server left a call to the model waiting for its answer")
	}
}

func TestChatJudgeCompareGeneratesModelA(t *testing.T) {
	fake := newFakeChat(t, func(c chatCall) reply {
		if c.Model == "gen/a" {
			if c.user() == "failgen" {
				return reply{status: http.StatusUnprocessableEntity, body: `{"error": "nope"}`}
			}
			return reply{content: "generated: " + c.user()}
		}
		a, _, _ := strings.Cut(strings.TrimPrefix(c.user(), "Response A:\n"), "\n\nResponse B:\n")
		if strings.HasPrefix(a, "generated: ") { // the generated answer wins, wherever it stands
			return reply{content: verdictJSON("choice", "A")}
		}
		return reply{content: verdictJSON("choice", "B")}
	})
	e := chatEnv(t, fake)
	var in strings.Builder
	for _, p := range []string{"p1", "p2", "p3", "p4", "failgen"} {
		in.WriteString(`{"prompt": "` + p + `", "response_b": "column answer"}` + "\n")
	}
	req := compareReq(e.upload(in.String()).ID)
	params(req)["model_a"] = map[string]any{
		"model": "gen/a", "model_source": "serverless", "max_tokens": 10, "temperature": 0,
		"system_template": "", "input_template": "{{prompt}}",
	}
	j := e.finished(e.create(req))
	r := j.Results
	if j.Status != generated.EvaluationStatusCompleted || *r.AWins != 4 || *r.BWins != 0 || *r.Ties != 0 || *r.GenerationFailCount != 1 || *r.NumSamples != 5 {
		t.Fatalf("%s: A %v, B %v, ties %v, generation fail %v", j.Status, *r.AWins, *r.BWins, *r.Ties, *r.GenerationFailCount)
	}
	for _, c := range fake.received() {
		if c.Model == "gen/a" && (c.system() != "" || len(c.Messages) != 1) {
			t.Errorf("an empty system template sends no system message: %+v", c.Messages)
		}
	}
	rows := byColumn(e.resultRows(j), "prompt")
	if rows["p2"]["model_a_output"] != "generated: p2" || rows["p2"]["final_decision"] != "A" {
		t.Errorf("p2: %v", rows["p2"])
	}
	if _, has := rows["failgen"]["model_a_output"]; has || rows["failgen"]["error"] != "generation failed: gen/a: "+fake.url()+"/chat/completions answered 422 Unprocessable Entity: nope" {
		t.Errorf("failgen: %v", rows["failgen"])
	}
}
