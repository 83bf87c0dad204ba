package main

import (
	"context"
	_ "embed" // the demo's dataset
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// demoData is the demo's input file: trivia questions, a reference answer and the answer to judge.
// Every column is used: question and reference by the judge's template, answer as the column
// evaluated.
//
//go:embed demo.jsonl
var demoData []byte

// demoRequest is the classify job of the demo.
func demoRequest(judgeModel string) *wrappers.ClassifyRequest {
	return &wrappers.ClassifyRequest{
		Judge: wrappers.Judge{
			Model: judgeModel,
			SystemTemplate: "You grade answers to trivia questions.\n" +
				"Question: {{question}}\nReference answer: {{reference}}\n" +
				"Say whether the answer is correct, partially_correct or incorrect.",
			Temperature: wrappers.Float64(0),
		},
		Labels:          []string{"correct", "partially_correct", "incorrect"},
		PassLabels:      []string{"correct"},
		ModelToEvaluate: wrappers.Column("answer"),
	}
}

// The phases of the demo's jobs: short, so that it ends within a few seconds.
const (
	demoPending = 300 * time.Millisecond
	demoQueued  = 300 * time.Millisecond
	demoRunning = 1200 * time.Millisecond
)

// demoCmd is `evals demo`: a whole job against the in-memory API, in-process.
func (a *app) demoCmd() *cobra.Command {
	var judge realJudgeFlags
	var judgeModel string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a classify job end to end against the in-memory API (no key, no network)",
		Long: `Start the in-memory Evaluations API in-process on a loopback port, upload a small
built-in dataset (trivia answers), create a classify job that labels each answer
correct, partially_correct or incorrect, follow it to its end and print it as
'evals get' does. No key is needed and nothing leaves the machine; the judge is a
deterministic stand-in, so the labels say nothing about the answers.

With --judge-base-url, a real model judges the answers instead (called at that
OpenAI-compatible URL as --judge-model, with the key in the variable named by
--judge-key-env); the answers are sent there.

Run 'evals serve' to keep such an API running and try every command against it.`,
		Example: `  evals demo
  evals demo --judge-base-url http://127.0.0.1:11434/v1 --judge-model llama3.1:8b`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The job's own flags are checked before the API starts and the dataset is uploaded.
			req := demoRequest(judgeModel)
			req.InputFileID = localInputID
			if err := req.Validate(); err != nil {
				return &usageError{err: err}
			}
			judgeOpts, note, err := judge.options(a.getenv)
			if err != nil {
				return err
			}
			return a.runDemo(cmd.Context(), judgeOpts, note, judgeModel)
		},
	}
	judge.register(cmd.Flags(), false)
	cmd.Flags().StringVar(&judgeModel, "judge-model", "openai/gpt-oss-120b", "the judge model's name, as the --judge-base-url endpoint knows it")
	return cmd
}

// runDemo runs the demo; judgeOpts choose a real judge (note says which), or none the stand-in.
func (a *app) runDemo(ctx context.Context, judgeOpts []api.Option, note, judgeModel string) (err error) {
	opts := append([]api.Option{api.WithPhaseDurations(demoPending, demoQueued, demoRunning)}, judgeOpts...)
	if a.debug {
		opts = append(opts, api.WithLogger(a.debugLogger()))
	}
	opts = append(opts, a.serverOpts...)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	apiSrv := api.New(opts...)
	srv := api.NewHTTPServer(apiSrv.Handler(), 0)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		defer func() { _ = apiSrv.Close() }()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if serr := srv.Shutdown(shutdownCtx); serr != nil && err == nil {
			err = fmt.Errorf("demo: stop the API: %w", serr)
		}
		if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = fmt.Errorf("demo: %w", serr)
		}
	}()
	base := "http://" + ln.Addr().String() + api.DefaultBasePath
	timeout := time.Minute
	if note == "" {
		a.msgf("Started the in-memory Evaluations API at %s (no key, no network).\n", base)
	} else {
		a.msgf("Started the in-memory Evaluations API at %s. %s", base, note)
		timeout = 15 * time.Minute // real models take their time
	}

	copts := []wrappers.Option{wrappers.WithAPIKey(demoKey), wrappers.WithBaseURL(base)}
	if a.debug {
		copts = append(copts, wrappers.WithLogger(a.debugLogger()))
	}
	c, err := wrappers.NewClient(append(copts, a.clientOpts...)...)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	dir, err := os.MkdirTemp("", "evals-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "demo.jsonl")
	if err := os.WriteFile(path, demoData, 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	req := demoRequest(judgeModel)
	file, err := uploadInput(ctx, a, c, path, req)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	req.InputFileID = file.ID
	created, err := c.Create(ctx, req)
	if err != nil {
		return fmt.Errorf("demo: create: %w", err)
	}
	a.msgf("Created classify job %s; waiting for it.\n", clean(created.ID))
	if err := a.waitAndPrint(ctx, c, created.ID, a.demoWait, timeout); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	a.msgf("%s\n", "\nNext: run 'evals serve' and try 'evals create', 'evals list', 'evals results' against it,\nor export TOGETHER_API_KEY=... to use the real API.")
	return nil
}
