package main

import (
	"net/http/httptest"
	"strings"
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

func TestDemoWithRealJudge(t *testing.T) {
	fake := &openAIFake{auths: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := newCLI(t, "")
	c.env["DEMO_JUDGE_KEY"] = "sk-demo-judge-5150"
	r := c.mustRun(0, "demo", "--judge-base-url", srv.URL, "--judge-key-env", "DEMO_JUDGE_KEY", "--judge-model", "llama3.1:8b")
	fake.mu.Lock()
	calls, authorized := fake.calls, fake.auths["Bearer sk-demo-judge-5150"]
	fake.mu.Unlock()
	rowsInDemo := strings.Count(string(demoData), "\n")
	if calls != rowsInDemo || authorized != calls {
		t.Errorf("%d calls (%d with the key) for %d rows", calls, authorized, rowsInDemo)
	}
	if !strings.Contains(r.stderr, "Jobs are judged by real models at "+srv.URL+"/v1/chat/completions (the key in $DEMO_JUDGE_KEY).") {
		t.Errorf("demo does not say where models are called:\n%s", r)
	}
	if strings.Contains(r.stdout+r.stderr, "sk-demo-judge-5150") {
		t.Error("demo printed the judge's key")
	}
}
