package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// ciWorkflow is the part of a GitHub Actions workflow the test reads.
type ciWorkflow struct {
	Jobs map[string]struct {
		Steps []struct {
			Name string `yaml:"name"`
			Uses string `yaml:"uses"`
			Run  string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// readmeWorkflow returns the workflow of the README's "Use it in CI" section.
func readmeWorkflow(t *testing.T) ciWorkflow {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Use it in CI\n")
	if !ok {
		t.Fatal(`README.md has no section "Use it in CI"`)
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatal("the section has no yaml block")
	}
	block, _, _ = strings.Cut(block, "```")
	var wf ciWorkflow
	if err := yaml.Unmarshal([]byte(block), &wf); err != nil {
		t.Fatalf("the workflow is not valid YAML: %v", err)
	}
	return wf
}

// TestReadmeCIWorkflowRuns runs the commands of the README's workflow with bash, against the local
// API, with an evals built from this tree on $PATH: the steps must succeed in order, and leave the
// Markdown report in $GITHUB_STEP_SUMMARY and report.html on disk.
func TestReadmeCIWorkflowRuns(t *testing.T) {
	wf := readmeWorkflow(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on $PATH to build evals with")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on $PATH")
	}
	bin := t.TempDir()
	build := exec.Command(goTool, "build", "-o", filepath.Join(bin, "evals"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	srv := api.New(api.WithPhaseDurations(0, 0, 0))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	base := hs.URL + api.DefaultBasePath
	client, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}

	// The dataset: rows the local API's stand-in judge calls good (its verdicts follow from each
	// row's content), so that the gate holds; and a baseline run on the same rows.
	work := t.TempDir()
	rows := goodRows(t, client, work)
	if err := os.MkdirAll(filepath.Join(work, "evals"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "evals", "questions.jsonl"), []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	baseline := runCIJob(t, client, work, rows)

	githubEnv := filepath.Join(work, "github_env")
	summary := filepath.Join(work, "step_summary.md")
	for _, p := range []string{githubEnv, summary} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		wrappers.EnvAPIKey+"="+testKey, wrappers.EnvBaseURL+"="+base,
		"BASELINE="+baseline, "GITHUB_ENV="+githubEnv, "GITHUB_STEP_SUMMARY="+summary,
	)
	ran := 0
	for _, job := range wf.Jobs {
		for _, step := range job.Steps {
			if step.Run == "" || strings.HasPrefix(strings.TrimSpace(step.Run), "go install") {
				continue // actions and installing evals: the test built it
			}
			// As Actions does: bash -e -o pipefail, with what earlier steps wrote to $GITHUB_ENV.
			script := "set -a; . \"$GITHUB_ENV\"; set +a\n" + step.Run
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			cmd := exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
			cmd.Dir, cmd.Env = work, env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			cancel()
			if err != nil {
				t.Fatalf("step %q failed: %v\n%s\n--- output\n%s", step.Name, err, step.Run, out.String())
			}
			ran++
		}
	}
	if ran != 4 {
		t.Errorf("%d steps ran, want 4 (evaluate, gate, compare, report)", ran)
	}
	md, err := os.ReadFile(summary)
	if err != nil || !bytes.HasPrefix(md, []byte("## Evaluation")) || !bytes.Contains(md, []byte("Compared with baseline")) {
		t.Errorf("$GITHUB_STEP_SUMMARY holds:\n%s (%v)", md, err)
	}
	page, err := os.ReadFile(filepath.Join(work, "report.html"))
	if err != nil || !bytes.Contains(page, []byte("Compared with baseline "+baseline)) {
		t.Errorf("report.html: %v", err)
	}
}

// ciTemplate is the judge template of the README's workflow.
const ciTemplate = "Question {{id}}: is the answer to {{question}} correct? Answer good or bad."

// runCIJob runs the README's classify job on rows through the library and returns its id.
func runCIJob(t *testing.T, c *wrappers.Client, dir, rows string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, fmt.Sprintf("rows-%d.jsonl", time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := c.UploadFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.Create(ctx, wrappers.ClassifyRequest{
		Judge:  wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: ciTemplate},
		Labels: []string{"good", "bad"}, PassLabels: []string{"good"}, ModelToEvaluate: wrappers.Column("answer"), InputFileID: f.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.Wait(ctx, created.ID, wrappers.WaitOptions{FirstInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return job.ID
}

// goodRows returns input rows that the stand-in judge labels good: 40 candidates go through one
// job, and the rows it judged good are kept.
func goodRows(t *testing.T, c *wrappers.Client, dir string) string {
	t.Helper()
	var candidates strings.Builder
	for i := range 40 {
		fmt.Fprintf(&candidates, `{"id": "q%d", "question": "What is %d + %d?", "answer": "%d"}`+"\n", i, i, i, 2*i)
	}
	probe := runCIJob(t, c, dir, candidates.String())
	job, err := c.Retrieve(context.Background(), probe)
	if err != nil {
		t.Fatal(err)
	}
	var kept strings.Builder
	for row, err := range c.JobResultRows(context.Background(), job) {
		if err != nil {
			t.Fatal(err)
		}
		if l, _ := row.Label(); l == "good" {
			fmt.Fprintf(&kept, `{"id": %s, "question": %s, "answer": %s}`+"\n", row.Field("id"), row.Field("question"), row.Field("answer"))
		}
	}
	if kept.Len() == 0 {
		t.Fatal("the stand-in judge called no candidate row good")
	}
	return kept.String()
}
