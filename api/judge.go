package api

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/evalkit/together-evals/generated"
)

// verdictKind is how the stand-in judge's call on one row went.
type verdictKind int

const (
	verdictValid     verdictKind = iota // a label, score or choice
	verdictInvalid                      // the judge answered something not allowed
	verdictJudgeFail                    // the judge call failed
	verdictGenFail                      // generating the output to judge failed
)

// verdict is a judge's answer for one row.
type verdict struct {
	kind   verdictKind
	label  string  // classify
	score  float64 // score
	choice string  // compare: "A", "B" or "Tie"
	answer string  // the raw answer of an invalid verdict (kept in the row as judge_answer)
	// partial: a compare row where one of the two passes gave no valid choice; the other pass's
	// choice stands and the row is marked is_invalid_judge_output.
	partial bool

	// What a real judge adds; the stand-in leaves them empty and resultFields words its own.
	feedback string            // the judge's explanation of a valid or invalid answer
	errMsg   string            // why a judge or generation failure failed ("judge failed: ...")
	outputs  map[string]string // generated outputs by slot param ("model_to_evaluate", "model_a")
	usage    *tokenUsage       // tokens the calls for this row used, where the endpoint said
}

// tokenUsage counts the tokens of the model calls made for one row (or a whole job).
type tokenUsage struct {
	prompt, completion, total int64
}

// addUsage adds b to a; a nil b (the endpoint said nothing) adds nothing.
func addUsage(a *tokenUsage, b *tokenUsage) *tokenUsage {
	if b == nil {
		return a
	}
	if a == nil {
		a = &tokenUsage{}
	}
	a.prompt = sumCounts(a.prompt, b.prompt)
	a.completion = sumCounts(a.completion, b.completion)
	a.total = sumCounts(a.total, b.total)
	return a
}

// sumCounts adds two counts (at least 0), stopping at the largest int64 rather than wrapping
// around to a negative count.
func sumCounts(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// object is the usage as the API writes it, in a result row and in a job's results.
func (u *tokenUsage) object() generated.TokenUsage {
	return generated.TokenUsage{PromptTokens: int(u.prompt), CompletionTokens: int(u.completion), TotalTokens: int(u.total)}
}

// rowJudge gives one row of a job its verdict: the seam between the runner and whoever judges.
// The runner calls judgeRow from several goroutines at once (up to the job's workers) and cancels
// ctx when the job or the server stops; a judge must return promptly then. A failed call is a
// verdict (verdictJudgeFail or verdictGenFail with errMsg), never a panic.
//
// Before the first row, the runner asks jobProblem: a job the judge cannot run (a template it
// cannot render, a model source it may not call) ends in user_error with that reason, and no
// model is called. Then columnProblem and rowProblem (for every row) are asked, in that order.
type rowJudge interface {
	jobProblem(spec jobSpec) string
	judgeRow(ctx context.Context, spec jobSpec, row inputRow) verdict
}

// standInJudge is the deterministic stand-in (see the package doc): no model is called. It is the
// default judge of every Server.
type standInJudge struct{}

// jobProblem: the stand-in runs every job.
func (standInJudge) jobProblem(jobSpec) string { return "" }

func (standInJudge) judgeRow(_ context.Context, spec jobSpec, row inputRow) verdict {
	return judge(spec, row)
}

// Out of every 1000 rows (by hash), how many the stand-in judge fails in each way.
const (
	judgeFailPerMille = 20
	invalidPerMille   = 30
	genFailPerMille   = 20 // only where a model generates the outputs
)

// rowHash is FNV-1a (64 bit) of a row's canonical JSON: the same row always gets the same verdict.
func rowHash(canon []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(canon)
	return h.Sum64()
}

// judge gives one row its verdict: forced by the row's __judge field when it has one, derived from
// the row's hash otherwise.
func judge(spec jobSpec, row inputRow) verdict {
	values := row.values()
	if forced, ok := values[judgeHookColumn]; ok {
		return forcedVerdict(spec, forced)
	}
	canon, _ := json.Marshal(values) // decoded JSON always encodes
	h := rowHash(canon)
	generates := slices.ContainsFunc(spec.slots, func(s slot) bool { return s.model != nil })
	switch r := h % 1000; {
	case r < judgeFailPerMille:
		return verdict{kind: verdictJudgeFail}
	case r < judgeFailPerMille+invalidPerMille:
		return verdict{kind: verdictInvalid, answer: "I cannot judge this row."}
	case generates && r < judgeFailPerMille+invalidPerMille+genFailPerMille:
		return verdict{kind: verdictGenFail}
	}
	pick := h >> 20
	switch spec.typ {
	case generated.EvaluationTypeClassify:
		return verdict{label: spec.labels[pick%uint64(len(spec.labels))]}
	case generated.EvaluationTypeScore:
		return verdict{score: standInScore(spec.minScore, spec.maxScore, pick)}
	default:
		return verdict{choice: [...]string{"A", "B", "Tie"}[pick%3]}
	}
}

// standInScore picks a score in [lo, hi]: a whole number when both ends are whole, else a number
// with two decimals.
func standInScore(lo, hi float64, pick uint64) float64 {
	if lo == math.Trunc(lo) && hi == math.Trunc(hi) && hi-lo < 1e6 {
		return lo + float64(pick%uint64(hi-lo+1))
	}
	u := float64(pick%10001) / 10000
	s := math.Round((lo+u*(hi-lo))*100) / 100
	return math.Min(math.Max(s, lo), hi)
}

// forcedVerdict reads a __judge value: "judge_fail", "generation_fail", "invalid", or the verdict
// itself (a label, a score, or A / B / Tie). A verdict the job does not allow is an invalid answer.
func forcedVerdict(spec jobSpec, v any) verdict {
	text := ""
	switch t := v.(type) {
	case string:
		text = t
	case json.Number:
		text = t.String()
	default:
		b, _ := json.Marshal(v)
		return verdict{kind: verdictInvalid, answer: string(b)}
	}
	switch text {
	case "judge_fail":
		return verdict{kind: verdictJudgeFail}
	case "generation_fail":
		return verdict{kind: verdictGenFail}
	case "invalid":
		return verdict{kind: verdictInvalid, answer: "invalid"}
	}
	switch spec.typ {
	case generated.EvaluationTypeClassify:
		if slices.Contains(spec.labels, text) {
			return verdict{label: text}
		}
	case generated.EvaluationTypeScore:
		if s, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil && s >= spec.minScore && s <= spec.maxScore {
			return verdict{score: s}
		}
	default:
		if text == "A" || text == "B" || text == "Tie" {
			return verdict{choice: text}
		}
	}
	return verdict{kind: verdictInvalid, answer: text}
}

// resultFields are the fields the judge adds to a row, in the order the package doc gives: success, error,
// feedback, is_invalid_judge_output, the verdict, the final decision, and the outputs of
// generating models.
func resultFields(spec jobSpec, row inputRow, v verdict) []member {
	out := make([]member, 0, 8)
	add := func(k string, val any) { out = append(out, member{key: k, value: jsonValue(val)}) }

	failed := -1 // the slot whose generation failed
	if v.kind == verdictGenFail {
		failed = slices.IndexFunc(spec.slots, func(s slot) bool { return s.model != nil })
	}
	for i, s := range spec.slots {
		if s.model == nil {
			continue
		}
		if v.outputs != nil {
			if out, ok := v.outputs[s.param]; ok {
				add(s.outputKey(), out)
			}
		} else if i != failed {
			add(s.outputKey(), modelOutput(s.model, row))
		}
	}

	switch v.kind {
	case verdictJudgeFail:
		add("success", false)
		add("error", orDefault(v.errMsg, "judge failed: the stand-in judge simulated a failed call to "+spec.judge.Model))
		add("feedback", "")
	case verdictGenFail:
		model := "the model"
		if failed >= 0 {
			model = spec.slots[failed].model.Model
		}
		add("success", false)
		add("error", orDefault(v.errMsg, "generation failed: the stand-in simulated no output from "+model))
		add("feedback", "")
	case verdictInvalid:
		add("success", true)
		feedback := v.feedback
		if feedback == "" {
			feedback = fmt.Sprintf("Stand-in judge answered %q, which is not an allowed verdict.", v.answer)
		}
		add("feedback", feedback)
	default:
		add("success", true)
		feedback := v.feedback
		if feedback == "" { // the stand-in's sentence is made only when it is used
			feedback = validFeedback(spec, v)
		}
		add("feedback", feedback)
	}
	add("is_invalid_judge_output", v.kind == verdictInvalid || v.partial)

	valid := v.kind == verdictValid
	switch spec.typ {
	case generated.EvaluationTypeClassify:
		if valid {
			add("label", v.label)
			add("final_decision", passFail(slices.Contains(spec.passLabels, v.label)))
		} else {
			add("label", nil)
			add("final_decision", nil)
		}
	case generated.EvaluationTypeScore:
		if valid {
			add("score", v.score)
			add("final_decision", passFail(v.score >= spec.threshold))
		} else {
			add("score", nil)
			add("final_decision", nil)
		}
	default:
		if valid {
			add("final_decision", v.choice)
		} else {
			add("final_decision", nil)
		}
	}
	if v.answer != "" && v.kind != verdictValid || v.partial {
		add("judge_answer", v.answer)
	}
	if v.usage != nil {
		add("usage", v.usage.object())
	}
	return out
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func passFail(pass bool) string {
	if pass {
		return "pass"
	}
	return "fail"
}

func validFeedback(spec jobSpec, v verdict) string {
	switch spec.typ {
	case generated.EvaluationTypeClassify:
		return fmt.Sprintf("Stand-in judge: the row fits the label %q.", v.label)
	case generated.EvaluationTypeScore:
		return fmt.Sprintf("Stand-in judge: the row scores %s on a scale of %s to %s.", num(v.score), num(spec.minScore), num(spec.maxScore))
	default:
		if v.choice == "Tie" {
			return "Stand-in judge: both outputs are equally good."
		}
		return fmt.Sprintf("Stand-in judge: output %s is better.", v.choice)
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// modelOutput is what a generating model "answers" for a row: its input template filled from the
// row, so tests can see the template at work.
func modelOutput(m *generated.ModelRequest, row inputRow) string {
	prompt := render(m.InputTemplate, row)
	if r := []rune(prompt); len(r) > 200 {
		prompt = string(r[:200]) + "..."
	}
	return fmt.Sprintf("Stand-in output of %s for: %s", m.Model, prompt)
}

// tally adds up the verdicts of a job into its results (see the package doc).
type tally struct {
	spec      jobSpec
	rows      int
	genFail   int
	judgeFail int
	invalid   int
	labels    map[string]int
	pass      int
	scores    []float64
	choices   map[string]int
	usage     *tokenUsage
}

func newTally(spec jobSpec) *tally {
	return &tally{spec: spec, labels: map[string]int{}, choices: map[string]int{}}
}

func (t *tally) add(v verdict) {
	t.rows++
	t.usage = addUsage(t.usage, v.usage)
	switch v.kind {
	case verdictGenFail:
		t.genFail++
	case verdictJudgeFail:
		t.judgeFail++
	case verdictInvalid:
		t.invalid++
	default:
		switch t.spec.typ {
		case generated.EvaluationTypeClassify:
			t.labels[v.label]++
			if slices.Contains(t.spec.passLabels, v.label) {
				t.pass++
			}
		case generated.EvaluationTypeScore:
			t.scores = append(t.scores, v.score)
			if v.score >= t.spec.threshold {
				t.pass++
			}
		default:
			t.choices[v.choice]++
		}
	}
}

func count(n int) *generated.Count {
	f := float64(n)
	return &f
}

func percent(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

// results are the job's results, pointing at its result file.
func (t *tally) results(resultFileID string) generated.EvaluationResults {
	res := generated.EvaluationResults{
		ResultFileID:        &resultFileID,
		GenerationFailCount: count(t.genFail),
		JudgeFailCount:      count(t.judgeFail),
	}
	if t.usage != nil {
		u := t.usage.object()
		res.Usage = &u
	}
	switch t.spec.typ {
	case generated.EvaluationTypeClassify:
		valid := 0
		for _, n := range t.labels {
			valid += n
		}
		pct := percent(t.pass, valid)
		res.PassPercentage = &pct
		res.InvalidLabelCount = count(t.invalid)
		lc := t.labelCounts()
		res.LabelCounts = &lc
	case generated.EvaluationTypeScore:
		agg := generated.AggregatedScores{}
		pct := percent(t.pass, len(t.scores))
		agg.PassPercentage = &pct
		if len(t.scores) > 0 {
			mean, std := meanStd(t.scores)
			// JSON has no infinity: a statistic that does not fit a float64 is sent as null.
			if !math.IsInf(mean, 0) && !math.IsNaN(mean) {
				agg.MeanScore = &mean
			}
			if !math.IsInf(std, 0) && !math.IsNaN(std) {
				agg.StdScore = &std
			}
		}
		res.AggregatedScores = &agg
		res.InvalidScoreCount = count(t.invalid)
		res.FailedSamples = count(t.genFail + t.judgeFail)
	default:
		res.AWins = count(t.choices["A"])
		res.BWins = count(t.choices["B"])
		res.Ties = count(t.choices["Tie"])
		res.NumSamples = count(t.rows)
	}
	return res
}

// labelCounts is the JSON string the service sends: an object of every label, in the job's order,
// serialised the way Python's json.dumps writes it ({"yes": 10, "no": 0}).
func (t *tally) labelCounts() json.RawMessage {
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range t.spec.labels {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Write(jsonValue(l))
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(t.labels[l]))
	}
	b.WriteByte('}')
	return jsonValue(b.String())
}

// meanStd returns the mean and the population standard deviation of xs (len(xs) > 0), with
// Welford's running update, so that large scores do not overflow a running sum.
func meanStd(xs []float64) (mean, std float64) {
	var m2 float64
	for i, x := range xs {
		d := x - mean
		mean += d / float64(i+1)
		m2 += d * (x - mean)
	}
	return mean, math.Sqrt(m2 / float64(len(xs)))
}
