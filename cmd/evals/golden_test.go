package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// fixtureJobs maps the job ids the fixture server knows to the repository's response fixtures.
var fixtureJobs = map[string]string{
	"eval-documented":    "documented_job.json",
	"eval-score":         "responses/job_score.json",
	"eval-compare":       "responses/job_compare.json",
	"eval-compare-float": "responses/job_compare_num_samples.json",
	"eval-failed":        "responses/job_failed.json",
	"eval-user-error":    "responses/job_user_error.json",
	"eval-object-counts": "responses/job_label_counts_object.json",
	"eval-float-null":    "responses/job_counts_float_null.json",
	"eval-extra-fields":  "responses/job_extra_fields.json",
	"eval-minimal":       "responses/job_minimal.json",
	"eval-pending":       "responses/job_pending_no_results.json",
	"eval-running":       "responses/job_running.json",
	"eval-nulls":         "responses/job_nulls.json",
	"eval-score-nulls":   "responses/job_score_null_aggregates.json",
}

// fixtureStatuses maps job ids to /status fixtures.
var fixtureStatuses = map[string]string{
	"eval-documented": "responses/status_completed.json",
	"eval-failed":     "responses/status_failed.json",
	"eval-running":    "responses/status_running.json",
	"eval-minimal":    "responses/status_queued_no_results.json",
}

// badCountsJob is a completed classify job whose label_counts cannot be decoded.
const badCountsJob = `{"workflow_id": "eval-bad-counts", "type": "classify", "status": "completed",
 "parameters": {"labels": ["yes", "no"], "pass_labels": ["yes"]},
 "created_at": "2025-07-23T17:10:04Z", "updated_at": "2025-07-23T17:12:04Z",
 "results": {"generation_fail_count": 0, "judge_fail_count": 0, "invalid_label_count": 0,
   "result_file_id": "file-1", "pass_percentage": 50, "label_counts": "{\"yes\": 1.5, \"no\": 1}"}}`

// hostileJob carries terminal escape sequences and a credential in places the job view prints.
const hostileJob = `{"workflow_id": "eval-hostile", "type": "classify", "status": "completed",
 "status_updates": [{"status": "running", "message": "\u001b]0;pwned\u0007\u001b[2Jcleared", "timestamp": "2025-07-23T17:10:04Z"}],
 "parameters": {"judge": {"model": "m\u001b[31mred", "system_template": "t", "model_source": "external",
   "external_api_token": "sk-external-secret-value"}, "labels": ["ok\u001b[5m", "no"], "pass_labels": ["ok\u001b[5m"]},
 "results": {"generation_fail_count": 0, "judge_fail_count": 0, "invalid_label_count": 0,
   "result_file_id": "file-1", "pass_percentage": 50, "label_counts": "{\"ok\\u001b[5m\": 1, \"no\": 1}"}}`

// compareInvalidJob is a compare job with rows that have no verdict: 12 samples, 6 + 3 + 1 with a
// verdict, 1 generation failure, so 1 invalid answer.
const compareInvalidJob = `{"workflow_id": "eval-compare-invalid", "type": "compare", "status": "completed",
 "parameters": {"model_a": "response_a", "model_b": "response_b"},
 "results": {"A_wins": 6, "B_wins": 3, "Ties": 1, "num_samples": 12, "generation_fail_count": 1,
   "judge_fail_count": 0, "result_file_id": "file-1"}}`

func fixtureRoutes(t *testing.T) map[string]fixture {
	t.Helper()
	routes := map[string]fixture{
		"GET /v1/evaluation":                        {body: fixtureFile(t, "responses/list.json")},
		"GET /v1/evaluation?status=running&limit=2": {body: fixtureFile(t, "responses/list.json")},
		"GET /v1/evaluation?status=completed":       {body: fixtureFile(t, "responses/list_empty.json")},
		"GET /v1/evaluation/model-list":             {body: fixtureFile(t, "responses/models.json")},
		"GET /v1/evaluation/eval-bad-counts":        {body: badCountsJob},
		"GET /v1/evaluation/eval-hostile":           {body: hostileJob},
		"GET /v1/evaluation/eval-compare-invalid":   {body: compareInvalidJob},
	}
	for id, file := range fixtureJobs {
		routes["GET /v1/evaluation/"+id] = fixture{body: fixtureFile(t, file)}
	}
	for id, file := range fixtureStatuses {
		routes["GET /v1/evaluation/"+id+"/status"] = fixture{body: fixtureFile(t, file)}
	}
	return routes
}

// TestGolden prints every fixture job, status, list and model list as a table and as JSON and
// compares the output with the golden files.
func TestGolden(t *testing.T) {
	fs := startFixtures(t, fixtureRoutes(t))
	type tc struct {
		name string
		args []string
	}
	var cases []tc
	for id := range fixtureJobs {
		cases = append(cases, tc{"get_" + strings.TrimPrefix(id, "eval-"), []string{"get", id}})
	}
	for id := range fixtureStatuses {
		cases = append(cases, tc{"status_" + strings.TrimPrefix(id, "eval-"), []string{"status", id}})
	}
	cases = append(cases,
		tc{"list", []string{"list"}},
		tc{"list_filtered", []string{"list", "--status", "running", "--limit", "2"}},
		tc{"models", []string{"models"}},
		tc{"get_bad-counts", []string{"get", "eval-bad-counts"}},
		tc{"get_compare-invalid", []string{"get", "eval-compare-invalid"}},
	)
	for _, c2 := range cases {
		for _, format := range []string{"table", "json"} {
			t.Run(c2.name+"_"+format, func(t *testing.T) {
				r := newCLI(t, fs.URL).mustRun(0, append(c2.args, "-o", format)...)
				ext := ".txt"
				if format == "json" {
					ext = ".json"
					var v any
					if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
						t.Fatalf("-o json printed something that is not JSON: %v\n%s", err, r)
					}
				}
				golden(t, c2.name+ext, r.stdout)
				if c2.name != "get_bad-counts" && r.stderr != "" {
					t.Errorf("stderr is not empty:\n%s", r)
				}
			})
		}
	}
}

// TestGetJSONIsTheAPIObject checks that -o json prints every field the API sent, unknown ones
// included, with label_counts as sent and decoded beside it.
func TestGetJSONIsTheAPIObject(t *testing.T) {
	fs := startFixtures(t, fixtureRoutes(t))
	r := newCLI(t, fs.URL).mustRun(0, "get", "eval-extra-fields", "-o", "json")
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(fixtureFile(t, "responses/job_extra_fields.json")), &sent); err != nil {
		t.Fatal(err)
	}
	res := got["results"].(map[string]any)
	decoded, ok := res["label_counts_decoded"].(map[string]any)
	if !ok || decoded["yes"] != 1.0 || decoded["no"] != 1.0 || len(decoded) != 2 {
		t.Errorf("results.label_counts_decoded = %v, want map[no:1 yes:1]", res["label_counts_decoded"])
	}
	delete(res, "label_counts_decoded")
	gotJSON, _ := json.Marshal(got)
	sentJSON, _ := json.Marshal(sent)
	if string(gotJSON) != string(sentJSON) {
		t.Errorf("-o json is not the object sent (besides label_counts_decoded):\n got %s\nsent %s", gotJSON, sentJSON)
	}
}

// TestBadLabelCounts checks that a label_counts that cannot be decoded is shown as sent, named in
// a warning, and never fails the command.
func TestBadLabelCounts(t *testing.T) {
	fs := startFixtures(t, fixtureRoutes(t))
	c := newCLI(t, fs.URL)
	r := c.mustRun(0, "get", "eval-bad-counts")
	for _, want := range []string{"Label counts (raw):", `{"yes": 1.5, "no": 1}`, "Problem:", "results.label_counts"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r)
		}
	}
	r = c.mustRun(0, "get", "eval-bad-counts", "-o", "json")
	if !strings.Contains(r.stdout, `"label_counts_decoded": null`) || !strings.Contains(r.stderr, "warning") ||
		!strings.Contains(r.stderr, "results.label_counts") {
		t.Errorf("want label_counts_decoded null and a warning naming results.label_counts:\n%s", r)
	}
}

// TestHostileStrings checks that escape sequences sent by the service are shown escaped, never
// sent to the terminal, and that credentials in parameters are redacted in every format.
func TestHostileStrings(t *testing.T) {
	fs := startFixtures(t, fixtureRoutes(t))
	c := newCLI(t, fs.URL)
	for _, format := range []string{"table", "json"} {
		r := c.mustRun(0, "get", "eval-hostile", "-o", format)
		if strings.Contains(r.stdout, "sk-external-secret-value") {
			t.Errorf("-o %s printed the external token:\n%s", format, r)
		}
		if !strings.Contains(r.stdout, redacted) {
			t.Errorf("-o %s does not show the token as %s:\n%s", format, redacted, r)
		}
		if format == "table" {
			if strings.ContainsAny(r.stdout, "\x1b\x07") {
				t.Errorf("the table passes escape characters through:\n%q", r.stdout)
			}
			for _, want := range []string{`\x1b[2Jcleared`, `ok\x1b[5m`, `m\x1b[31mred`} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the table lacks the escaped text %q:\n%s", want, r.stdout)
				}
			}
		}
	}
}

// TestGoldenAPI runs jobs of every type on the in-memory API with a fake clock and compares what
// get, list and results print with the golden files (ids made stable). get_api_classify.txt is the
// sample of `evals get` in the README.
func TestGoldenAPI(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	qa := writeFile(t, "qa.jsonl", qaData)
	pairs := writeFile(t, "pairs.jsonl", pairData)
	jobs := map[string][]string{
		"classify": append(classifyArgs, "--input", qa),
		"score": {
			"create", "score", "--input", qa, "--judge-model", "openai/gpt-oss-120b",
			"--judge-template", "Rate the answer to {{question}} from 1 to 10.",
			"--min-score", "1", "--max-score", "10", "--threshold", "7", "--model-column", "answer",
		},
		"compare": {
			"create", "compare", "--input", pairs, "--judge-model", "openai/gpt-oss-120b",
			"--judge-template", "Which answer to {{prompt}} is better? A reference: {{response_b}}",
			"--model-a-column", "response_a", "--model-b", "Qwen/Qwen3.5-9B",
			"--model-b-input-template", "{{prompt}}", "--model-b-max-tokens", "64", "--model-b-temperature", "0",
		},
	}
	ids := map[string]string{}
	for _, kind := range []string{"classify", "score", "compare"} {
		ids[kind] = createdID(t, c.mustRun(0, jobs[kind]...))
		// The runner ends a job at the clock's time when that is past its running phase: let it
		// finish before the clock moves, so that every end time is the one its phases give.
		srv.waitIdle()
		srv.clock.Advance(time.Second) // distinct creation times: a stable order in list
	}
	srv.endJobs()
	// One normalisation over every output, so that each id keeps one name everywhere.
	var all strings.Builder
	var names []string
	add := func(name, out string) {
		names = append(names, name)
		all.WriteString(out)
		all.WriteString("\x00")
	}
	for _, kind := range []string{"classify", "score", "compare"} {
		add("get_api_"+kind+".txt", c.mustRun(0, "get", ids[kind]).stdout)
		add("status_api_"+kind+".txt", c.mustRun(0, "status", ids[kind]).stdout)
		add("get_api_"+kind+".json", c.mustRun(0, "get", ids[kind], "-o", "json").stdout)
		add("results_api_"+kind+".txt", c.mustRun(0, "results", ids[kind]).stdout)
		add("results_api_"+kind+".jsonl", c.mustRun(0, "results", ids[kind], "-o", "json").stdout)
	}
	add("list_api.txt", c.mustRun(0, "list").stdout)
	outs := strings.Split(normalizeIDs(all.String()), "\x00")
	for i, name := range names {
		golden(t, name, outs[i])
	}
	// status shows the results as get does: the same labels in the same order, the same pass
	// marks, the same compare figures.
	for _, kind := range []string{"classify", "score", "compare"} {
		get := c.mustRun(0, "get", ids[kind]).stdout
		status := c.mustRun(0, "status", ids[kind]).stdout
		_, getResults, _ := strings.Cut(get, "\nResults:\n")
		_, statusResults, _ := strings.Cut(status, "\nResults:\n")
		if getResults == "" || getResults != statusResults {
			t.Errorf("%s: status shows the results\n%s\nget shows them\n%s", kind, statusResults, getResults)
		}
	}
}
