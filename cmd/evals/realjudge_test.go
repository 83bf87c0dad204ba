package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestRealJudgeFlagErrors(t *testing.T) {
	c := newCLI(t, "")
	c.env["EMPTY_KEY"] = " "
	c.env["JUDGE_KEY"] = "sk-judge-flags-9911"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--judge-key-env", "JUDGE_KEY"}, "evals: --judge-key-env: needs --judge-base-url (the key is for that URL)\n"},
		{[]string{"serve", "--allow-external"}, "evals: --allow-external: external models are called by the real judge; give --judge-base-url too\n"},
		{[]string{"serve", "--judge-base-url", "http://127.0.0.1:1/v1", "--judge-key-env", "EMPTY_KEY"}, "evals: --judge-key-env: the environment variable EMPTY_KEY is empty or not set\n"},
		{[]string{"serve", "--judge-base-url", "http://judge.example.com/v1", "--judge-key-env", "JUDGE_KEY"}, `evals: --judge-base-url: "http://judge.example.com/v1": a key is sent only over https or to a loopback address` + "\n"},
		{[]string{"serve", "--judge-base-url", "localhost:11434"}, `evals: --judge-base-url: "localhost:11434" must start with http:// or https://` + "\n"},
		{[]string{"demo", "--judge-base-url", "https://user:pw@judge.example.com"}, `evals: --judge-base-url: "https://user:pw@judge.example.com" must not hold a user name or password (give the key separately)` + "\n"},
		{[]string{"demo", "--allow-external"}, "evals: unknown flag: --allow-external\n"},
	} {
		r := c.run(tc.args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, tc.want) {
			t.Errorf("evals %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stdout+r.stderr, "sk-judge-flags-9911") {
			t.Errorf("evals %s printed the key", strings.Join(tc.args, " "))
		}
	}
}

// demoJudge is a loopback chat-completions server that grades the demo's trivia answers by a rule
// of its own: the answer is the reference answer (correct), one holds the other (partially_correct)
// or neither (incorrect); for the answer "1968" it names a label the demo does not have.
type demoJudge struct {
	mu    sync.Mutex
	auths map[string]int
	calls int
}

func (f *demoJudge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
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
	_, ref, _ := strings.Cut(req.Messages[0].Content, "Reference answer: ")
	ref, _, _ = strings.Cut(ref, "\n")
	ref = strings.ToLower(ref)
	answer := strings.ToLower(strings.TrimPrefix(req.Messages[1].Content, "Response to evaluate:\n"))
	label := "incorrect"
	switch {
	case answer == "1968":
		label = "wrong"
	case ref == "":
		label = "no reference in the prompt"
	case answer == ref:
		label = "correct"
	case strings.Contains(ref, answer) || strings.Contains(answer, ref):
		label = "partially_correct"
	}
	content, _ := json.Marshal(fmt.Sprintf(`{"feedback": "graded %s", "label": %q}`, answer, label))
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": %s}}], "usage": {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57}}`, content)
}

// TestDemoWithRealJudge runs the demo against a fake judge whose answers imply every figure of the
// job: of the 24 trivia answers, 10 equal their reference, 3 are part of it, 10 are neither, and
// one ("1968") gets a label the demo does not have.
func TestDemoWithRealJudge(t *testing.T) {
	fake := &demoJudge{auths: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := newCLI(t, "")
	c.env["DEMO_JUDGE_KEY"] = "sk-demo-judge-5150"
	r := c.mustRun(0, "demo", "--judge-base-url", srv.URL, "--judge-key-env", "DEMO_JUDGE_KEY", "--judge-model", "llama3.1:8b")
	fake.mu.Lock()
	calls, authorized := fake.calls, fake.auths["Bearer sk-demo-judge-5150"]
	fake.mu.Unlock()
	rowsInDemo := strings.Count(string(demoData), "\n")
	if rowsInDemo != 24 || calls != rowsInDemo || authorized != calls {
		t.Errorf("%d calls (%d with the key) for %d rows", calls, authorized, rowsInDemo)
	}
	for _, want := range []string{
		"  judge.model            llama3.1:8b\n",
		"    correct            ██████████████████████████████  10  pass\n",
		"    partially_correct  █████████                        3\n",
		"    incorrect          ██████████████████████████████  10\n",
		"  Pass percentage:      43.5%\n", // 10 of the 23 rows with a valid label
		"  Invalid labels:       1\n",
		"  Generation failures:  0\n",
		"  Judge failures:       0\n",
		"  Tokens:               1368 (prompt 1200, completion 168)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the demo's job lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "Jobs are judged by real models at "+srv.URL+"/v1/chat/completions (the key in $DEMO_JUDGE_KEY).") {
		t.Errorf("demo does not say where models are called:\n%s", r)
	}
	if strings.Contains(r.stdout+r.stderr, "sk-demo-judge-5150") {
		t.Error("demo printed the judge's key")
	}
}

// The two --judge-base-url flags mean different things; each help says which one it is.
func TestJudgeBaseURLHelps(t *testing.T) {
	c := newCLI(t, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--help"}, "the server's model endpoint: judge every job with real models at this OpenAI-compatible base URL (POST <URL>/chat/completions) instead of the stand-in; not a job's external judge, which 'evals create --judge-base-url' names"},
		{[]string{"create", "classify", "--help"}, "this job's external judge: its OpenAI-compatible base URL, sent as judge.external_base_url (with --judge-source external); not the server's endpoint, which 'evals serve --judge-base-url' sets"},
	} {
		r := c.mustRun(0, tc.args...)
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), tc.want) {
			t.Errorf("evals %s does not say %q:\n%s", strings.Join(tc.args, " "), tc.want, r.stdout)
		}
	}
}
