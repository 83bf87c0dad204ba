package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader on different goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// onTerminal makes the CLI believe stdout and stderr are terminals.
func onTerminal(a *app) { a.isTerminal = func(io.Writer) bool { return true } }

func TestProgressOnATerminal(t *testing.T) {
	srv := startTickingAPI(t)
	input := writeFile(t, "qa.jsonl", qaData)
	c := newCLI(t, srv.URL)
	c.setup = onTerminal
	r := c.mustRun(0, append(classifyArgs, "--input", input, "--wait")...)
	id := createdID(t, r)
	if !strings.Contains(r.stderr, "\r\x1b[K") {
		t.Errorf("no line redrawn in place on a terminal:\n%q", r.stderr)
	}
	if !strings.Contains(r.stderr, "\x1b[33mpending\x1b[0m") && !strings.Contains(r.stderr, "\x1b[33mrunning\x1b[0m") {
		t.Errorf("no coloured status in the live line:\n%q", r.stderr)
	}
	if !strings.HasSuffix(r.stderr, id+": \x1b[32mcompleted\x1b[0m (0s)\n") {
		t.Errorf("the live line does not end with a last line for the outcome:\n%q", r.stderr)
	}
	if !strings.Contains(r.stdout, "\x1b[32m█") || !strings.Contains(r.stdout, "\x1b[1m"+id+"\x1b[0m") {
		t.Errorf("no colour on a terminal:\n%q", r.stdout)
	}

	// NO_COLOR turns colour off, not the live line.
	c.env["NO_COLOR"] = "1"
	r = c.mustRun(0, "wait", id)
	if strings.Contains(r.stdout+r.stderr, "\x1b[3") || strings.Contains(r.stdout+r.stderr, "\x1b[1m") {
		t.Errorf("colour despite NO_COLOR:\n%q\n%q", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "\r\x1b[K") {
		t.Errorf("NO_COLOR turned the live line off:\n%q", r.stderr)
	}
	delete(c.env, "NO_COLOR")
	c.env["TERM"] = "dumb"
	r = c.mustRun(0, "get", id)
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour with TERM=dumb:\n%q", r.stdout)
	}
}

func TestNoColourOffATerminal(t *testing.T) {
	srv := startTickingAPI(t)
	input := writeFile(t, "qa.jsonl", qaData)
	r := newCLI(t, srv.URL).mustRun(0, append(classifyArgs, "--input", input, "--wait")...)
	if strings.Contains(r.stdout+r.stderr, "\x1b") {
		t.Errorf("escape sequences although nothing is a terminal:\n%q\n%q", r.stdout, r.stderr)
	}
	// One line per status change, each status once.
	for _, s := range []string{"pending", "queued", "running", "completed"} {
		if n := strings.Count(r.stderr, ": "+s+" ("); n != 1 {
			t.Errorf("status %s reported %d times, want once:\n%s", s, n, r.stderr)
		}
	}
}

// waitingJob creates a job on a fake clock that is never advanced: it stays pending.
func waitingJob(t *testing.T) (*apiServer, string) {
	t.Helper()
	srv := startAPI(t)
	input := writeFile(t, "qa.jsonl", qaData)
	r := newCLI(t, srv.URL).mustRun(0, append(classifyArgs, "--input", input)...)
	return srv, strings.TrimSpace(r.stdout)
}

func TestInterruptedWaitExits130(t *testing.T) {
	srv, id := waitingJob(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Interrupt once the wait has polled a few times (bounded: the test's own deadline).
		for srv.Requests(api.OpGetEvaluationStatus) < 3 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	c := newCLI(t, srv.URL)
	c.ctx = ctx
	r := c.mustRun(130, "wait", id)
	// The last line says it, once, in words: nothing follows it, no "context canceled".
	if !strings.HasSuffix(r.stderr, "\nStopped waiting after 0s; the job keeps running. Follow it again with: evals wait "+id+"\n") ||
		strings.Contains(r.stderr, "context") || strings.Count(r.stderr, "Stopped") != 1 {
		t.Errorf("stderr does not say once that the job keeps running:\n%s", r)
	}
	if r.stdout != "" {
		t.Errorf("stdout is not empty:\n%s", r)
	}
}

func TestWaitTimeout(t *testing.T) {
	srv, id := waitingJob(t)
	r := newCLI(t, srv.URL).mustRun(6, "wait", id, "--timeout", "20ms")
	// One sentence says it, and nothing after it.
	if want := id + ": pending (0s)\nGave up after 20ms (--timeout); the job keeps running. Follow it again with: evals wait " + id + "\n"; r.stderr != want {
		t.Errorf("stderr:\n%s\nwant\n%s", r.stderr, want)
	}
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening := make(chan string, 1)
	var out, errb syncBuffer
	c := newCLI(t, "")
	c.setup = func(a *app) { a.listening = func(base string) { listening <- base } }
	a := c.app(&out, &errb)
	done := make(chan int, 1)
	go func() {
		done <- a.run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--pending", "0s", "--queued", "0s", "--running", "0s"})
	}()
	var base string
	select {
	case base = <-listening:
	case code := <-done:
		t.Fatalf("serve ended with %d:\n%s%s", code, out.String(), errb.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start listening")
	}
	if want := "export TOGETHER_BASE_URL=" + base + " TOGETHER_API_KEY=demo-key\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}

	// Every command works against it with the key it printed.
	user := newCLI(t, base)
	user.env["TOGETHER_API_KEY"] = demoKey
	input := writeFile(t, "qa.jsonl", qaData)
	r := user.mustRun(0, append(classifyArgs, "--input", input, "--wait")...)
	if !strings.Contains(r.stdout, "Status:   completed") {
		t.Errorf("a job against serve:\n%s", r)
	}
	user.mustRun(0, "models")

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after an interrupt, want 0:\n%s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errb.String(), "Stopped.") {
		t.Errorf("stderr:\n%s", errb.String())
	}

	// A port in use is a usage error.
	r = newCLI(t, "").mustRun(2, "serve", "--addr", "256.0.0.1:99999")
	if !strings.Contains(r.stderr, "--addr") {
		t.Errorf("stderr:\n%s", r)
	}
}

func TestDemo(t *testing.T) {
	c := newCLI(t, "")
	c.env = map[string]string{} // no key, no base URL
	c.setup = func(a *app) {
		a.serverOpts = []api.Option{api.WithPhaseDurations(time.Millisecond, time.Millisecond, 5*time.Millisecond)}
	}
	r := c.mustRun(0, "demo")
	for _, want := range []string{"Type:     classify", "Status:   completed", "Label counts:", "correct", "partially_correct", "incorrect", "pass", "Pass percentage:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r)
		}
	}
	for _, want := range []string{"Started the in-memory Evaluations API at http://127.0.0.1:", "Uploaded demo.jsonl", ": completed ("} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	// Every row of the built-in dataset was judged: the counts add up to its rows.
	r = c.mustRun(0, "demo", "-o", "json")
	var job struct {
		Results struct {
			Decoded map[string]int `json:"label_counts_decoded"`
			Invalid int            `json:"invalid_label_count"`
			JFail   int            `json:"judge_fail_count"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &job); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	total := job.Results.Invalid + job.Results.JFail
	for _, n := range job.Results.Decoded {
		total += n
	}
	if rows := bytes.Count(demoData, []byte("\n")); total != rows {
		t.Errorf("label counts, invalid labels and judge failures add up to %d, want the dataset's %d rows", total, rows)
	}
}

func TestDebugLogsRequests(t *testing.T) {
	srv := startAPI(t)
	r := newCLI(t, srv.URL).mustRun(3, "--debug", "get", "eval-nope")
	if !strings.Contains(r.stderr, "GET") || !strings.Contains(r.stderr, "/evaluation/eval-nope") || !strings.Contains(r.stderr, "404") {
		t.Errorf("--debug does not log the request:\n%s", r)
	}
	r = newCLI(t, srv.URL).mustRun(0, "list")
	if r.stderr != "No jobs.\n" {
		t.Errorf("without --debug, stderr = %q", r.stderr)
	}
}

func TestCompletion(t *testing.T) {
	srv := startAPI(t)
	input := writeFile(t, "qa.jsonl", qaData)
	c := newCLI(t, srv.URL)
	id := strings.TrimSpace(c.mustRun(0, append(classifyArgs, "--input", input)...).stdout)
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := c.mustRun(0, "completion", shell)
		if len(r.stdout) < 100 {
			t.Errorf("completion %s printed %d bytes", shell, len(r.stdout))
		}
	}
	r := c.mustRun(0, "__complete", "get", "")
	if !strings.Contains(r.stdout, id+"\tclassify pending") {
		t.Errorf("job ids are not completed:\n%s", r)
	}
	r = c.mustRun(0, "__complete", "list", "--status", "")
	if !strings.Contains(r.stdout, "user_error") {
		t.Errorf("--status values are not completed:\n%s", r)
	}
}

func TestExitCodeMapping(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("unknown flag: --x"), exitUsage},
		{usagef("bad"), exitUsage},
		{&runError{err: usagef("bad")}, exitUsage},
		{&runError{err: errors.New("boom")}, exitFailure},
		{&runError{err: context.Canceled}, exitInterrupted},
	} {
		if got := exitCode(context.Background(), tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
