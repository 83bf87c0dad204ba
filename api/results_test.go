package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// resultRow is one decoded row of a result file.
type resultRow map[string]any

func (e *env) resultRows(j generated.EvaluationJob) []resultRow {
	e.t.Helper()
	if j.Results == nil || j.Results.ResultFileID == nil {
		e.t.Fatalf("job %s has no result file: %+v", j.WorkflowID, j.Results)
	}
	var out []resultRow
	sc := bufio.NewScanner(strings.NewReader(e.content(*j.Results.ResultFileID)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var r resultRow
		if err := dec.Decode(&r); err != nil {
			e.t.Fatalf("result row %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func (r resultRow) str(k string) (string, bool) {
	s, ok := r[k].(string)
	return s, ok
}

// checkRow checks the fields every result row has (RESULT_ROWS): the input row unchanged, then
// success, error only on failure (starting "generation failed" or "judge failed"), feedback and
// is_invalid_judge_output, and the judge's answer (judge_answer) exactly when it was invalid.
func checkRow(t *testing.T, i int, in map[string]any, r resultRow) {
	t.Helper()
	for k, v := range in {
		if !reflect.DeepEqual(r[k], v) {
			t.Errorf("row %d: input field %s = %v, result has %v", i, k, v, r[k])
		}
	}
	success, ok := r["success"].(bool)
	if !ok {
		t.Fatalf("row %d: success %v", i, r["success"])
	}
	errText, hasErr := r.str("error")
	if success == hasErr {
		t.Errorf("row %d: success %v with error %q", i, success, errText)
	}
	if hasErr && !strings.HasPrefix(errText, "generation failed") && !strings.HasPrefix(errText, "judge failed") {
		t.Errorf("row %d: error %q", i, errText)
	}
	if _, ok := r.str("feedback"); !ok {
		t.Errorf("row %d: feedback %v", i, r["feedback"])
	}
	invalid, ok := r["is_invalid_judge_output"].(bool)
	if !ok || (invalid && !success) {
		t.Errorf("row %d: is_invalid_judge_output %v, success %v", i, r["is_invalid_judge_output"], success)
	}
	if answer, has := r.str("judge_answer"); has != invalid || has && answer == "" {
		t.Errorf("row %d: judge_answer %q (present %v), is_invalid_judge_output %v", i, answer, has, invalid)
	}
}

// agg is a job's results recomputed from its rows, per RESULT_ROWS.
type agg struct {
	genFail, judgeFail, invalid, failed int
	labels                              map[string]int
	passPct                             float64
	mean, std                           *float64
	a, b, ties, samples                 int
}

func recompute(t *testing.T, typ string, rows []resultRow, labels, pass []string, threshold float64) agg {
	t.Helper()
	g := agg{labels: map[string]int{}}
	var scores []float64
	passing, labelled := 0, 0
	for i, r := range rows {
		if e, ok := r.str("error"); ok {
			g.failed++
			if strings.HasPrefix(e, "generation failed") {
				g.genFail++
			} else {
				g.judgeFail++
			}
		}
		if r["is_invalid_judge_output"] == true {
			g.invalid++
		}
		decision := r["final_decision"]
		switch typ {
		case "classify":
			label, ok := r.str("label")
			if !ok {
				if r["label"] != nil || decision != nil {
					t.Errorf("row %d: label %v, final_decision %v", i, r["label"], decision)
				}
				continue
			}
			if !slices.Contains(labels, label) {
				t.Errorf("row %d: label %q is not a label", i, label)
			}
			want := "fail"
			if slices.Contains(pass, label) {
				want = "pass"
				passing++
			}
			if decision != want {
				t.Errorf("row %d: label %q, final_decision %v", i, label, decision)
			}
			g.labels[label]++
			labelled++
		case "score":
			n, ok := r["score"].(json.Number)
			if !ok {
				if r["score"] != nil || decision != nil {
					t.Errorf("row %d: score %v, final_decision %v", i, r["score"], decision)
				}
				continue
			}
			s, _ := n.Float64()
			want := "fail"
			if s >= threshold {
				want = "pass"
				passing++
			}
			if decision != want {
				t.Errorf("row %d: score %v, final_decision %v", i, s, decision)
			}
			scores = append(scores, s)
		case "compare":
			g.samples++
			switch decision {
			case "A":
				g.a++
			case "B":
				g.b++
			case "Tie":
				g.ties++
			case nil:
			default:
				t.Errorf("row %d: final_decision %v", i, decision)
			}
		}
	}
	switch typ {
	case "classify":
		if labelled > 0 {
			g.passPct = 100 * float64(passing) / float64(labelled)
		}
	case "score":
		if len(scores) > 0 {
			var sum, ss float64
			for _, s := range scores {
				sum += s
			}
			mean := sum / float64(len(scores))
			for _, s := range scores {
				ss += (s - mean) * (s - mean)
			}
			std := math.Sqrt(ss / float64(len(scores)))
			g.mean, g.std = &mean, &std
			g.passPct = 100 * float64(passing) / float64(len(scores))
		}
	}
	return g
}

func wantCount(t *testing.T, name string, got *float64, want int) {
	t.Helper()
	if got == nil || *got != float64(want) {
		t.Errorf("%s = %v, want %d", name, deref(got), want)
	}
}

func wantFloat(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", name, deref(got), want)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// labelCounts decodes the label_counts string of a classify result.
func labelCounts(t *testing.T, r *generated.EvaluationResults) (map[string]int, string) {
	t.Helper()
	if r.LabelCounts == nil {
		t.Fatal("no label_counts")
	}
	var s string
	if err := json.Unmarshal(*r.LabelCounts, &s); err != nil {
		t.Fatalf("label_counts is not a JSON string: %s", *r.LabelCounts)
	}
	var m map[string]int
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("label_counts string %q: %v", s, err)
	}
	return m, s
}

func inputRows(t *testing.T, content string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(content, "\n"), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

const manyRows = 400

func TestClassifyResultsAgreeWithTheResultFile(t *testing.T) {
	e := newEnv(t)
	content := rows(manyRows, `{"prompt": "question %d", "response": "answer", "image_data_urls": []}`)
	f := e.upload(content)
	labels, pass := []string{"good", "bad", "ugly"}, []string{"good"}
	j := e.finished(e.create(classifyReq(f.ID, labels, pass)))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("%s: %+v", j.Status, j.Results)
	}
	rs := e.resultRows(j)
	in := inputRows(t, content)
	if len(rs) != len(in) {
		t.Fatalf("%d result rows for %d input rows", len(rs), len(in))
	}
	for i := range rs {
		checkRow(t, i, in[i], rs[i])
	}
	g := recompute(t, "classify", rs, labels, pass, 0)
	r := j.Results
	counts, raw := labelCounts(t, r)
	if !maps(counts, g.labels, labels) {
		t.Errorf("label_counts %v, rows say %v", counts, g.labels)
	}
	if !strings.HasPrefix(raw, `{"good": `) || strings.Count(raw, ": ") != 3 {
		t.Errorf("label_counts %q: want every label in order, written as the service does", raw)
	}
	wantCount(t, "invalid_label_count", r.InvalidLabelCount, g.invalid)
	wantCount(t, "judge_fail_count", r.JudgeFailCount, g.judgeFail)
	wantCount(t, "generation_fail_count", r.GenerationFailCount, g.genFail)
	wantFloat(t, "pass_percentage", r.PassPercentage, g.passPct)
	// Non-trivial: the stand-in judge fails and misanswers some rows, and no model generates here.
	if g.judgeFail == 0 || g.invalid == 0 || g.genFail != 0 {
		t.Errorf("judge failures %d, invalid answers %d, generation failures %d", g.judgeFail, g.invalid, g.genFail)
	}
	for _, l := range labels {
		if g.labels[l] < manyRows/10 {
			t.Errorf("label %s given %d times of %d", l, g.labels[l], manyRows)
		}
	}
}

// maps says whether got has exactly the labels, with the counts of want (0 where absent).
func maps(got, want map[string]int, labels []string) bool {
	if len(got) != len(labels) {
		return false
	}
	for _, l := range labels {
		if n, ok := got[l]; !ok || n != want[l] {
			return false
		}
	}
	return true
}

func TestScoreResultsAgreeWithTheResultFile(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, threshold float64
		whole             bool
	}{{1, 10, 7, true}, {0, 1, 0.5, false}} {
		t.Run(fmt.Sprint(tc.lo, "-", tc.hi), func(t *testing.T) {
			e := newEnv(t)
			content := rows(manyRows, twoColumns)
			f := e.upload(content)
			j := e.finished(e.create(scoreReq(f.ID, tc.lo, tc.hi, tc.threshold)))
			rs := e.resultRows(j)
			in := inputRows(t, content)
			for i := range rs {
				checkRow(t, i, in[i], rs[i])
				if n, ok := rs[i]["score"].(json.Number); ok {
					s, _ := n.Float64()
					if s < tc.lo || s > tc.hi || (tc.whole && s != math.Trunc(s)) {
						t.Errorf("row %d: score %v outside %v..%v", i, s, tc.lo, tc.hi)
					}
				}
			}
			g := recompute(t, "score", rs, nil, nil, tc.threshold)
			r := j.Results
			if r.AggregatedScores == nil {
				t.Fatalf("no aggregated_scores: %+v", r)
			}
			wantFloat(t, "mean_score", r.AggregatedScores.MeanScore, *g.mean)
			wantFloat(t, "std_score", r.AggregatedScores.StdScore, *g.std)
			wantFloat(t, "aggregated_scores.pass_percentage", r.AggregatedScores.PassPercentage, g.passPct)
			wantCount(t, "invalid_score_count", r.InvalidScoreCount, g.invalid)
			wantCount(t, "failed_samples", r.FailedSamples, g.failed)
			wantCount(t, "judge_fail_count", r.JudgeFailCount, g.judgeFail)
			wantCount(t, "generation_fail_count", r.GenerationFailCount, g.genFail)
			if r.LabelCounts != nil || r.AWins != nil || r.PassPercentage != nil {
				t.Errorf("score results carry other types' fields: %+v", r)
			}
			if g.failed == 0 || g.invalid == 0 || *g.std == 0 {
				t.Errorf("failed %d, invalid %d, std %v", g.failed, g.invalid, *g.std)
			}
		})
	}
}

func TestCompareResultsAgreeWithTheResultFile(t *testing.T) {
	e := newEnv(t)
	content := rows(manyRows, `{"prompt": "question %d", "response_a": "a", "response_b": "b"}`)
	f := e.upload(content)
	j := e.finished(e.create(compareReq(f.ID)))
	rs := e.resultRows(j)
	in := inputRows(t, content)
	for i := range rs {
		checkRow(t, i, in[i], rs[i])
	}
	g := recompute(t, "compare", rs, nil, nil, 0)
	r := j.Results
	wantCount(t, "A_wins", r.AWins, g.a)
	wantCount(t, "B_wins", r.BWins, g.b)
	wantCount(t, "Ties", r.Ties, g.ties)
	wantCount(t, "num_samples", r.NumSamples, manyRows)
	wantCount(t, "judge_fail_count", r.JudgeFailCount, g.judgeFail)
	if g.a == 0 || g.b == 0 || g.ties == 0 || g.a+g.b+g.ties+g.invalid+g.failed != manyRows {
		t.Errorf("A %d B %d ties %d invalid %d failed %d", g.a, g.b, g.ties, g.invalid, g.failed)
	}
}

func TestGeneratingModelsAddTheirOutputs(t *testing.T) {
	e := newEnv(t)
	content := rows(manyRows, `{"prompt": "question %d", "response_a": "a"}`)
	f := e.upload(content)
	req := compareReq(f.ID)
	params(req)["model_b"] = map[string]any{
		"model": "Qwen/Qwen3.5-9B", "max_tokens": 64, "temperature": 0.5,
		"system_template": "Be brief.", "input_template": "Q: {{prompt}}", "model_source": "serverless",
	}
	j := e.finished(e.create(req))
	rs := e.resultRows(j)
	g := recompute(t, "compare", rs, nil, nil, 0)
	for i, r := range rs {
		out, has := r.str("model_b_output")
		errText, _ := r.str("error")
		genFailed := strings.HasPrefix(errText, "generation failed")
		if has == genFailed {
			t.Errorf("row %d: model_b_output %q with error %q", i, out, errText)
		}
		if has && out != fmt.Sprintf("Stand-in output of Qwen/Qwen3.5-9B for: Q: question %d", i) {
			t.Errorf("row %d: model_b_output %q", i, out)
		}
		if _, ok := r["model_a_output"]; ok {
			t.Errorf("row %d: model_a is a column, yet the row has model_a_output", i)
		}
	}
	wantCount(t, "generation_fail_count", j.Results.GenerationFailCount, g.genFail)
	if g.genFail == 0 {
		t.Error("no generation failures in 400 rows")
	}
}

// TestForcedVerdicts: rows carrying __judge get exactly the verdict they ask for.
func TestForcedVerdicts(t *testing.T) {
	e := newEnv(t)
	t.Run("classify", func(t *testing.T) {
		verdicts := []any{"good", "good", "bad", "ugly", "maybe", "invalid", "judge_fail", "generation_fail"}
		j := e.forced(verdicts, classifyReq("", []string{"good", "bad", "ugly"}, []string{"good"}))
		_, raw := labelCounts(t, j.Results)
		if raw != `{"good": 2, "bad": 1, "ugly": 1}` {
			t.Errorf("label_counts %q", raw)
		}
		wantCount(t, "invalid_label_count", j.Results.InvalidLabelCount, 2)
		wantCount(t, "judge_fail_count", j.Results.JudgeFailCount, 1)
		wantCount(t, "generation_fail_count", j.Results.GenerationFailCount, 1)
		wantFloat(t, "pass_percentage", j.Results.PassPercentage, 50)
	})
	t.Run("score", func(t *testing.T) {
		verdicts := []any{1, 5, 10, "7.5", 11, "judge_fail"}
		j := e.forced(verdicts, scoreReq("", 1, 10, 7))
		a := j.Results.AggregatedScores
		scores := []float64{1, 5, 10, 7.5}
		mean := (1 + 5 + 10 + 7.5) / 4
		var ss float64
		for _, s := range scores {
			ss += (s - mean) * (s - mean)
		}
		std := math.Sqrt(ss / 4)
		wantFloat(t, "mean_score", a.MeanScore, mean)
		wantFloat(t, "std_score", a.StdScore, std)
		wantFloat(t, "pass_percentage", a.PassPercentage, 50)
		wantCount(t, "invalid_score_count", j.Results.InvalidScoreCount, 1)
		wantCount(t, "failed_samples", j.Results.FailedSamples, 1)
	})
	t.Run("score without valid scores", func(t *testing.T) {
		// One failed row of four: under the 30% that fails a job.
		j := e.forced([]any{"invalid", "invalid", "invalid", "judge_fail"}, scoreReq("", 1, 10, 7))
		a := j.Results.AggregatedScores
		if a.MeanScore != nil || a.StdScore != nil {
			t.Errorf("mean %v std %v, want null", deref(a.MeanScore), deref(a.StdScore))
		}
		wantFloat(t, "pass_percentage", a.PassPercentage, 0)
	})
	t.Run("compare", func(t *testing.T) {
		j := e.forced([]any{"A", "A", "B", "Tie", "C", "judge_fail"}, compareReq(""))
		wantCount(t, "A_wins", j.Results.AWins, 2)
		wantCount(t, "B_wins", j.Results.BWins, 1)
		wantCount(t, "Ties", j.Results.Ties, 1)
		wantCount(t, "num_samples", j.Results.NumSamples, 6)
		wantCount(t, "judge_fail_count", j.Results.JudgeFailCount, 1)
	})
}

// forced runs a job of req's kind over rows whose __judge fields are verdicts.
func (e *env) forced(verdicts []any, req map[string]any) generated.EvaluationJob {
	e.t.Helper()
	var b strings.Builder
	for i, v := range verdicts {
		line, _ := json.Marshal(map[string]any{"prompt": fmt.Sprint("q", i), "response": "r", "response_a": "a", "response_b": "b", "__judge": v})
		b.Write(line)
		b.WriteByte('\n')
	}
	p := params(req)
	p["input_data_file_path"] = e.upload(b.String()).ID
	if req["type"] == "compare" {
		p["judge"].(map[string]any)["system_template"] = "{{prompt}} {{response}}"
	} else {
		p["judge"].(map[string]any)["system_template"] = "{{prompt}} {{response_a}} {{response_b}}"
	}
	e.clock.Advance(lifetime)
	j := e.finished(e.create(req))
	if j.Status != generated.EvaluationStatusCompleted {
		e.t.Fatalf("%s: %+v", j.Status, j.Results)
	}
	return j
}

func TestTheSameInputGivesTheSameResults(t *testing.T) {
	e := newEnv(t)
	content := rows(50, twoColumns)
	f1, f2 := e.upload(content), e.upload(content)
	a := e.finished(e.create(classifyReq(f1.ID, []string{"yes", "no"}, []string{"yes"})))
	b := e.finished(e.create(classifyReq(f2.ID, []string{"yes", "no"}, []string{"yes"})))
	if *a.Results.ResultFileID == *b.Results.ResultFileID {
		t.Fatal("two jobs share a result file")
	}
	if ca, cb := e.content(*a.Results.ResultFileID), e.content(*b.Results.ResultFileID); ca != cb {
		t.Errorf("result files differ:\n%s\n%s", ca, cb)
	}
	ra, _ := labelCounts(t, a.Results)
	rb, _ := labelCounts(t, b.Results)
	if !reflect.DeepEqual(ra, rb) {
		t.Errorf("label counts %v and %v", ra, rb)
	}
}

// TestResultRowsKeepInputFieldsAsWritten: numbers like 1.0 and nested objects come back byte for
// byte, and a row field the result sets is replaced rather than repeated.
func TestResultRowsKeepInputFieldsAsWritten(t *testing.T) {
	e := newEnv(t)
	line := `{"prompt": "p", "response": {"text": "r", "n": 1.0}, "image_data_urls": ["data:x"], "success": "old"}`
	f := e.upload(line + "\n")
	req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"].(map[string]any)["system_template"] = "{{prompt}} {{success}}"
	j := e.finished(e.create(req))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("%s: %+v", j.Status, j.Results)
	}
	c := e.content(*j.Results.ResultFileID)
	if !strings.HasPrefix(c, `{"prompt": "p", "response": {"text": "r", "n": 1.0}, "image_data_urls": ["data:x"], `) {
		t.Errorf("result row %s", c)
	}
	if strings.Count(c, `"success"`) != 1 || strings.Contains(c, `"old"`) {
		t.Errorf("success is repeated or kept: %s", c)
	}
}

func TestLabelCountsIsAJSONStringOnTheWire(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(5, twoColumns))
	id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	e.clock.Advance(lifetime)
	_, _, b := e.request(http.MethodGet, "/evaluation/"+id, nil, "")
	if !bytes.Contains(b, []byte(`"label_counts":"{\"yes\": `)) {
		t.Errorf("label_counts is not a string holding an object: %s", b)
	}
}

// TestHugeScoresNeverBreakTheJob: scores near the largest float64 give statistics that fit JSON
// (or null), never a 500 on every later read of the job.
func TestHugeScoresNeverBreakTheJob(t *testing.T) {
	e := newEnv(t)
	j := e.forced([]any{"1.7e308", "1.7e308"}, scoreReq("", 0, 1.7e308, 1))
	agg := j.Results.AggregatedScores
	if agg == nil || agg.MeanScore == nil || *agg.MeanScore != 1.7e308 || agg.StdScore == nil || *agg.StdScore != 0 {
		t.Fatalf("aggregated scores = %+v", agg)
	}
	var list []generated.EvaluationJob
	e.getJSON("/evaluation", &list)
	if len(list) != 1 {
		t.Fatalf("list = %d jobs", len(list))
	}

	// A range wider than a float64 holds is refused at create.
	file := e.upload(rows(1, `{"prompt": "q%d", "response": "r"}`))
	status, body := e.postJSON("/evaluation", scoreReq(file.ID, -1.7e308, 1.7e308, 0))
	wantError(t, status, body, http.StatusBadRequest, "parameters.max_score")
}
