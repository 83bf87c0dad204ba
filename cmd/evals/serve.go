package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/api"
)

// demoKey is the key printed by serve and used by demo: the in-memory API takes any non-empty key.
const demoKey = "demo-key"

// serveCmd is `evals serve`: the in-memory API on a local address until interrupted.
func (a *app) serveCmd() *cobra.Command {
	var addr string
	var pending, queued, running time.Duration
	var judge realJudgeFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the in-memory Evaluations API locally",
		Long: `Run the in-memory implementation of the Evaluations API (and its file endpoints)
until interrupted. Every request and answer is checked against openapi.yaml; jobs
are judged by a deterministic stand-in, no model is called. It prints the
environment to point evals (or any client) at it:

  export TOGETHER_BASE_URL=http://127.0.0.1:8080/v1 TOGETHER_API_KEY=demo-key

Any non-empty key is accepted. A judge model whose name starts with "fail/" makes
a job end in error.

With --judge-base-url, jobs are judged by real models instead: every serverless
and dedicated model (judge, and model_to_evaluate / model_a / model_b given as
model configurations) is called at that OpenAI-compatible URL, with the key held
in the environment variable named by --judge-key-env. Jobs with external models
call their own external_base_url only with --allow-external.`,
		Example: `  evals serve
  evals serve --addr 127.0.0.1:0 --running 10s
  evals serve --judge-base-url http://127.0.0.1:11434/v1
  evals serve --judge-base-url https://api.together.xyz/v1 --judge-key-env TOGETHER_JUDGE_KEY`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for name, d := range map[string]time.Duration{"pending": pending, "queued": queued, "running": running} {
				if d < 0 {
					return usagef("--%s: must not be negative, got %s", name, d)
				}
			}
			judgeOpts, judgeNote, err := judge.options(a.getenv)
			if err != nil {
				return err
			}
			opts := append([]api.Option{api.WithPhaseDurations(pending, queued, running)}, judgeOpts...)
			if a.debug {
				opts = append(opts, api.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			}
			opts = append(opts, a.serverOpts...)
			if judgeNote != "" {
				a.msgf("%s", judgeNote)
			}
			srv := api.New(opts...)
			defer func() { _ = srv.Close() }()
			return a.serve(cmd.Context(), addr, srv.Handler())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "the address to listen on (port 0 picks a free one)")
	cmd.Flags().DurationVar(&pending, "pending", api.DefaultPendingDuration, "how long a new job stays pending")
	cmd.Flags().DurationVar(&queued, "queued", api.DefaultQueuedDuration, "how long a job then stays queued")
	cmd.Flags().DurationVar(&running, "running", api.DefaultRunningDuration, "how long a job then runs before it ends")
	judge.register(cmd.Flags(), true)
	return cmd
}

// serve listens on addr and serves h until ctx ends, then shuts down gracefully.
func (a *app) serve(ctx context.Context, addr string, h http.Handler) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return usagef("--addr: %w", err)
	}
	base := "http://" + ln.Addr().String() + api.DefaultBasePath
	srv := newHTTPServer(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		a.warn("listening on %s, which is not a loopback address: clients refuse to send a key over plain http to it", ln.Addr())
	}
	a.msgf("Serving the in-memory Evaluations API at %s (Ctrl-C to stop). Point evals at it with:\n", base)
	if _, err := fmt.Fprintf(a.stdout, "export %s=%s %s=%s\n", "TOGETHER_BASE_URL", base, "TOGETHER_API_KEY", demoKey); err != nil {
		_ = srv.Close()
		return err
	}
	if a.listening != nil {
		a.listening(base)
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	a.msgf("%s\n", "Stopped.")
	return nil
}
