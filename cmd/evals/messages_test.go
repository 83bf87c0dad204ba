package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
)

// These tests pin the exact words of failures: one message per failure, with no Go-internal
// words (package or function names, "context canceled", doubly escaped quotes), in the user's
// terms (flag names), and the exit code that goes with it.

// TestBaseURLThatIsNotTheAPI checks that servers that are not the API are a configuration error
// (2), said once with the hint, never "not found" (3).
func TestBaseURLThatIsNotTheAPI(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/site/v1/evaluation/eval-1":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Welcome</body></html>"))
		case "/json/v1/evaluation":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"detail": "Not Found"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(web.Close)
	hint := "Check --base-url or $TOGETHER_BASE_URL: the hosted API is at https://api.together.ai/v1, and 'evals serve' prints the URL of a local one.\n"
	for _, tc := range []struct {
		base string
		args []string
		want string
	}{
		{web.URL + "/v1", []string{"get", "eval-1"}, "GET /evaluation/eval-1 got 404 Not Found with a text/plain body, not the API's JSON error"},
		{web.URL + "/site/v1", []string{"get", "eval-1"}, "GET /evaluation/eval-1 got 200 OK with an HTML page"},
		{web.URL + "/json/v1", []string{"list"}, "GET /evaluation got 404 Not Found with another service's JSON, not the API's JSON error"},
		{web.URL + "/v1", []string{"wait", "eval-1"}, "GET /evaluation/eval-1/status got 404 Not Found with a text/plain body, not the API's JSON error"},
	} {
		c := newCLI(t, "")
		r := c.mustRun(2, append(tc.args, "--base-url", tc.base)...)
		want := "evals: the base URL " + tc.base + " (from --base-url) does not answer as the Evaluations API: " + tc.want + "\n" + hint
		if !strings.HasSuffix(r.stderr, want) || strings.Count(r.stderr, "evals:") != 1 {
			t.Errorf("evals %v: stderr\n%s\nwant (at the end)\n%s", tc.args, r.stderr, want)
		}
		if r.stdout != "" {
			t.Errorf("evals %v: stdout %q", tc.args, r.stdout)
		}
	}
}

// TestIDsInMessages checks that a refused id is quoted once, escaped once and cut short.
func TestIDsInMessages(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	r := c.mustRun(2, "get", "eval\x01x")
	if want := `evals: invalid job id "eval\x01x": holds a control character` + "\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	long := strings.Repeat("e", 5000)
	r = c.mustRun(2, "status", long)
	if want := `evals: invalid job id "` + strings.Repeat("e", 39) + `…": longer than 256 bytes` + "\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	// A long id that is valid is cut short in the prefix of an API error.
	id := "eval-" + strings.Repeat("9", 200)
	r = c.mustRun(3, "get", id)
	prefix := "evals: get eval-" + strings.Repeat("9", 34) + "…: "
	if !strings.HasPrefix(r.stderr, prefix) || strings.Count(r.stderr, strings.Repeat("9", 200)) > 1 {
		t.Errorf("stderr\n%s\nwant it to start with\n%s", r.stderr, prefix)
	}
}

// TestPreflightFailureIsNotAnUploadError checks the words of an input file refused before any
// upload: flag names instead of wire paths, no "upload", and that nothing was sent.
func TestPreflightFailureIsNotAnUploadError(t *testing.T) {
	srv := startAPI(t)
	input := writeFile(t, "qa.jsonl", `{"question": "q", "answer": "a"}`+"\n")
	c := newCLI(t, srv.URL)
	r := c.mustRun(2, "create", "classify", "--input", input, "--judge-model", "m", "--judge-template", "Is {{nope}} right?",
		"--labels", "good,bad", "--pass-labels", "good", "--model-column", "answer")
	want := "evals: --input: " + input + ": 2 problems\n" +
		"  " + input + `:1: field "nope": used by {{nope}} in --judge-template, but line 1 has no such field (it has "question", "answer")` + "\n" +
		"  " + input + `:1: field "question": not used by any template or model column; the service fails the job with "Unsupported dataset column(s)": use it as {{question}} in a template, name it as the model column, or remove it` + "\n" +
		"Nothing was uploaded.\n"
	if r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	r = c.mustRun(2, append(classifyArgs, "--input", input+".missing")...)
	if want := "evals: --input: " + input + ".missing: no such file or directory\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestRateLimitSaysHowLongToWait checks that a 429 that outlasts the retries says how long the
// service asked to wait.
func TestRateLimitSaysHowLongToWait(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Status: 429, RetryAfter: "120", Message: "Rate limit exceeded"})
	r := c.mustRun(1, "get", "eval-1")
	if want := "evals: get eval-1: Rate limit exceeded [429 Too Many Requests, GET /evaluation/eval-1]; the service asked to wait 2m00s before trying again\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	srv.Faults().Inject(api.OpGetEvaluation, 3, api.Fault{Status: 429, Message: "Rate limit exceeded"})
	r = c.mustRun(1, "get", "eval-1")
	if want := "evals: get eval-1: Rate limit exceeded [429 Too Many Requests, GET /evaluation/eval-1]; the service did not say how long to wait\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestRetriesShowOnATerminal checks that retries against a server that is down are said on a
// terminal as they happen (and not elsewhere), and the failure once, in words.
func TestRetriesShowOnATerminal(t *testing.T) {
	addr := closedPort(t)
	base := "http://" + addr + "/v1"
	c := newCLI(t, base)
	c.setup = onTerminal
	r := c.mustRun(1, "get", "eval-1", "--retries", "2")
	retry := regexp.MustCompile(`\r\x1b\[K\x1b\[2mGET /v1/evaluation/eval-1: cannot connect to http://` + regexp.QuoteMeta(addr) +
		`: connection refused; retry (\d) of 2 in \d+ms\x1b\[0m\n`)
	got := retry.FindAllStringSubmatch(r.stderr, -1)
	if len(got) != 2 || got[0][1] != "1" || got[1][1] != "2" {
		t.Errorf("retries shown: %q\nstderr %q", got, r.stderr)
	}
	if want := "\x1b[31mevals:\x1b[0m get eval-1: cannot connect to http://" + addr + ": connection refused (tried 3 times)\n"; !strings.HasSuffix(r.stderr, want) {
		t.Errorf("stderr %q\nwant it to end with %q", r.stderr, want)
	}
	c.setup = nil
	r = c.mustRun(1, "get", "eval-1", "--retries", "2")
	if want := fmt.Sprintf("evals: get eval-1: cannot connect to http://%s: connection refused (tried 3 times)\n", addr); r.stderr != want {
		t.Errorf("off a terminal: stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestUploadProgressSpeaksOfTheFile checks that the upload's progress and the final line give the
// same size: the file's.
func TestUploadProgressSpeaksOfTheFile(t *testing.T) {
	srv := startAPI(t)
	input := writeFile(t, "qa.jsonl", qaData)
	c := newCLI(t, srv.URL)
	c.setup = onTerminal
	r := c.mustRun(0, "files", "upload", input)
	size := formatBytes(int64(len(qaData)))
	if !strings.Contains(r.stderr, "Uploading "+input+"  100% of "+size) || strings.Contains(r.stderr, "% of "+formatBytes(int64(len(qaData))+1)) {
		t.Errorf("progress does not end at 100%% of %s:\n%q", size, r.stderr)
	}
	if !strings.Contains(r.stderr, "Uploaded qa.jsonl ("+size+") as ") {
		t.Errorf("the final line does not give %s:\n%q", size, r.stderr)
	}
	for _, m := range regexp.MustCompile(`% of ([^\r\n]*)`).FindAllStringSubmatch(r.stderr, -1) {
		if m[1] != size {
			t.Errorf("progress speaks of %s, the file is %s", m[1], size)
		}
	}
}

// TestInterruptedRequestSaysSoOnce checks that a command interrupted while a request is on its
// way says "interrupted" once, without Go's "context canceled", and exits 130 (143 for SIGTERM).
func TestInterruptedRequestSaysSoOnce(t *testing.T) {
	for _, tc := range []struct {
		sig  os.Signal
		code int
	}{{os.Interrupt, 130}, {syscall.SIGTERM, 143}} {
		srv := startAPI(t)
		srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Delay: time.Minute})
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() {
			// Signal once the request has arrived (bounded: the request ends when ctx does).
			for srv.Requests(api.OpGetEvaluation) < 1 && ctx.Err() == nil {
				time.Sleep(time.Millisecond)
			}
			cancel(&signalError{sig: tc.sig})
		}()
		c := newCLI(t, srv.URL)
		c.ctx = ctx
		r := c.mustRun(tc.code, "get", "eval-1")
		if want := "evals: get eval-1: interrupted\n"; r.stderr != want || r.stdout != "" {
			t.Errorf("%s: stdout %q, stderr\n%s\nwant\n%s", tc.sig, r.stdout, r.stderr, want)
		}
		cancel(nil)
	}
}

// TestPrefixOfCommandsWrappingWithErrorf checks that a command that wraps its errors with
// fmt.Errorf("gate ID: %w") keeps that prefix when the error is said in the CLI's words.
func TestPrefixOfCommandsWrappingWithErrorf(t *testing.T) {
	srv := startAPI(t)
	r := newCLI(t, srv.URL).mustRun(3, "gate", "eval-nope", "--min-pass", "50")
	if want := "evals: gate eval-nope: Evaluation job \"eval-nope\" not found [404 Not Found, GET /evaluation/eval-nope]\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	addr := closedPort(t)
	r = newCLI(t, "http://"+addr+"/v1").mustRun(1, "gate", "eval-1", "--min-pass", "50", "--retries", "0")
	if want := "evals: gate eval-1: cannot connect to http://" + addr + ": connection refused\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
}
