package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildEvals builds the evals binary into a temporary directory.
func buildEvals(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "evals")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the binary with")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// openAIFake is a loopback chat-completions server that labels an answer "good" when the
// question's expected answer (by a rule of its own) is in it; to the answer "90" it says no JSON.
type openAIFake struct {
	mu    sync.Mutex
	auths map[string]int
	calls int
}

func (f *openAIFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role, Content string
		} `json:"messages"`
	}
	if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) != 2 {
		http.Error(w, `{"error": {"message": "not a chat completion"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.auths[r.Header.Get("Authorization")]++
	f.calls++
	f.mu.Unlock()
	system, answer := req.Messages[0].Content, strings.TrimPrefix(req.Messages[1].Content, "Response to evaluate:\n")
	want := map[string]string{"2 + 2": "4", "France": "Paris", "sky": "Blue", "spider": "Eight", "Hamlet": "Shakespeare", "boiling": "100"}
	label := "bad"
	for q, a := range want {
		if strings.Contains(system, q) && answer == a {
			label = "good"
		}
	}
	content, _ := json.Marshal(fmt.Sprintf(`{"feedback": "checked %s", "label": %q}`, answer, label))
	if answer == "90" {
		content, _ = json.Marshal("Too cold to boil: bad.")
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": %s}}], "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}}`, content)
}

// TestServeWithRealJudgeBinary runs the real binary: evals serve with --judge-base-url at a fake
// OpenAI-compatible server, then evals create --wait, evals get and evals results against it.
func TestServeWithRealJudgeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildEvals(t)
	fake := &openAIFake{auths: map[string]int{}}
	judgeSrv := httptest.NewServer(fake)
	defer judgeSrv.Close()
	const judgeKey = "sk-judge-e2e-31337"

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--pending", "0", "--queued", "0", "--running", "0",
		"--judge-base-url", judgeSrv.URL+"/v1", "--judge-key-env", "E2E_JUDGE_KEY")
	serve.Env = append(os.Environ(), "E2E_JUDGE_KEY="+judgeKey)
	var serveErr bytes.Buffer
	serve.Stderr = &serveErr
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	// stop ends serve and waits for it; only then is its stderr read.
	stop := sync.OnceFunc(func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
	})
	defer stop()
	var env []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			env = strings.Fields(line)
			break
		}
	}
	if len(env) != 2 {
		stop()
		t.Fatalf("serve printed no export line; stderr:\n%s", serveErr.String())
	}
	go func() { // keep reading so that serve never blocks on a full pipe
		for sc.Scan() {
		}
	}()

	input := filepath.Join(t.TempDir(), "qa.jsonl")
	if err := os.WriteFile(input, []byte(qaData), 0o600); err != nil {
		t.Fatal(err)
	}
	var outputs strings.Builder
	evals := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("evals %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
		}
		outputs.WriteString(out.String() + errOut.String())
		return out.String()
	}

	created := evals(append(classifyArgs, "--input", input, "--judge-temperature", "0.2", "--judge-max-tokens", "300", "--wait", "-o", "json")...)
	var job struct {
		WorkflowID string `json:"workflow_id"`
		Status     string `json:"status"`
		Results    struct {
			LabelCounts       string  `json:"label_counts"`
			PassPercentage    float64 `json:"pass_percentage"`
			InvalidLabelCount float64 `json:"invalid_label_count"`
			JudgeFailCount    float64 `json:"judge_fail_count"`
			Usage             struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(created), &job); err != nil {
		t.Fatalf("create --wait -o json: %v\n%s", err, created)
	}
	// qaData: 2 + 2 = 4, Paris, Green (bad), Eight, Shakespeare, 90 (no JSON: invalid).
	if job.Status != "completed" || job.Results.LabelCounts != `{"good": 4, "bad": 1}` ||
		job.Results.InvalidLabelCount != 1 || job.Results.JudgeFailCount != 0 || job.Results.Usage.TotalTokens != 6*110 {
		t.Errorf("job %+v", job)
	}
	fake.mu.Lock()
	calls, authorized := fake.calls, fake.auths["Bearer "+judgeKey]
	fake.mu.Unlock()
	if calls != 6 || authorized != 6 {
		t.Errorf("%d calls to the judge, %d with the key", calls, authorized)
	}

	got := evals("get", job.WorkflowID)
	if !strings.Contains(got, "completed") || !strings.Contains(got, "good") ||
		!strings.Contains(got, "\n  Tokens:               660 (prompt 600, completion 60)\n") {
		t.Errorf("evals get:\n%s", got)
	}
	if wide := evals("results", job.WorkflowID, "--wide"); !strings.Contains(wide,
		"(invalid)  -         The judge's answer holds no JSON object. The judge's answer: Too cold to boil: bad.\n") {
		t.Errorf("evals results --wide does not show the invalid row's answer:\n%s", wide)
	}
	rows := evals("results", job.WorkflowID, "-o", "json")
	n := 0
	for line := range strings.Lines(rows) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("results line %q: %v", line, err)
		}
		if r["answer"] == "90" {
			if r["judge_answer"] != "Too cold to boil: bad." || r["is_invalid_judge_output"] != true {
				t.Errorf("invalid row %v", r)
			}
		} else if fb, _ := r["feedback"].(string); fb != "checked "+r["answer"].(string) {
			t.Errorf("row feedback %v for answer %v", r["feedback"], r["answer"])
		}
		n++
	}
	if n != 6 {
		t.Errorf("%d result rows:\n%s", n, rows)
	}
	stop()
	if !strings.Contains(serveErr.String(), "Jobs are judged by real models at "+judgeSrv.URL+"/v1/chat/completions (the key in $E2E_JUDGE_KEY).") {
		t.Errorf("serve does not say where models are called:\n%s", serveErr.String())
	}
	if strings.Contains(outputs.String()+serveErr.String(), judgeKey) {
		t.Error("the judge's key appears in the CLI's output")
	}
}
