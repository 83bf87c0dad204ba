package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCheckSaysJSONMistakesInWords checks that `evals check` says what is wrong with a line of
// JSON in the user's words (line, column, what was expected and found), never in the decoder's.
func TestCheckSaysJSONMistakesInWords(t *testing.T) {
	c := newCLI(t, "")
	delete(c.env, "TOGETHER_API_KEY")
	for _, tc := range []struct{ content, want string }{
		{"{\"a\": \"x\"}\n{\"a\": nul}\n", `evals: rows.jsonl:2: invalid JSON at column 10: expected null, found "}"`},
		{"{\"ok\": no}\n", `evals: rows.jsonl:1: invalid JSON at column 9: expected null, found "o" (text is written in double quotes)`},
		{"{\"a\": \"x\",}\n", `evals: rows.jsonl:1: invalid JSON at column 11: expected a field name in double quotes (a comma before "}" is not allowed), found "}"`},
		{"question,answer\n", `evals: rows.jsonl:1: invalid JSON at column 1: expected "{" (each line is one JSON object), found "q"`},
	} {
		path := writeFile(t, "rows.jsonl", tc.content)
		r := c.mustRun(2, "check", path)
		want := strings.ReplaceAll(tc.want, "rows.jsonl", path) + "\n"
		if r.stderr != want {
			t.Errorf("check of %q: stderr\n%s\nwant\n%s", tc.content, r.stderr, want)
		}
	}
}

// TestJSONAnswerThatIsNotTheAPIs checks that a server answering JSON that no answer of the API
// looks like is a configuration error (2) said once with the hint, and that a broken JSON answer
// is said in words (1), with no decoder's words.
func TestJSONAnswerThatIsNotTheAPIs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/broken/v1/evaluation/eval-1":
			_, _ = w.Write([]byte(`{"workflow_id": nul}`))
		case strings.HasPrefix(r.URL.Path, "/array/"):
			_, _ = w.Write([]byte(`[]`))
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	t.Cleanup(srv.Close)
	hint := "Check --base-url or $TOGETHER_BASE_URL: the hosted API is at https://api.together.ai/v1, and 'evals serve' prints the URL of a local one.\n"
	for _, tc := range []struct {
		base string
		args []string
		want string
	}{
		{"/v1", []string{"get", "eval-1"}, "GET /evaluation/eval-1 got 200 OK with JSON that is not a job (it has no workflow_id)"},
		{"/v1", []string{"wait", "eval-1"}, "GET /evaluation/eval-1/status got 200 OK with JSON that is not a job's status (it has no status)"},
		{"/v1", []string{"list"}, "GET /evaluation got 200 OK with JSON that is an object, where the API sends an array"},
		{"/v1", []string{"files", "list"}, "GET /files got 200 OK with JSON that is not a file list (it has no data)"},
		{"/v1", []string{"models"}, "GET /evaluation/model-list got 200 OK with JSON that is not a model list (it has no model_list)"},
		{"/array/v1", []string{"status", "eval-1"}, "GET /evaluation/eval-1/status got 200 OK with JSON that is an array, where the API sends an object"},
	} {
		c := newCLI(t, "")
		base := srv.URL + tc.base
		r := c.mustRun(2, append(tc.args, "--base-url", base)...)
		want := "evals: the base URL " + base + " (from --base-url) does not answer as the Evaluations API: " + tc.want + "\n" + hint
		if r.stderr != want || r.stdout != "" {
			t.Errorf("evals %v: stdout %q, stderr\n%s\nwant\n%s", tc.args, r.stdout, r.stderr, want)
		}
	}
	c := newCLI(t, "")
	r := c.mustRun(1, "get", "eval-1", "--base-url", srv.URL+"/broken/v1")
	want := `evals: get eval-1: GET /evaluation/eval-1: the answer (200 OK) cannot be read: it is not valid JSON: at byte 20: expected null, found "}"` + "\n"
	if r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestDiffKeyThatRowsLackIsUsage checks that a --key naming a column the rows lack is a usage
// error (2), said once in the flag's words with the columns the rows have, for diff and report.
func TestDiffKeyThatRowsLackIsUsage(t *testing.T) {
	rows := `{"question": "q1", "answer": "a", "success": true, "label": "yes", "final_decision": "pass"}` + "\n" +
		`{"question": "q2", "answer": "b", "success": true, "label": "no", "final_decision": "fail"}` + "\n"
	base, next := writeFile(t, "base.jsonl", rows), writeFile(t, "new.jsonl", rows)
	c := newCLI(t, "")
	r := c.mustRun(2, "diff", "--base-file", base, "--new-file", next, "--key", "question,nope")
	want := `evals: --key: the base run's row at line 1 has no column "nope" (its input columns: question, answer)` + "\n" +
		"Run 'evals diff --help' for usage.\n"
	if r.stderr != want || r.stdout != "" {
		t.Errorf("stdout %q, stderr\n%s\nwant\n%s", r.stdout, r.stderr, want)
	}
}

// TestWaitSaysEveryFailedPoll checks that a wait against a server that is down shows, on a
// terminal, each poll that failed after the client's retries and when the next one is, and that
// its last message counts every request of every poll, not the last poll's alone.
func TestWaitSaysEveryFailedPoll(t *testing.T) {
	addr := closedPort(t)
	c := newCLI(t, "http://"+addr+"/v1")
	c.setup = onTerminal
	r := c.mustRun(1, "wait", "eval-1", "--retries", "1")
	poll := regexp.MustCompile(`\r\x1b\[K\x1b\[2meval-1: poll (\d) failed, the wait gives up when 6 in a row fail: cannot connect to http://` +
		regexp.QuoteMeta(addr) + `: connection refused \(tried 2 times\); next poll in \d+ms\x1b\[0m\n`)
	got := poll.FindAllStringSubmatch(r.stderr, -1)
	if len(got) != 5 {
		t.Fatalf("%d failed polls shown, want 5:\n%q", len(got), r.stderr)
	}
	for i, m := range got {
		if m[1] != fmt.Sprint(i+1) {
			t.Errorf("poll %d shown as %s", i+1, m[1])
		}
	}
	if want := "\x1b[31mevals:\x1b[0m wait eval-1: cannot connect to http://" + addr + ": connection refused (6 polls in a row failed, 12 requests)\n"; !strings.HasSuffix(r.stderr, want) {
		t.Errorf("stderr %q\nwant it to end with %q", r.stderr, want)
	}
	c.setup = nil
	r = c.mustRun(1, "wait", "eval-1", "--retries", "2")
	if want := "evals: wait eval-1: cannot connect to http://" + addr + ": connection refused (6 polls in a row failed, 18 requests)\n"; r.stderr != want {
		t.Errorf("off a terminal: stderr\n%s\nwant\n%s", r.stderr, want)
	}

	// A server that answers 503 to every poll: the polls are counted, the requests are not known.
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error": {"message": "busy", "type": "server_error"}}`))
	}))
	t.Cleanup(busy.Close)
	r = newCLI(t, busy.URL+"/v1").mustRun(1, "wait", "eval-1", "--retries", "0")
	if want := "evals: wait eval-1: busy [503 Service Unavailable, GET /evaluation/eval-1/status] (6 polls in a row failed)\n"; r.stderr != want {
		t.Errorf("503s: stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestResultFilesOnDiskThatAreNotAreUsage checks that a result file on disk (gate --file, diff
// --base-file / --new-file) that is missing or is not a result file is a bad input file: exit 2,
// said once under its flag.
func TestResultFilesOnDiskThatAreNotAreUsage(t *testing.T) {
	good := writeFile(t, "good.jsonl", `{"question": "q", "success": true, "label": "yes", "final_decision": "pass"}`+"\n")
	input := writeFile(t, "input.jsonl", `{"question": "q", "answer": "a"}`+"\n")
	empty := writeFile(t, "empty.jsonl", "")
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	c := newCLI(t, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gate", "--file", missing, "--min-pass", "50"}, "evals: --file: " + missing + ": no such file or directory\n"},
		{[]string{"gate", "--file", input, "--min-pass", "50"}, "evals: --file: " + input + ": line 1 has none of label, score, final_decision: not the result file of an evaluation job\n"},
		{[]string{"gate", "--file", empty, "--min-pass", "50"}, "evals: --file: " + empty + ": the file has no rows\n"},
		{[]string{"diff", "--base-file", good, "--new-file", missing}, "evals: --new-file: " + missing + ": no such file or directory\n"},
		{[]string{"diff", "--base-file", input, "--new-file", good}, "evals: --base-file: " + input + ": line 1 has none of label, score, final_decision: not the result file of an evaluation job\n"},
		// An empty result file is no run to compare: a CI step that diffs it must not pass.
		{[]string{"diff", "--base-file", good, "--new-file", empty, "--fail-on-regression", "--max-regressions", "0"}, "evals: --new-file: " + empty + ": the file has no rows\n"},
		{[]string{"diff", "--base-file", empty, "--new-file", good}, "evals: --base-file: " + empty + ": the file has no rows\n"},
	} {
		r := c.mustRun(2, tc.args...)
		if r.stderr != tc.want || r.stdout != "" {
			t.Errorf("evals %v: stdout %q, stderr\n%s\nwant\n%s", tc.args, r.stdout, r.stderr, tc.want)
		}
	}
}

// TestFileTransferTimeoutsInWords checks that an upload or a download whose server sends nothing
// within --request-timeout says so in the CLI's words, without Go's request dump ("Post
// \"http://...\"") or "context deadline exceeded".
func TestFileTransferTimeoutsInWords(t *testing.T) {
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(silent.Close)
	t.Cleanup(func() { close(release) })
	input := writeFile(t, "rows.jsonl", `{"question": "q"}`+"\n")
	c := newCLI(t, silent.URL+"/v1")
	r := c.mustRun(1, "files", "upload", input, "--request-timeout", "50ms")
	if want := "evals: upload " + cut(input, maxArgRunes) + ": no answer from " + silent.URL + " within --request-timeout 50ms\n"; r.stderr != want {
		t.Errorf("upload: stderr\n%s\nwant\n%s", r.stderr, want)
	}
	r = c.mustRun(1, "files", "download", "file-1", "--out", "-", "--request-timeout", "50ms", "--retries", "1")
	if want := "evals: files download file-1: no answer from " + silent.URL + " within --request-timeout 50ms (tried 2 times)\n"; r.stderr != want {
		t.Errorf("download: stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestMissingLocalFilesInWords checks that a local file that cannot be read is named as given,
// with the reason and without the system call's name ("open") or the library's prefix.
func TestMissingLocalFilesInWords(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.jsonl")
	c := newCLI(t, "")
	r := c.mustRun(2, "check", missing)
	if want := "evals: " + missing + ": no such file or directory\nRun 'evals check --help' for usage.\n"; r.stderr != want {
		t.Errorf("check: stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestNotFoundIDWithAQuote checks that an id holding a double quote is shown without
// backslashes, in the local API's message as in the prefix.
func TestNotFoundIDWithAQuote(t *testing.T) {
	srv := startAPI(t)
	r := newCLI(t, srv.URL).mustRun(3, "get", `eval"x`)
	if want := `evals: get eval"x: Evaluation job 'eval"x' not found [404 Not Found, GET /evaluation/eval%22x]` + "\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestServeOnAnAddressInUse checks that serve says in its flag's words that --addr is taken,
// and how to get a free port, instead of the network package's words.
func TestServeOnAnAddressInUse(t *testing.T) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	addr := ln.Addr().String()
	r := newCLI(t, "").mustRun(2, "serve", "--addr", addr)
	if want := "evals: --addr: " + addr + " is already in use: stop what listens there, or give another port (--addr 127.0.0.1:0 picks a free one)\nRun 'evals serve --help' for usage.\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	r = newCLI(t, "").mustRun(2, "serve", "--addr", "127.0.0.1")
	if want := `evals: --addr: "127.0.0.1" is not an address to listen on, such as 127.0.0.1:8080: missing port in address` + "\nRun 'evals serve --help' for usage.\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestFilesUploadReadsStandardInput checks that `evals files upload -` checks and uploads
// standard input as stdin.jsonl, and refuses bad rows before sending anything, as for a file.
func TestFilesUploadReadsStandardInput(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	stdin := "{\"question\": \"q\"}\n{\"question\": nul}\n"
	c.setup = func(a *app) { a.stdin = strings.NewReader(stdin) }
	r := c.mustRun(2, "files", "upload", "-")
	if want := "evals: stdin.jsonl:2: invalid JSON at column 17: expected null, found \"}\"\nNothing was uploaded.\n"; r.stderr != want || r.stdout != "" {
		t.Errorf("bad rows: stdout %q, stderr\n%s\nwant\n%s", r.stdout, r.stderr, want)
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("%d requests for rows refused locally", n)
	}
	stdin = "{\"question\": \"q\"}\n{\"question\": \"r\"}\n"
	c.setup = func(a *app) { a.stdin = strings.NewReader(stdin); onTerminal(a) }
	r = c.mustRun(0, "files", "upload", "-")
	if !strings.Contains(r.stderr, "\r\x1b[KUploading stdin.jsonl  100% of 36 B") {
		t.Errorf("progress on a terminal does not name stdin.jsonl: %q", r.stderr)
	}
	c.setup = func(a *app) { a.stdin = strings.NewReader(stdin) }
	r = c.mustRun(0, "files", "upload", "-")
	id := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(r.stderr, "Uploaded stdin.jsonl (36 B) as "+id+".") {
		t.Errorf("stderr %q", r.stderr)
	}
	got := c.mustRun(0, "files", "download", id, "--out", "-").stdout
	if got != stdin {
		t.Errorf("uploaded %q, want %q", got, stdin)
	}
}

// TestCreateInputFromStandardInput checks that create --input - checks standard input against
// the job, then uploads it as stdin.jsonl.
func TestCreateInputFromStandardInput(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	c.setup = func(a *app) { a.stdin = strings.NewReader(keyedRows("a=good", "b=bad")) }
	args := []string{
		"create", "classify", "--input", "-", "--judge-model", "judge/model",
		"--judge-template", "Judge the answer to {{question}} ({{id}}).", "--labels", "good,bad",
		"--pass-labels", "good", "--model-column", "answer",
	}
	r := c.mustRun(2, args...)
	if want := "evals: --input: stdin.jsonl:1: field \"__judge\": not used by any template or model column; "; !strings.HasPrefix(r.stderr, want) || !strings.HasSuffix(r.stderr, "\nNothing was uploaded.\n") {
		t.Errorf("stderr\n%s\nwant it to start with\n%s", r.stderr, want)
	}
	c.setup = func(a *app) { a.stdin = strings.NewReader(`{"id": "a", "question": "q", "answer": "x"}` + "\n") }
	r = c.mustRun(0, args...)
	if !strings.HasPrefix(r.stderr, "Uploaded stdin.jsonl (") || !strings.HasPrefix(r.stdout, "eval-") {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
}
