package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// externalToken is the token of an external judge, read from the environment variable named by
// --judge-token-env: it must not be printed either.
const externalToken = "sk-external-TOKEN-never-shown-42"

// TestKeyNeverPrinted runs every command, on its success and error paths, with --debug and
// without, and checks that neither the API key nor an external token appears in any output.
func TestKeyNeverPrinted(t *testing.T) {
	srv := startTickingAPI(t)
	refusing := startAPI(t, api.WithAPIKeys("another-key"))
	fixtures := startFixtures(t, fixtureRoutes(t))
	input := writeFile(t, "qa.jsonl", qaData)
	bad := writeFile(t, "bad.jsonl", `{"question": "q", "answer": "a", "extra": 1}`+"\n")

	setupCLI := newCLI(t, srv.URL)
	id := createdID(t, setupCLI.mustRun(0, append(classifyArgs, "--input", input, "--wait")...))

	external := append(classifyArgs[:len(classifyArgs):len(classifyArgs)],
		"--judge-source", "external", "--judge-base-url", "https://judge.example/v1", "--judge-token-env", "JUDGE_TOKEN")
	runs := [][]string{
		{"get", id},
		{"get", id, "-o", "json"},
		{"status", id},
		{"status", id, "-o", "json"},
		{"list"},
		{"list", "-o", "json"},
		{"models"},
		{"wait", id},
		{"results", id},
		{"results", id, "-o", "json"},
		append(classifyArgs, "--input", input, "--wait"),
		append(external, "--input", input, "--wait"),
		append(external, "--input", input, "-o", "json"),
		{"files", "upload", input},
		{"check", input},
		// Error paths.
		{"get", "eval-nope"},
		{"wait", "eval-nope"},
		{"results", "eval-nope"},
		{"files", "get", "file-nope"},
		append(classifyArgs, "--input", bad),
		append(classifyArgs, "--input-file-id", "file-nope"),
		{"get", ".."},
		{"list", "--limit", "0"},
		{"frobnicate"},
		{"--base-url", "http://example.com/v1", "list"},
	}
	check := func(where string, r result) {
		t.Helper()
		for _, secret := range []string{testKey, "DO-NOT-PRINT", externalToken} {
			if strings.Contains(r.stdout, secret) || strings.Contains(r.stderr, secret) {
				t.Errorf("%s printed a secret (%q):\n%s", where, secret, r)
			}
		}
	}
	for _, base := range []string{srv.URL, refusing.URL, fixtures.URL} {
		for _, args := range runs {
			for _, debug := range []bool{false, true} {
				c := newCLI(t, base)
				c.env["JUDGE_TOKEN"] = externalToken
				a := args
				if debug {
					a = append([]string{"--debug"}, args...)
				}
				check(base+" evals "+strings.Join(a, " "), c.run(a...))
			}
		}
	}
	// The fixture with a token in its parameters, and a failed job.
	for _, args := range [][]string{{"get", "eval-hostile"}, {"get", "eval-hostile", "-o", "json"}, {"get", "eval-failed", "--debug"}} {
		check("evals "+strings.Join(args, " "), newCLI(t, fixtures.URL).run(args...))
	}
	// The demo and serve print a key, but only their own demo key.
	c := newCLI(t, "")
	c.setup = func(a *app) {
		a.serverOpts = []api.Option{api.WithPhaseDurations(0, 0, 0)}
	}
	check("evals --debug demo", c.run("--debug", "demo"))
}

// TestKeyEchoedByTheServerIsNotPrinted: a server that puts the key into a job (owner, history,
// parameters, the failure reason) does not get it printed by any command, in any format.
func TestKeyEchoedByTheServerIsNotPrinted(t *testing.T) {
	job := `{"workflow_id":"eval-echo","type":"classify","status":"error","owner_id":"` + testKey + `",` +
		`"status_updates":[{"status":"error","message":"bad key ` + testKey + `","timestamp":"2025-07-23T17:10:04Z"}],` +
		`"parameters":{"judge":{"model":"m","model_source":"serverless","system_template":"` + testKey + `"}},` +
		`"results":{"error":"bad key ` + testKey + `"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/status") {
			_, _ = w.Write([]byte(`{"status":"error","results":{"error":"bad key ` + testKey + `"}}`))
			return
		}
		_, _ = w.Write([]byte(job))
	}))
	defer srv.Close()
	c := newCLI(t, srv.URL+"/v1")
	for _, args := range [][]string{
		{"get", "eval-echo"},
		{"get", "eval-echo", "-o", "json"},
		{"status", "eval-echo"},
		{"wait", "eval-echo"},
		{"wait", "eval-echo", "-o", "json"},
		{"get", "eval-echo", "--debug"},
	} {
		res := c.run(args...)
		if strings.Contains(res.stdout+res.stderr, testKey) {
			t.Errorf("evals %v printed the key:\n%s", args, res)
		}
		if !strings.Contains(res.stdout+res.stderr, "[REDACTED]") {
			t.Errorf("evals %v: nothing redacted, so the test did not see the echo:\n%s", args, res)
		}
	}
}

// TestUploadOfADirectoryIsAUsageError: nothing is sent, exit 2, and the message says why once.
func TestUploadOfADirectoryIsAUsageError(t *testing.T) {
	srv := startAPI(t)
	dir := t.TempDir() + "/data.jsonl"
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	res := newCLI(t, srv.URL).mustRun(2, "files", "upload", dir)
	if !strings.Contains(res.stderr, "not a regular file") || strings.Count(res.stderr, dir) != 1 {
		t.Errorf("stderr = %q", res.stderr)
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// TestRepairedJobsAreShownWithAWarning: a job that breaks the spec is shown (not an error), and
// what was repaired is said on stderr.
func TestRepairedJobsAreShownWithAWarning(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"workflow_id":"eval-odd","type":"classify","status":"running","created_at":"2025-07-23 17:10:04"}`))
	}))
	defer srv.Close()
	res := newCLI(t, srv.URL+"/v1").mustRun(0, "get", "eval-odd")
	if !strings.Contains(res.stdout, "eval-odd") || !strings.Contains(res.stderr, "warning: job eval-odd: the answer breaks the API's spec: created_at:") {
		t.Errorf("%s", res)
	}
}

func TestHugeNumbersPrintAsNumbers(t *testing.T) {
	for _, f := range []float64{1e308, -1.7e308, 12.345, 83.333} {
		for _, got := range []string{formatNumber(f), formatPercent(f)} {
			if strings.Contains(got, "Inf") || strings.Contains(got, "NaN") {
				t.Errorf("%g printed as %s", f, got)
			}
		}
	}
	if formatPercent(83.333) != "83.3%" || formatNumber(12.345) != "12.35" && formatNumber(12.345) != "12.34" {
		t.Errorf("rounding: %s, %s", formatPercent(83.333), formatNumber(12.345))
	}
}

func TestInputAndInputFileIDTogetherIsSaidOnce(t *testing.T) {
	srv := startAPI(t)
	input := writeFile(t, "rows.jsonl", `{"prompt": "q", "response": "r"}`+"\n")
	res := newCLI(t, srv.URL).mustRun(2, "create", "classify", "--input", input, "--input-file-id", "file-1",
		"--judge-model", "m", "--judge-template", "{{prompt}}", "--labels", "yes,no", "--pass-labels", "yes",
		"--model-column", "response")
	if n := strings.Count(res.stderr, "input"); n != 2 { // "--input: cannot be used with --input-file-id"
		t.Errorf("stderr mentions the input %d times:\n%s", n, res.stderr)
	}
	if srv.totalRequests() != 0 {
		t.Errorf("%d requests reached the server", srv.totalRequests())
	}
}

func TestResultsOfAFailedJobPrintNoTable(t *testing.T) {
	fs := startFixtures(t, fixtureRoutes(t))
	res := newCLI(t, fs.URL+"/v1").run("results", "eval-failed")
	if res.code == 0 || res.stdout != "" {
		t.Errorf("%s", res)
	}
}

func TestKeyFromTheEnvironmentIsTrimmed(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	c.env[wrappers.EnvAPIKey] = testKey + "\n"
	c.mustRun(0, "models")
	c.env[wrappers.EnvAPIKey] = "two words"
	res := c.mustRun(2, "models")
	if strings.Contains(res.stderr, "base") {
		t.Errorf("a bad key is blamed on the base URL: %s", res.stderr)
	}
}
