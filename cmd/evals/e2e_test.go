package main

import (
	"bufio"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
)

// qaData is an input file whose every field the classify and score jobs below use.
const qaData = `{"question": "What is 2 + 2?", "answer": "4"}
{"question": "What is the capital of France?", "answer": "Paris"}
{"question": "What colour is the sky on a clear day?", "answer": "Green"}
{"question": "How many legs does a spider have?", "answer": "Eight"}
{"question": "Who wrote Hamlet?", "answer": "Shakespeare"}
{"question": "What is the boiling point of water in Celsius?", "answer": "90"}
`

// pairData is an input file for compare jobs.
const pairData = `{"prompt": "Say hi", "response_a": "Hi!", "response_b": "Hello there."}
{"prompt": "Name a fruit", "response_a": "Apple", "response_b": "Carrot"}
{"prompt": "Count to three", "response_a": "1 2 3", "response_b": "1 2"}
`

var classifyArgs = append(classifyBase(), "--labels", "good,bad", "--pass-labels", "good")

// classifyBase returns the arguments of a classify job without its labels (a list flag is given
// once), and more.
func classifyBase(more ...string) []string {
	return append([]string{
		"create", "classify",
		"--judge-model", "openai/gpt-oss-120b",
		"--judge-template", "Is the answer to {{question}} correct? Answer good or bad.",
		"--model-column", "answer",
	}, more...)
}

// classifyWith returns the arguments of a valid classify job on file "f", and more.
func classifyWith(more ...string) []string {
	return append(classifyBase("--labels", "good,bad", "--pass-labels", "good", "--input-file-id", "f"), more...)
}

// createdID finds the job id in what create printed.
func createdID(t *testing.T, r result) string {
	t.Helper()
	id := jobIDPattern.FindString(r.stdout + r.stderr)
	if id == "" {
		t.Fatalf("no job id in the output:\n%s", r)
	}
	return id
}

// startTickingAPI starts the API on a clock that moves at every reading, so that jobs end while
// the CLI polls them.
func startTickingAPI(t *testing.T, opts ...api.Option) *apiServer {
	t.Helper()
	return startAPI(t, append([]api.Option{api.WithClock(&tickingClock{now: fixedNow, step: 50 * time.Millisecond})}, opts...)...)
}

func TestCreateClassifyWaitResultsEndToEnd(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	input := writeFile(t, "qa.jsonl", qaData)

	r := c.mustRun(0, append(classifyArgs, "--input", input, "--wait")...)
	id := createdID(t, r)
	for _, want := range []string{"Label counts:", "good", "pass", "Status:   completed", "Pass percentage:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r)
		}
	}
	for _, want := range []string{"Uploaded qa.jsonl", "Created classify job " + id, id + ": completed ("} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.stderr, "\r") {
		t.Errorf("progress redrawn in place although stderr is not a terminal:\n%q", r.stderr)
	}

	// The rows, as a table and as JSONL, agree with the job's results.
	r = c.mustRun(0, "results", id)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 1+6 || !strings.HasPrefix(lines[0], "LINE   LABEL") {
		t.Errorf("want a header and 6 rows:\n%s", r)
	}
	if !strings.Contains(r.stderr, "6 rows:") || !strings.Contains(r.stderr, "The rows agree with the job's results.") {
		t.Errorf("want a summary that agrees with the job:\n%s", r)
	}
	r = c.mustRun(0, "results", id, "-o", "json")
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	n := 0
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("line %d of -o json is not a JSON object: %v\n%s", n+1, err, r)
		}
		if _, ok := row["question"]; !ok {
			t.Errorf("row %d lacks the input field question: %v", n+1, row)
		}
		if _, ok := row["success"]; !ok {
			t.Errorf("row %d lacks success: %v", n+1, row)
		}
		n++
	}
	if n != 6 {
		t.Errorf("-o json printed %d rows, want 6", n)
	}
	r = c.mustRun(0, "results", id, "--limit", "2")
	if got := strings.Count(strings.TrimSpace(r.stdout), "\n"); got != 2 || !strings.Contains(r.stderr, "Stopped after 2 rows") {
		t.Errorf("--limit 2: want a header and 2 rows:\n%s", r)
	}

	// The job is listed, and its result file can be looked up.
	r = c.mustRun(0, "list")
	if !strings.Contains(r.stdout, id) || !strings.Contains(r.stdout, "completed") {
		t.Errorf("list lacks the job:\n%s", r)
	}
	r = c.mustRun(0, "get", id, "-o", "json")
	var job struct {
		Results struct {
			ResultFileID string         `json:"result_file_id"`
			Decoded      map[string]int `json:"label_counts_decoded"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &job); err != nil {
		t.Fatal(err)
	}
	if job.Results.Decoded["good"]+job.Results.Decoded["bad"] == 0 {
		t.Errorf("label_counts_decoded = %v, want counts for good and bad", job.Results.Decoded)
	}
	r = c.mustRun(0, "files", "get", job.Results.ResultFileID)
	if !strings.Contains(r.stdout, "eval-output") {
		t.Errorf("the result file's purpose is not shown:\n%s", r)
	}
}

func TestCreateScoreWithModelAndCompare(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	qa := writeFile(t, "qa.jsonl", qaData)
	r := c.mustRun(0, "create", "score", "--input", qa, "-o", "json", "--wait",
		"--judge-model", "openai/gpt-oss-120b", "--judge-template", "Rate the answer to {{question}} from 1 to 5.",
		"--judge-max-tokens", "64", "--judge-temperature", "0.2", "--judge-workers", "2",
		"--min-score", "1", "--max-score", "5", "--threshold", "3",
		"--model", "Qwen/Qwen3.5-9B", "--model-input-template", "{{question}}", "--model-max-tokens", "32",
		"--model-system-template", "Answer briefly. Ignore {{answer}}.", "--model-temperature", "0.5")
	var job map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &job); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	res, _ := job["results"].(map[string]any)
	if job["type"] != "score" || job["status"] != "completed" || res["aggregated_scores"] == nil {
		t.Errorf("want a completed score job with aggregated_scores:\n%s", r)
	}
	params, _ := job["parameters"].(map[string]any)
	mte, _ := params["model_to_evaluate"].(map[string]any)
	if mte["model"] != "Qwen/Qwen3.5-9B" || mte["max_tokens"] != 32.0 || mte["input_template"] != "{{question}}" {
		t.Errorf("model_to_evaluate = %v", params["model_to_evaluate"])
	}
	judge, _ := params["judge"].(map[string]any)
	if judge["max_tokens"] != 64.0 || judge["temperature"] != 0.2 || judge["num_workers"] != 2.0 {
		t.Errorf("judge = %v", judge)
	}

	pairs := writeFile(t, "pairs.jsonl", pairData)
	r = c.mustRun(0, "create", "compare", "--input", pairs, "--wait", "--no-position-bias-correction",
		"--judge-model", "openai/gpt-oss-120b", "--judge-template", "Which answer to {{prompt}} is better?",
		"--model-a-column", "response_a", "--model-b-column", "response_b")
	for _, want := range []string{"A wins", "B wins", "Ties", "Samples:", "disable_position_bias_correction  true"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r)
		}
	}
}

func TestJobFailuresExitOne(t *testing.T) {
	srv := startTickingAPI(t)
	c := newCLI(t, srv.URL)
	input := writeFile(t, "qa.jsonl", qaData)

	// The in-memory API fails jobs whose judge model starts with "fail/".
	args := append([]string{}, classifyArgs...)
	args[3] = "fail/judge"
	r := c.mustRun(1, append(args, "--input", input, "--wait")...)
	if !strings.Contains(r.stderr, "ended in error: judge model fail/judge is not available") {
		t.Errorf("stderr does not give the reason:\n%s", r)
	}
	if !regexp.MustCompile(`Error: +judge model fail/judge is not available`).MatchString(r.stdout) {
		t.Errorf("stdout does not show the failed job:\n%s", r)
	}
	id := createdID(t, r)
	r = c.mustRun(1, "wait", id)
	if !strings.Contains(r.stderr, "ended in error") {
		t.Errorf("wait of a failed job:\n%s", r)
	}
	r = c.mustRun(1, "results", id)
	if !strings.Contains(r.stderr, "judge model fail/judge is not available") {
		t.Errorf("results of a failed job:\n%s", r)
	}

	// A file with a column no template uses passes the structural check of files upload, and the
	// job ends in user_error.
	extra := writeFile(t, "extra.jsonl", `{"question": "q", "answer": "a", "notes": "unused"}`+"\n")
	r = c.mustRun(0, "files", "upload", extra)
	fileID := strings.TrimSpace(r.stdout)
	if !fileIDPattern.MatchString(fileID) {
		t.Fatalf("files upload did not print the file id:\n%s", r)
	}
	r = c.mustRun(1, append(classifyArgs, "--input-file-id", fileID, "--wait")...)
	if !strings.Contains(r.stderr, "user_error") || !strings.Contains(r.stderr, "notes") {
		t.Errorf("want user_error naming the unused column:\n%s", r)
	}
}

func TestPreflightRefusesBeforeAnyRequest(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	cases := []struct {
		name, content string
		want          []string
	}{
		{"unused column", `{"question": "q", "answer": "a", "notes": "n"}` + "\n", []string{"bad.jsonl:1", `"notes"`}},
		{"missing placeholder field", `{"answer": "a"}` + "\n", []string{"bad.jsonl", `"question"`}},
		{"not an object", `{"question": "q", "answer": "a"}` + "\n[1, 2]\n", []string{"bad.jsonl:2"}},
		{"different fields", `{"question": "q", "answer": "a"}` + "\n" + `{"question": "q"}` + "\n", []string{"bad.jsonl:2"}},
		{"invalid UTF-8", "{\"question\": \"q\xff\", \"answer\": \"a\"}\n", []string{"bad.jsonl:1", "UTF-8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "bad.jsonl", tc.content)
			r := newCLI(t, srv.URL).mustRun(2, append(classifyArgs, "--input", path)...)
			for _, want := range tc.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r)
			}
		})
	}
	r := c.mustRun(2, append(classifyArgs, "--input", "/nonexistent/input.jsonl")...)
	if !strings.Contains(r.stderr, "no such file") {
		t.Errorf("a missing input file:\n%s", r)
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("the server received %d requests, want none", n)
	}
}

func TestCheck(t *testing.T) {
	c := newCLI(t, "")
	delete(c.env, "TOGETHER_API_KEY") // check needs no key
	good := writeFile(t, "qa.jsonl", qaData)
	r := c.mustRun(0, "check", good)
	for _, want := range []string{"OK", "Rows:", "6 (", "question, answer", "structure checked"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r)
		}
	}
	r = c.mustRun(0, "check", good, "--judge-template", "Is {{question}} answered?", "--model-column", "answer")
	if !strings.Contains(r.stdout, "whole pre-flight passed") {
		t.Errorf("whole pre-flight:\n%s", r)
	}
	r = c.mustRun(2, "check", good, "--judge-template", "Is {{question}} answered?")
	if !strings.Contains(r.stderr, `field "answer"`) || r.stdout != "" {
		t.Errorf("an unused field must be named, stdout empty:\n%s", r)
	}
	r = c.mustRun(2, "check", good, "--judge-template", "{{question}} {{context}}", "--model-column", "answer")
	if !strings.Contains(r.stderr, "context") {
		t.Errorf("a placeholder naming no field must be named:\n%s", r)
	}
	pairs := writeFile(t, "pairs.jsonl", pairData)
	c.mustRun(0, "check", pairs, "--judge-template", "{{prompt}}", "--model-a-column", "response_a", "--model-b-column", "response_b")
	r = c.mustRun(2, "check", pairs, "--type", "classify", "--judge-template", "{{prompt}}", "--model-a-column", "response_a")
	if !strings.Contains(r.stderr, "--model-a-column: only applies to compare jobs") {
		t.Errorf("compare flags with --type classify:\n%s", r)
	}
	r = c.mustRun(2, "check", good, "--model-column", "answer")
	if !strings.Contains(r.stderr, "--judge-template: is required") {
		t.Errorf("model flags without a judge template:\n%s", r)
	}
	bad := writeFile(t, "bad.jsonl", "{\"a\": 1}\n\n{\"a\": 2\n")
	r = c.mustRun(2, "check", bad, "-o", "json")
	var report struct {
		OK       bool `json:"ok"`
		Problems []struct {
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if report.OK || len(report.Problems) != 2 || report.Problems[0].Line != 2 || report.Problems[1].Line != 3 {
		t.Errorf("want problems on lines 2 and 3:\n%s", r)
	}
	c.mustRun(2, "check", "/nonexistent.jsonl")
}

func TestNotFoundExitsThree(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	for _, args := range [][]string{
		{"get", "eval-nope"},
		{"status", "eval-nope"},
		{"wait", "eval-nope"},
		{"results", "eval-nope"},
		{"files", "get", "file-nope"},
		{"get", "eval-nope", "-o", "json"},
	} {
		r := c.mustRun(3, args...)
		if !strings.Contains(r.stderr, "not found") || r.stdout != "" {
			t.Errorf("evals %s:\n%s", strings.Join(args, " "), r)
		}
	}
}

// TestNotFoundHintsAtTheBaseURL: a base URL without /v1 (a common slip) is not "not found" but a
// configuration error, said once with the hint; under the right base URL, a missing job is not
// found (3) with no such hint.
func TestNotFoundHintsAtTheBaseURL(t *testing.T) {
	srv := startAPI(t)
	bare := strings.TrimSuffix(srv.URL, "/v1")
	r := newCLI(t, bare).mustRun(2, "get", "eval-123")
	want := "evals: the base URL " + bare + " (from $TOGETHER_BASE_URL) does not answer as the Evaluations API: " +
		`GET /evaluation/eval-123 got 404 Not Found for a path it does not have ("Unknown request URL: GET /evaluation/eval-123")` + "\n" +
		"Check --base-url or $TOGETHER_BASE_URL: the hosted API is at https://api.together.ai/v1, and 'evals serve' prints the URL of a local one; " +
		"this one does not end in /v1, where the API's paths start.\n"
	if r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	r = newCLI(t, srv.URL+"/").mustRun(3, "get", "eval-nope")
	if want := "evals: get eval-nope: Evaluation job \"eval-nope\" not found [404 Not Found, GET /evaluation/eval-nope]\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	for base, want := range map[string]bool{"https://api.together.ai/v1": true, "http://x/v2/": true, "http://x": false, "http://x/api": false, "http://x/v": false} {
		if got := hasVersionPath(base); got != want {
			t.Errorf("hasVersionPath(%q) = %v, want %v", base, got, want)
		}
	}
}

// TestCreateWhoseAnswerIsLost: a create that reached the service but got a 5xx or lost its
// answer says the job may exist, once, and is not sent again.
func TestCreateWhoseAnswerIsLost(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	file := c.mustRun(0, "files", "upload", writeFile(t, "data.jsonl", qaData), "-o", "json")
	var f struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(file.stdout), &f); err != nil {
		t.Fatalf("%v\n%s", err, file)
	}
	for _, fault := range []api.Fault{{Status: 500}, {Cut: true}} {
		srv.Faults().Inject(api.OpCreateEvaluation, 1, fault)
		before := srv.Requests(api.OpCreateEvaluation)
		r := c.mustRun(1, append(classifyArgs, "--input-file-id", f.ID)...)
		if n := strings.Count(r.stderr, "may have created the job"); n != 1 {
			t.Errorf("fault %+v: the warning appears %d times:\n%s", fault, n, r)
		}
		if got := srv.Requests(api.OpCreateEvaluation) - before; got != 1 {
			t.Errorf("fault %+v: %d creates sent, want 1", fault, got)
		}
	}
}

// TestRetriesAndRequestTimeoutFlags: --retries and --request-timeout reach the client.
func TestRetriesAndRequestTimeoutFlags(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Status: 503})
	before := srv.Requests(api.OpGetEvaluation)
	c.mustRun(1, "get", "eval-123", "--retries", "0")
	if got := srv.Requests(api.OpGetEvaluation) - before; got != 1 {
		t.Errorf("--retries 0: %d requests, want 1", got)
	}
	srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Status: 503})
	before = srv.Requests(api.OpGetEvaluation)
	c.mustRun(3, "get", "eval-123") // retried past the 503, then not found
	if got := srv.Requests(api.OpGetEvaluation) - before; got != 2 {
		t.Errorf("default retries: %d requests, want 2", got)
	}
	srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Delay: 5 * time.Second})
	// Without the bound the answer would come after the delay, a 404 (exit 3).
	r := c.mustRun(1, "get", "eval-123", "--retries=0", "--request-timeout", "50ms")
	if want := "evals: get eval-123: no answer from " + strings.TrimSuffix(srv.URL, "/v1") + " within --request-timeout 50ms\n"; r.stderr != want {
		t.Errorf("a timed-out request: stderr\n%s\nwant\n%s", r.stderr, want)
	}
	for _, args := range [][]string{{"get", "x", "--retries", "-1"}, {"get", "x", "--request-timeout", "-1s"}} {
		before := srv.Requests(api.OpGetEvaluation)
		c.mustRun(2, args...)
		if srv.Requests(api.OpGetEvaluation) != before {
			t.Errorf("evals %v sent a request", args)
		}
	}
}

func TestUnauthorizedExitsFour(t *testing.T) {
	srv := startAPI(t, api.WithAPIKeys("another-key"))
	r := newCLI(t, srv.URL).mustRun(4, "list")
	if !strings.Contains(r.stderr, "$TOGETHER_API_KEY") {
		t.Errorf("the message does not say which key was refused:\n%s", r)
	}
}

func TestAPIFailuresExitOne(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	srv.Faults().Inject(api.OpGetEvaluation, 10, api.Fault{Status: 503, Message: "the service is down"})
	r := c.mustRun(1, "get", "eval-123")
	if !strings.Contains(r.stderr, "the service is down [503 Service Unavailable, GET /evaluation/eval-123]") {
		t.Errorf("stderr:\n%s", r)
	}
	srv.Faults().Reset()

	// The API refuses a create naming a file it does not have: the flag is named.
	r = c.mustRun(1, append(classifyArgs, "--input-file-id", "file-missing")...)
	if want := `evals: create classify job: --input-file-id: file "file-missing" not found; upload the input file first [400 Bad Request, POST /evaluation]` + "\n"; r.stderr != want {
		t.Errorf("stderr:\n%s", r)
	}

	srv.Faults().Inject(api.OpListEvaluations, 1, api.Fault{Malformed: true})
	r = c.mustRun(1, "list")
	if r.stdout != "" {
		t.Errorf("a malformed answer printed data:\n%s", r)
	}
}

func TestUsageErrorsExitTwoBeforeAnyRequest(t *testing.T) {
	srv := startAPI(t)
	tmpl := writeFile(t, "judge.txt", "Is {{question}} right?")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, ""}, // no command: help on stdout, exit 0 (checked below)
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"get"}, "missing argument ID"},
		{[]string{"get", "a", "b"}, "takes 1 argument(s) (ID), got 2"},
		{[]string{"get", "x", "--frob"}, "unknown flag: --frob"},
		{[]string{"get", ".."}, `invalid`},
		{[]string{"-o", "yaml", "list"}, `--output: must be table or json, got "yaml"`},
		{[]string{"list", "--status", "done"}, `evals: --status: must be one of pending, queued, running, completed, error, user_error, got "done"` + "\n"},
		{[]string{"list", "--limit", "0"}, "--limit: must be at least 1"},
		{[]string{"list", "--limit", "many"}, `evals: --limit: "many" is not a whole number` + "\n"},
		{[]string{"list", "--limit", "99999999999999999999"}, `evals: --limit: "99999999999999999999" is out of range` + "\n"},
		{[]string{"wait", "eval-1", "--timeout", "5"}, `evals: --timeout: "5" is not a duration such as 90s, 30m or 1h30m` + "\n"},
		{classifyWith("--judge-temperature", "warm"), `evals: --judge-temperature: "warm" is not a number` + "\n"},
		{[]string{"models", "--source", "cloud"}, "--source: must be one of"},
		{[]string{"wait", "eval-1", "--timeout", "-1s"}, "--timeout: must not be negative"},
		{[]string{"results", "eval-1", "--limit", "-3"}, "--limit: must be at least 1"},
		{[]string{"--base-url", "ftp://example.com/v1", "list"}, "--base-url"},
		{[]string{"--base-url", "http://example.com/v1", "list"}, "--base-url"},
		{[]string{"create"}, `evals: "evals create" needs a command: classify, compare or score` + "\n"},
		{[]string{"completion", "ksh"}, `evals: unknown command "ksh" for "evals completion": use bash, fish, powershell or zsh` + "\n"},
		{[]string{"completion"}, `evals: "evals completion" needs a command: bash, fish, powershell or zsh` + "\n"},
		{[]string{"create", "clasify"}, `unknown command "clasify" for "evals create"`},
		{[]string{"files", "put"}, `unknown command "put" for "evals files"`},
		{classifyBase("--input-file-id", "f", "--labels", "one", "--pass-labels", "one"), "--labels: at least 2 labels are required"},
		{classifyBase("--input-file-id", "f", "--labels", "a,b", "--pass-labels", "maybe"), `--pass-labels: "maybe" is not one of the labels`},
		{classifyBase("--input-file-id", "f", "--labels", "a,a", "--pass-labels", "a"), `--labels: "a" appears more than once`},
		{classifyBase("--input-file-id", "f", "--labels", ",,", "--pass-labels", "a"), "evals: --labels: items 1, 2 and 3: must not be empty\nRun"},
		{classifyBase("--input-file-id", "f", "--labels", "a,b", "--labels", "c", "--pass-labels", "a"), "evals: --labels: given twice: list every value in one --labels a,b,c\nRun"},
		{classifyBase("--input-file-id", "f", "--labels", "a,b"), "--pass-labels: at least 1 pass label is required"},
		{classifyWith("--model", "m"), "--model-column: cannot be used with --model"},
		{classifyWith("--model-max-tokens", "5"), "--model-max-tokens: only applies with --model"},
		{classifyWith("--input", "x.jsonl"), "--input: cannot be used with --input-file-id"},
		{classifyArgs, "--input: an input file is required"},
		{classifyWith("--judge-template-file", tmpl), "--judge-template-file: cannot be used with --judge-template"},
		{classifyWith("--judge-temperature", "3"), "--judge-temperature: must be between 0 and 2"},
		{classifyWith("--judge-max-tokens", "0"), "--judge-max-tokens: must be at least 1"},
		{classifyWith("--judge-source", "cloud"), "--judge-source: must be one of"},
		{classifyWith("--judge-source", "external", "--judge-token-env", "UNSET_TOKEN_VAR"), "--judge-token-env: the environment variable UNSET_TOKEN_VAR is not set"},
		{classifyWith("--judge-source", "external", "--judge-token-env", "sk-live-123"), "--judge-token-env: takes the name of an environment variable"},
		{classifyWith("--judge-base-url", "https://x.example/v1"), `--judge-base-url: is only used with --judge-source "external"`},
		{classifyWith("--timeout", "1m"), "--timeout: only applies with --wait"},
		{[]string{"create", "classify", "--input-file-id", "f", "--labels", "a,b", "--pass-labels", "a"}, "--judge-model: is required"},
		{[]string{"create", "classify", "--input-file-id", "f", "--judge-model", "m", "--labels", "a,b", "--pass-labels", "a"}, "--judge-template: is required"},
		{[]string{"create", "classify", "--input-file-id", "f", "--judge-model", "m", "--judge-template-file", "/nonexistent/t.txt", "--labels", "a,b", "--pass-labels", "a"}, "evals: --judge-template-file: /nonexistent/t.txt: no such file or directory\nRun"},
		{[]string{
			"create", "classify", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--labels", "a,b", "--pass-labels", "a",
			"--model", "x", "--model-max-tokens", "0", "--model-input-template", "{{q}}",
		}, "--model-max-tokens: is required and must be at least 1"},
		{[]string{
			"create", "classify", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--labels", "a,b", "--pass-labels", "a",
			"--model", "x", "--model-max-tokens", "8", "--model-input-template", "{{q}}",
		}, "evals: --model-temperature: is required (0 to 2)\nRun"},
		{[]string{"create", "score", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--min-score", "1", "--max-score", "5"}, "--threshold: is required"},
		{[]string{"create", "score", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--min-score", "5", "--max-score", "1", "--threshold", "3"}, "evals: --max-score: must be greater than --min-score (5), got 1\nRun"},
		{[]string{"create", "score", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--min-score", "1", "--max-score", "5", "--threshold", "9"}, "--threshold: must be between"},
		{[]string{"create", "compare", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--model-a-column", "a"}, "evals: --model-b-column: is required: --model-b-column NAME, or a model with --model-b NAME\nRun"},
		{[]string{"create", "compare", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--model-a-column", "a", "--model-b-column", "a"}, `--model-b-column: names the same column as --model-a-column ("a")`},
		{[]string{"create", "compare", "--input-file-id", "f", "--judge-model", "m", "--judge-template", "t", "--model-a-column", "a", "--model-b", "m2", "--model-b-input-template", "{{x}}", "--model-b-temperature", "5", "--model-b-max-tokens", "3"}, "--model-b-temperature: must be between 0 and 2"},
		{[]string{"create", "classify", "--labels", "a", "--model-a-column", "x"}, "unknown flag: --model-a-column"},
	}
	for _, tc := range cases {
		name := strings.Join(tc.args, " ")
		t.Run(name, func(t *testing.T) {
			c := newCLI(t, srv.URL)
			r := c.run(tc.args...)
			if len(tc.args) == 0 {
				if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
					t.Errorf("want help on stdout and exit 0:\n%s", r)
				}
				return
			}
			if r.code != 2 {
				t.Errorf("exit %d, want 2:\n%s", r.code, r)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r)
			}
		})
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("usage errors sent %d requests, want none", n)
	}
}

func TestMissingKey(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	delete(c.env, "TOGETHER_API_KEY")
	for _, args := range [][]string{{"list"}, {"get", "eval-1"}, append(classifyArgs, "--input-file-id", "f")} {
		r := c.mustRun(2, args...)
		if !strings.Contains(r.stderr, "export TOGETHER_API_KEY=...") {
			t.Errorf("evals %s: the message does not say how to set the key:\n%s", strings.Join(args, " "), r)
		}
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("%d requests sent without a key", n)
	}
}

func TestHelpDocumentsExitCodesAndEnvironment(t *testing.T) {
	r := newCLI(t, "").mustRun(0, "--help")
	for _, want := range []string{
		"Exit codes:", "0    success", "1    the API failed", "2    usage", "3    not found", "4    unauthorized",
		"5    a check said no", "6    gave up waiting", "130  interrupted", "143  terminated",
		"TOGETHER_API_KEY", "TOGETHER_BASE_URL", "NO_COLOR",
		"get", "status", "list", "models", "create", "wait", "results", "check", "files", "serve", "demo", "completion",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	r = newCLI(t, "").mustRun(0, "create", "classify", "--help")
	for _, flag := range []string{
		"--judge-model", "--judge-template", "--judge-template-file", "--judge-source", "--judge-max-tokens",
		"--judge-temperature", "--judge-workers", "--judge-base-url", "--judge-token-env", "--labels", "--pass-labels",
		"--model-column", "--model ", "--model-system-template", "--model-input-template", "--model-max-tokens",
		"--model-temperature", "--model-source", "--model-base-url", "--model-token-env", "--model-workers",
		"--input ", "--input-file-id", "--wait", "--timeout",
	} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("create classify --help lacks %s", flag)
		}
	}
	if strings.Contains(regexp.MustCompile(`--\S*key\S*`).FindString(r.stdout), "api-key") {
		t.Errorf("a flag takes the API key")
	}
}
