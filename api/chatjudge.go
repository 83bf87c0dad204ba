package api

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/evalkit/together-evals/generated"
	"github.com/evalkit/together-evals/internal/jinja"
)

// chatJudge judges rows with real models over OpenAI-compatible chat completions (see
// [WithChatJudge]).
type chatJudge struct {
	cfg    chatJudgeConfig
	server func() *config // the server's configuration, for its logger
	caller *chatCaller
	// base is the server's judge base URL, normalised once (baseErr if it is not one).
	base    string
	baseErr error
}

var _ rowJudge = (*chatJudge)(nil)

func newChatJudge(cfg chatJudgeConfig, server func() *config) *chatJudge {
	j := &chatJudge{cfg: cfg, server: server, caller: newChatCaller(cfg)}
	j.base, j.baseErr = chatBase(cfg.baseURL)
	return j
}

// modelCall is everything about calling one model of a job except the prompt.
type modelCall struct {
	param       string // "parameters.judge", "parameters.model_a", ...
	model       string
	source      generated.ModelSource
	baseURL     *string
	token       *string
	maxTokens   int
	temperature float64
	limits      *callLimits // bounds the calls in flight to this model (nil: none)
}

func judgeCall(spec jobSpec) modelCall {
	j := spec.judge
	c := modelCall{
		param: "parameters.judge", model: j.Model, source: j.ModelSource, baseURL: j.ExternalBaseURL, token: j.ExternalAPIToken,
		maxTokens: defaultJudgeMaxTokens, temperature: defaultJudgeTemperature,
	}
	if j.MaxTokens != nil {
		c.maxTokens = *j.MaxTokens
	}
	if j.Temperature != nil {
		c.temperature = *j.Temperature
	}
	return c
}

func generationCall(s slot) modelCall {
	m := s.model
	return modelCall{
		param: "parameters." + s.param, model: m.Model, source: m.ModelSource, baseURL: m.ExternalBaseURL, token: m.ExternalAPIToken,
		maxTokens: m.MaxTokens, temperature: m.Temperature,
	}
}

// endpoint is where c's model is called: the server's judge base URL and key, or, for an external
// model, its own base URL and token. The error is a user_error reason naming the parameter.
func (j *chatJudge) endpoint(c modelCall) (endpoint, error) {
	if c.source != generated.ModelSourceExternal {
		if j.baseErr != nil {
			return endpoint{}, fmt.Errorf("the server's judge base URL %w", j.baseErr)
		}
		return endpoint{base: j.base, key: j.cfg.key}, nil
	}
	if !j.cfg.allowExternal {
		return endpoint{}, fmt.Errorf("%s.model_source: external models call their own external_base_url, which this server does not allow (start evals serve with --allow-external); use serverless or dedicated to call the server's judge endpoint", c.param)
	}
	raw := ""
	if c.baseURL != nil {
		raw = *c.baseURL
	}
	base, err := chatBase(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("%s.external_base_url %w", c.param, err)
	}
	ep := endpoint{base: base}
	if c.token != nil {
		ep.key = *c.token
	}
	if ep.key != "" && plainRemote(base) {
		return endpoint{}, fmt.Errorf("%s.external_base_url: an external_api_token is sent only over https or to a loopback address, not to %s", c.param, base)
	}
	return ep, nil
}

// jobProblem refuses, before any call, a job the chat judge cannot run as written: a template it
// cannot render, a model it may not call.
func (j *chatJudge) jobProblem(spec jobSpec) string {
	for _, t := range spec.namedTemplates() {
		if _, err := jinja.Parse(t.text); err != nil {
			return t.param + ": " + err.Error()
		}
	}
	calls := []modelCall{judgeCall(spec)}
	for _, s := range spec.slots {
		if s.model != nil {
			calls = append(calls, generationCall(s))
		}
	}
	for _, c := range calls {
		if _, err := j.endpoint(c); err != nil {
			return err.Error()
		}
	}
	return ""
}

// judgeRow generates the outputs a row needs, then asks the judge: once for classify and score,
// twice with A and B swapped for compare (once with disable_position_bias_correction).
func (j *chatJudge) judgeRow(ctx context.Context, spec jobSpec, row inputRow) verdict {
	var usage *tokenUsage
	var outputs map[string]string // the generated outputs, by slot; made only when a slot has a model
	for _, s := range spec.slots {
		if s.model != nil {
			outputs = map[string]string{}
			break
		}
	}
	var texts []string // the outputs judged, in slot order
	for _, s := range spec.slots {
		if s.model == nil {
			texts = append(texts, columnText(row, s.column))
			continue
		}
		out, u, err := j.generate(ctx, spec, s, row)
		usage = addUsage(usage, u)
		if err != nil {
			return verdict{kind: verdictGenFail, errMsg: "generation failed: " + err.Error(), outputs: outputs, usage: usage}
		}
		outputs[s.param] = out
		texts = append(texts, out)
	}
	if len(outputs) == 0 {
		outputs = nil
	}
	system, err := renderFor(spec.judge.SystemTemplate, row)
	if err != nil {
		return verdict{kind: verdictJudgeFail, errMsg: "judge failed: parameters.judge.system_template: " + err.Error(), outputs: outputs, usage: usage}
	}
	system = strings.TrimRight(system, "\n") + "\n\n" + judgeInstruction(spec)

	var v verdict
	if spec.typ == generated.EvaluationTypeCompare {
		v = j.compare(ctx, spec, system, texts[0], texts[1], &usage)
	} else {
		var err error
		if v, err = j.ask(ctx, spec, system, userPrompt(spec, texts), &usage); err != nil {
			v = verdict{kind: verdictJudgeFail, errMsg: "judge failed: " + err.Error()}
		}
	}
	v.outputs, v.usage = outputs, usage
	return v
}

// generate asks a generating model for a row's output.
func (j *chatJudge) generate(ctx context.Context, spec jobSpec, s slot, row inputRow) (string, *tokenUsage, error) {
	c := generationCall(s)
	c.limits = spec.limits
	ep, err := j.endpoint(c)
	if err != nil {
		return "", nil, err
	}
	system, err := renderFor(s.model.SystemTemplate, row)
	if err != nil {
		return "", nil, fmt.Errorf("%s.system_template: %w", c.param, err)
	}
	input, err := renderFor(s.model.InputTemplate, row)
	if err != nil {
		return "", nil, fmt.Errorf("%s.input_template: %w", c.param, err)
	}
	a, err := j.send(ctx, c, ep, system, input)
	if err != nil {
		return "", a.usage, fmt.Errorf("%s: %w", c.model, err)
	}
	return a.text, a.usage, nil
}

// ask sends one judge prompt and returns the answer's verdict (see [check]); the tokens go to
// *usage.
func (j *chatJudge) ask(ctx context.Context, spec jobSpec, system, user string, usage **tokenUsage) (verdict, error) {
	c := judgeCall(spec)
	c.limits = spec.limits
	ep, err := j.endpoint(c)
	if err != nil {
		return verdict{}, err
	}
	a, err := j.send(ctx, c, ep, system, user)
	*usage = addUsage(*usage, a.usage)
	if err != nil {
		return verdict{}, fmt.Errorf("%s: %w", c.model, err)
	}
	v := check(spec, a.text)
	// The answer's text holds no key (call scrubs it), but the feedback is decoded from the JSON in
	// it, where a key can be written with escapes ("sk-\u0061bc").
	v.feedback = scrub(v.feedback, ep.key)
	return v, nil
}

func (j *chatJudge) send(ctx context.Context, c modelCall, ep endpoint, system, user string) (chatAnswer, error) {
	sem, err := c.limits.acquire(ctx, c.param)
	if err != nil {
		return chatAnswer{}, err
	}
	defer release(sem)
	a, err := j.caller.call(ctx, chatRequest{ep: ep, model: c.model, system: system, user: user, maxTokens: c.maxTokens, temperature: c.temperature})
	if l := j.logger(); l.Enabled(ctx, slog.LevelDebug) {
		l.DebugContext(ctx, "api: chat completion", "url", ep.base+"/chat/completions", "model", c.model, "for", c.param, "ok", err == nil)
	}
	return a, err
}

func (j *chatJudge) logger() *slog.Logger {
	if j.server == nil {
		return slog.New(slog.DiscardHandler)
	}
	return j.server().logger
}

// compare judges a pair: A then B, and (unless the job says not to) B then A. A choice that does
// not survive the swap is a tie; when only one pass gives a valid choice, it stands and the row is
// marked (partial).
func (j *chatJudge) compare(ctx context.Context, spec jobSpec, system, a, b string, usage **tokenUsage) verdict {
	v1, err := j.ask(ctx, spec, system, comparePrompt(a, b), usage)
	if err != nil {
		return verdict{kind: verdictJudgeFail, errMsg: "judge failed: " + err.Error()}
	}
	if spec.onePass {
		return v1
	}
	v2, err := j.ask(ctx, spec, system, comparePrompt(b, a), usage)
	if err != nil {
		return verdict{kind: verdictJudgeFail, errMsg: "judge failed: the second pass (A and B swapped): " + err.Error()}
	}
	if v2.kind == verdictValid {
		v2.choice = swapChoice(v2.choice)
	}
	feedback := joinFeedback(v1.feedback, v2.feedback)
	switch {
	case v1.kind == verdictValid && v2.kind == verdictValid:
		choice := v1.choice
		if v1.choice != v2.choice {
			choice = "Tie"
		}
		return verdict{choice: choice, feedback: feedback}
	case v1.kind == verdictValid:
		return verdict{choice: v1.choice, feedback: feedback, partial: true, answer: v2.answer}
	case v2.kind == verdictValid:
		return verdict{choice: v2.choice, feedback: feedback, partial: true, answer: v1.answer}
	}
	return verdict{kind: verdictInvalid, feedback: feedback, answer: v1.answer}
}

func swapChoice(c string) string {
	switch c {
	case "A":
		return "B"
	case "B":
		return "A"
	}
	return c
}

func joinFeedback(first, second string) string {
	switch {
	case first == "":
		return second
	case second == "" || second == first:
		return first
	}
	return first + "\n\n(A and B swapped) " + second
}

// judgeInstruction is the job's answer instruction: the one the runner made for this run, or
// (for a spec that did not come through the runner) a new one.
func judgeInstruction(spec jobSpec) string {
	if spec.instr != "" {
		return spec.instr
	}
	return instruction(spec)
}

// renderFor fills a template from a row (jobProblem and rowProblem have checked both).
func renderFor(template string, row inputRow) (string, error) {
	t, err := parseTemplate(template)
	if err != nil {
		return "", err
	}
	return t.Render(row)
}

// columnText is the output held in a column, as a template would print it.
func columnText(row inputRow, column string) string {
	raw, ok := row.Field(column)
	if !ok {
		return ""
	}
	out, err := jinja.Str(raw)
	if err != nil {
		return string(raw)
	}
	return out
}
