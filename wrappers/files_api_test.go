package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/wrappers"
)

// These tests upload, evaluate and read results end to end against the in-memory api (see
// newAPIEnv): the summaries computed from the streamed result rows must equal the job's results.

// allowJudgeHook lets the api's own __judge field (which forces a verdict) through the usage rules.
var allowJudgeHook = wrappers.WithUploadCheck(wrappers.InputCheckOptions{AllowUnused: []string{"__judge"}})

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runJob uploads content for req through UploadFile (with the whole pre-flight), creates the job
// and waits for it.
func runJob(t *testing.T, env *apiEnv, content string, req wrappers.CreateRequest, opts ...wrappers.UploadOption) *wrappers.Job {
	t.Helper()
	ctx := context.Background()
	opts = append([]wrappers.UploadOption{wrappers.WithUploadRequest(req)}, opts...)
	f, err := env.client.UploadFile(ctx, writeFile(t, "input.jsonl", content), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if f.Purpose != wrappers.FilePurposeEval || f.Bytes != int64(len(content)) || f.Filename != "input.jsonl" {
		t.Errorf("uploaded file %+v", f)
	}
	switch r := req.(type) {
	case wrappers.ClassifyRequest:
		r.InputFileID = f.ID
		req = r
	case wrappers.ScoreRequest:
		r.InputFileID = f.ID
		req = r
	case wrappers.CompareRequest:
		r.InputFileID = f.ID
		req = r
	}
	created, err := env.client.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	job, err := env.client.Wait(ctx, created.ID, fastWait())
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func TestAgainstAPIUploadAndResultRows(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	job := runJob(t, env, classifyRows, classifyRequest(""), allowJudgeHook)

	// The uploaded input file's metadata.
	params, err := job.Request()
	if err != nil {
		t.Fatal(err)
	}
	in, err := env.client.File(ctx, params.(*wrappers.ClassifyRequest).InputFileID)
	if err != nil || in.Bytes != int64(len(classifyRows)) || in.Purpose != wrappers.FilePurposeEval {
		t.Errorf("input file %+v, %v", in, err)
	}
	// The result file's.
	id, err := job.ResultFileID()
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.client.File(ctx, id)
	if err != nil || out.Purpose != wrappers.FilePurposeEvalOutput {
		t.Errorf("result file %+v, %v", out, err)
	}

	// One row per input row, in order, keeping the input fields, with the judgement added.
	inputLines := strings.Split(strings.TrimSpace(classifyRows), "\n")
	var got []string
	for row, err := range env.client.JobResultRows(ctx, job) {
		if err != nil {
			t.Fatal(err)
		}
		prompt, _ := row.StringField("prompt")
		label, _ := row.Label()
		got = append(got, fmt.Sprintf("%s|%s|%s|%v", prompt, label, row.FinalDecision(), row.InvalidJudgeOutput()))
		if keys := row.Keys(); !slices.Equal(keys[:3], []string{"prompt", "response", "__judge"}) || !row.Has("success") || !row.Has("feedback") {
			t.Errorf("row %d keys %q", row.Line(), keys)
		}
	}
	want := []string{
		"Is the sky blue?|yes|pass|false", "Is water dry?|no|fail|false", "Is fire hot?|yes|pass|false",
		"Is ice hot?|||true", "Is 2 > 1?|yes|pass|false",
	}
	if !slices.Equal(got, want) || len(got) != len(inputLines) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}

	summary, err := env.client.CheckJobRows(ctx, job)
	if err != nil {
		t.Fatalf("rows disagree with the job: %v", err)
	}
	if summary.LabelCounts["yes"] != 3 || summary.LabelCounts["no"] != 1 || summary.InvalidJudgeOutputs != 1 || summary.ClassifyPassPercentage() != 75 {
		t.Errorf("summary %+v", summary)
	}
}

// TestAgainstAPISummariesMatchResults runs classify, score and compare jobs over generated rows
// (the api's stand-in judge picks verdicts, fails some rows at the judge or at generation, and
// answers some invalidly) and checks every aggregate against the rows.
func TestAgainstAPISummariesMatchResults(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	var rows, prompts, pairs strings.Builder
	for i := range 400 {
		fmt.Fprintf(&rows, "{\"prompt\": \"question %d\", \"response\": \"answer %d\"}\n", i, i*7)
		fmt.Fprintf(&prompts, "{\"prompt\": \"question %d\"}\n", i)
		fmt.Fprintf(&pairs, "{\"prompt\": \"question %d\", \"a\": \"answer %d\"}\n", i, i*3)
	}
	judge := wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: "Judge the answer to {{ prompt }}."}
	generator := &wrappers.Model{Name: "Qwen/Qwen3.5-9B", InputTemplate: "{{prompt}}", MaxTokens: 64, Temperature: wrappers.Float64(0.5)}
	jobs := []struct {
		name    string
		content string
		req     wrappers.CreateRequest
		check   func(t *testing.T, s *wrappers.RowSummary, job *wrappers.Job)
	}{
		{"classify", rows.String(), wrappers.ClassifyRequest{
			Judge: judge, Labels: []string{"good", "fair", "bad"}, PassLabels: []string{"good", "fair"},
			ModelToEvaluate: wrappers.Column("response"),
		}, func(t *testing.T, s *wrappers.RowSummary, _ *wrappers.Job) {
			if len(s.LabelCounts) != 3 || s.JudgeFailures == 0 || s.InvalidJudgeOutputs == 0 || s.LabeledRows == 0 {
				t.Errorf("summary %+v: the stand-in judge should give every kind of row", s)
			}
		}},
		{"score", prompts.String(), wrappers.ScoreRequest{
			Judge: judge, MinScore: 1, MaxScore: 10, PassThreshold: 6.5, ModelToEvaluate: generator,
		}, func(t *testing.T, s *wrappers.RowSummary, _ *wrappers.Job) {
			if s.Scores.Count == 0 || s.GenerationFailures == 0 || s.Scores.Std == 0 {
				t.Errorf("summary %+v", s)
			}
		}},
		{"compare", pairs.String(), wrappers.CompareRequest{
			Judge: judge, ModelA: wrappers.Column("a"), ModelB: generator,
		}, func(t *testing.T, s *wrappers.RowSummary, job *wrappers.Job) {
			if s.AWins == 0 || s.BWins == 0 || s.Ties == 0 || s.Rows != 400 {
				t.Errorf("summary %+v", s)
			}
			// The generating model's outputs are in the rows.
			n := 0
			for row, err := range env.client.JobResultRows(ctx, job) {
				if err != nil {
					t.Fatal(err)
				}
				if out, ok := row.ModelBOutput(); ok && strings.HasPrefix(out, "Stand-in output of Qwen/Qwen3.5-9B") {
					n++
				}
			}
			if n == 0 {
				t.Error("no row carries model_b_output")
			}
		}},
	}
	summaries := map[string]*wrappers.RowSummary{}
	jobByName := map[string]*wrappers.Job{}
	for _, tt := range jobs {
		t.Run(tt.name, func(t *testing.T) {
			job := runJob(t, env, tt.content, tt.req)
			s, err := env.client.CheckJobRows(ctx, job)
			if err != nil {
				t.Fatalf("rows disagree with the job's results: %v", err)
			}
			totals, err := job.ResultTotals()
			if err != nil {
				t.Fatal(err)
			}
			if s.Rows != 400 || totals.GenerationFailCount == nil || totals.JudgeFailCount == nil {
				t.Errorf("%d rows, totals %+v", s.Rows, totals)
			}
			tt.check(t, s, job)
			summaries[tt.name], jobByName[tt.name] = s, job
		})
	}

	// A summary of other rows does not match: the check can fail.
	if s, job := summaries["classify"], jobByName["classify"]; s != nil && job != nil {
		other := *s
		other.LabelCounts = map[string]int{"good": s.LabelCounts["good"] + 1, "fair": s.LabelCounts["fair"], "bad": s.LabelCounts["bad"]}
		err := job.CheckRowSummary(&other)
		var me *wrappers.SummaryMismatchError
		if !errors.As(err, &me) || len(me.Mismatches) != 1 || me.Mismatches[0].Field != `label_counts["good"]` {
			t.Errorf("tampered summary: %v", err)
		}
	}
}

func TestAgainstAPIResultRowsOfJobsWithoutResults(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	// A job that fails on its input: the usage rules would have caught it, so upload without them.
	f, err := env.client.UploadFile(ctx, writeFile(t, "input.jsonl", `{"prompt": "p", "response": "r", "notes": "x"}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	created, err := env.client.Create(ctx, classifyRequest(f.ID))
	if err != nil {
		t.Fatal(err)
	}
	job, err := env.client.Wait(ctx, created.ID, fastWait())
	var failed *wrappers.JobFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("wait: %v, want a *JobFailedError", err)
	}
	if job == nil {
		job = failed.Job
	}
	for row, err := range env.client.JobResultRows(ctx, job) {
		if row != nil || !errors.As(err, &failed) {
			t.Errorf("rows of a failed job: %v, %v", row, err)
		}
	}
	if _, err := job.ResultTotals(); !errors.As(err, &failed) {
		t.Errorf("totals of a failed job: %v", err)
	}

	// The same input is refused locally with the usage rules, naming the field.
	_, err = env.client.UploadFile(ctx, writeFile(t, "input.jsonl", `{"prompt": "p", "response": "r", "notes": "x"}`+"\n"),
		wrappers.WithUploadRequest(classifyRequest("")))
	mustContain(t, fmt.Sprint(err), `input.jsonl:1: field "notes": not used by any template or model column`)
}
