package wrappers

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/generated"
	"github.com/evalkit/together-evals/internal/contract"
)

// The bodies the benchmarks decode and serve: the documented job, and a list of benchListJobs jobs
// with benchListUpdates status updates each (about 3.3 MB), made deterministically from the
// generated types so that it is a valid answer of GET /evaluation.
const (
	benchListJobs    = 1000
	benchListUpdates = 20
)

var benchBodies = sync.OnceValues(func() (job, list []byte) {
	job, err := os.ReadFile("testdata/documented_job.json")
	if err != nil {
		panic(fmt.Sprintf("bench data: %v", err))
	}
	return job, makeBenchList(benchListJobs, benchListUpdates)
})

// makeBenchList returns a JSON array of n jobs of every type and several statuses, each with
// updates status updates, the same bytes every time.
func makeBenchList(n, updates int) []byte {
	rng := rand.New(rand.NewPCG(7, 11)) //nolint:gosec // deterministic test data
	ptr := func(f float64) *float64 { return &f }
	str := func(s string) *string { return &s }
	start := time.Date(2025, 7, 23, 17, 10, 4, 837888000, time.UTC)
	jobs := make([]generated.EvaluationJob, n)
	for i := range jobs {
		created := start.Add(time.Duration(i) * 7 * time.Minute)
		rows := 200 + rng.IntN(1800)
		j := generated.EvaluationJob{
			WorkflowID: fmt.Sprintf("eval-%08x-%04x", rng.Uint32(), i),
			OwnerID:    str(fmt.Sprintf("user-%d", 1000+rng.IntN(50))),
			CreatedAt:  &created,
			Status:     generated.EvaluationStatusCompleted,
		}
		switch i % 10 {
		case 7:
			j.Status = generated.EvaluationStatusRunning
		case 9:
			j.Status = generated.EvaluationStatusError
		}
		history := make([]generated.StatusUpdate, updates)
		at := created
		for k := range history {
			u := &history[k]
			switch {
			case k == 0:
				u.Status, u.Message = str("pending"), str("Job is pending evaluation")
			case k == 1:
				u.Status, u.Message = str("queued"), str("Job is queued behind other jobs of this owner")
			case k == updates-1 && j.Status != generated.EvaluationStatusRunning:
				u.Status = str(string(j.Status))
				u.Message = str(fmt.Sprintf("Job finished: %d rows judged in %d s", rows, 30+rng.IntN(600)))
			default:
				done := rows * (k - 1) / (updates - 2)
				u.Status = str("running")
				u.Message = str(fmt.Sprintf("Judged %d of %d rows (%d%%), %d judge calls in flight", done, rows, 100*done/rows, 1+rng.IntN(64)))
			}
			at = at.Add(time.Duration(1+rng.IntN(90_000_000)) * time.Microsecond)
			stamp := at
			u.Timestamp = &stamp
		}
		j.StatusUpdates = &history
		j.UpdatedAt = history[len(history)-1].Timestamp
		file := fmt.Sprintf("file-%08x-%04x", rng.Uint32(), i)
		var params string
		switch i % 3 {
		case 0:
			j.Type = generated.EvaluationTypeClassify
			params = `{"judge":{"model":"openai/gpt-oss-120b","model_source":"serverless","system_template":` +
				`"You are a careful judge. Read the question and the response, then say whether the response ` +
				`answers the question correctly and completely. Answer with one label only."},` +
				`"labels":["yes","no","unsure"],"pass_labels":["yes"],"model_to_evaluate":"response",` +
				`"input_data_file_path":"` + file + `"}`
		case 1:
			j.Type = generated.EvaluationTypeScore
			params = `{"judge":{"model":"Qwen/Qwen3.5-9B","model_source":"serverless","system_template":` +
				`"Score the response from 1 to 10 for helpfulness and accuracy. Explain briefly, then give the score."},` +
				`"min_score":1,"max_score":10,"pass_threshold":7,"model_to_evaluate":{"model":` +
				`"meta-llama/Llama-3.3-70B-Instruct-Turbo","model_source":"serverless","max_tokens":512,` +
				`"temperature":0.2,"system_template":"Answer the question.","input_template":"{{prompt}}"},` +
				`"input_data_file_path":"` + file + `"}`
		default:
			j.Type = generated.EvaluationTypeCompare
			params = `{"judge":{"model":"openai/gpt-oss-120b","model_source":"serverless","system_template":` +
				`"Compare response A and response B. Say which one answers the question better, or call it a tie."},` +
				`"model_a":"response_a","model_b":"response_b","input_data_file_path":"` + file + `"}`
		}
		raw := json.RawMessage(params)
		j.Parameters = &raw
		switch j.Status {
		case generated.EvaluationStatusRunning:
			// No results yet: "results" is left out.
		case generated.EvaluationStatusError:
			j.Results = &generated.EvaluationResults{Error: str("judge model returned no output for 100% of rows")}
		default:
			r := &generated.EvaluationResults{
				GenerationFailCount: ptr(float64(rng.IntN(3))),
				JudgeFailCount:      ptr(float64(rng.IntN(3))),
				ResultFileID:        str(fmt.Sprintf("file-res-%08x", rng.Uint32())),
			}
			switch j.Type {
			case generated.EvaluationTypeClassify:
				yes := rng.IntN(rows)
				no := rng.IntN(rows - yes)
				counts := json.RawMessage(fmt.Sprintf(`"{\"yes\": %d, \"no\": %d, \"unsure\": %d}"`, yes, no, rows-yes-no))
				r.LabelCounts = &counts
				r.InvalidLabelCount = ptr(float64(rng.IntN(5)))
				r.PassPercentage = ptr(float64(100*yes) / float64(rows))
			case generated.EvaluationTypeScore:
				r.AggregatedScores = &generated.AggregatedScores{
					MeanScore: ptr(1 + 9*rng.Float64()), StdScore: ptr(2 * rng.Float64()), PassPercentage: ptr(100 * rng.Float64()),
				}
				r.InvalidScoreCount = ptr(float64(rng.IntN(5)))
				r.FailedSamples = ptr(float64(rng.IntN(5)))
			default:
				a := rng.IntN(rows)
				bw := rng.IntN(rows - a)
				r.AWins, r.BWins, r.Ties = ptr(float64(a)), ptr(float64(bw)), ptr(float64(rows-a-bw))
				r.NumSamples = ptr(float64(rows))
			}
			j.Results = r
		}
		jobs[i] = j
	}
	b, err := json.Marshal(jobs)
	if err != nil {
		panic(fmt.Sprintf("bench data: %v", err))
	}
	return b
}

// TestBenchListIsAValidAnswer checks the benchmark's list against the contract and the decoder:
// every job decodes, with its history, results and Raw.
func TestBenchListIsAValidAnswer(t *testing.T) {
	_, list := benchBodies()
	if len(list) < 3_000_000 || len(list) > 3_500_000 {
		t.Errorf("the list is %d bytes, want about 3.3 MB", len(list))
	}
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://127.0.0.1/v1/evaluation", nil)
	header := http.Header{"Content-Type": {"application/json"}}
	if err := v.ValidateResponse(t.Context(), req, http.StatusOK, header, list); err != nil {
		t.Fatalf("the list does not validate against openapi.yaml: %v", err)
	}
	jobs, err := decodeJobs(list)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != benchListJobs {
		t.Fatalf("%d jobs, want %d", len(jobs), benchListJobs)
	}
	for i, j := range jobs {
		if len(j.StatusUpdates()) != benchListUpdates || j.ID == "" || len(j.Raw) == 0 || j.Raw[0] != '{' {
			t.Fatalf("job %d = %+v", i, j)
		}
		if j.HasResults() {
			if _, err := j.Results(); err != nil {
				t.Fatalf("job %d: Results(): %v", i, err)
			}
		}
	}
}
