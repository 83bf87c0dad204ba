package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/api"
)

// demoKey is the key printed by serve and used by demo: the in-memory API takes any non-empty key.
const demoKey = "demo-key"

// serveCmd is `evals serve`: the API on a local address until interrupted.
func (a *app) serveCmd() *cobra.Command {
	var addr, dataDir, keysFile string
	var maxStore byteSize = api.DefaultMaxStoreBytes
	var pending, queued, running time.Duration
	var judge realJudgeFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Evaluations API locally (in memory, or kept in a directory with --data)",
		Long: `Run the local implementation of the Evaluations API (and its file endpoints)
until interrupted. Every request and answer is checked against openapi.yaml; jobs
are judged in the background by a deterministic stand-in, no model is called. It
prints the environment to point evals (or any client) at it:

  export TOGETHER_BASE_URL=http://127.0.0.1:8080/v1 TOGETHER_API_KEY=demo-key

What is kept where: without --data everything (files, jobs, result files) is held
in memory and LOST when the server stops. With --data DIR it is kept in DIR:
jobs and file metadata in DIR/evals.db (SQLite), file contents under DIR/files;
a restart with the same --data serves every job and file as before. A job whose
rows were being judged when the server stopped (even killed) ends in error with
a reason that says the server stopped; a job not yet started runs after the
restart. File contents are bounded by --max-store-bytes (uploads and result
files together; an upload past it gets 507).

Keys: each key sees only its own files and jobs (another key gets 404); the
server keeps a SHA-256 of each key, never the key. Without --keys any non-empty
key is accepted; with --keys FILE only the keys listed in FILE (one per line;
blank lines and lines starting with # are skipped), others get 401. Listening
on an address that is not loopback requires --keys.

Slow clients: headers (at most 16 KiB) must arrive within 10s, a body at no less
than 16 KiB per 30s; idle connections close after 60s; at most 512 connections
are open and 32 requests handled at once (one that waits 30s for a slot gets
503).

A judge model whose name starts with "fail/" makes a job end in error.

With --judge-base-url, jobs are judged by real models instead: every serverless
and dedicated model (judge, and model_to_evaluate / model_a / model_b given as
model configurations) is called at that OpenAI-compatible URL, with the key held
in the environment variable named by --judge-key-env. Jobs with external models
call their own external_base_url only with --allow-external.`,
		Example: `  evals serve
  evals serve --data ~/.local/share/evals --keys team-keys.txt
  evals serve --addr 127.0.0.1:0 --running 10s
  evals serve --judge-base-url http://127.0.0.1:11434/v1
  evals serve --judge-base-url https://api.together.ai/v1 --judge-key-env TOGETHER_JUDGE_KEY`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for name, d := range map[string]time.Duration{"pending": pending, "queued": queued, "running": running} {
				if d < 0 {
					return usagef("--%s: must not be negative, got %s", name, d)
				}
			}
			if dataDir != "" {
				if st, err := os.Stat(dataDir); err == nil && !st.IsDir() {
					return usagef("--data %s: not a directory: give a directory (created if need be)", dataDir)
				}
			}
			keys, err := readKeys(keysFile)
			if err != nil {
				return err
			}
			judgeOpts, judgeNote, err := judge.options(a.getenv)
			if err != nil {
				return err
			}
			opts := append([]api.Option{api.WithPhaseDurations(pending, queued, running), api.WithMaxStoreBytes(int64(maxStore))}, judgeOpts...)
			if len(keys) > 0 {
				opts = append(opts, api.WithAPIKeys(keys...))
			}
			if a.debug {
				opts = append(opts, api.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			}
			opts = append(opts, a.serverOpts...)
			if judgeNote != "" {
				a.msgf("%s", judgeNote)
			}
			ln, err := a.listen(cmd.Context(), addr, len(keys) > 0)
			if err != nil {
				return err
			}
			var srv *api.Server
			if dataDir != "" {
				if srv, err = api.Open(cmd.Context(), dataDir, opts...); err != nil {
					_ = ln.Close()
					return fmt.Errorf("--data %s: %w", dataDir, err)
				}
			} else {
				srv = api.New(opts...)
			}
			defer func() { _ = srv.Close() }()
			return a.serve(cmd.Context(), ln, srv.Handler(), serveNotes{dataDir: dataDir, keys: keysFile})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "the address to listen on (port 0 picks a free one); an address that is not loopback needs --keys")
	cmd.Flags().StringVar(&dataDir, "data", "", "keep jobs, files and result files in this directory (created if need be) instead of in memory")
	cmd.Flags().StringVar(&keysFile, "keys", "", "accept only the API keys listed in this file, one per line")
	cmd.Flags().Var(&maxStore, "max-store-bytes", "the most bytes of file contents kept, uploads and result files together (e.g. 512MiB, 2GiB)")
	cmd.Flags().DurationVar(&pending, "pending", api.DefaultPendingDuration, "how long a new job stays pending")
	cmd.Flags().DurationVar(&queued, "queued", api.DefaultQueuedDuration, "how long a job then stays queued")
	cmd.Flags().DurationVar(&running, "running", api.DefaultRunningDuration, "how long a job then runs, at least, before it ends")
	judge.register(cmd.Flags(), true)
	return cmd
}

// readKeys reads the keys of --keys: one per line; blank lines and lines starting with # are
// skipped. No file, no keys.
func readKeys(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path) //nolint:gosec // the user's own file, named on the command line
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, usagef("--keys %s: %w", path, err)
	}
	var keys []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		keys = append(keys, line)
	}
	if len(keys) == 0 {
		return nil, usagef("--keys %s: the file lists no key (one per line)", path)
	}
	return keys, nil
}

// listen opens addr, refusing an address that is not loopback unless keys were given: without
// them any key is accepted, so anyone who can reach the address could store files and run jobs.
func (a *app) listen(ctx context.Context, addr string, haveKeys bool) (net.Listener, error) {
	if !haveKeys {
		if host, _, err := net.SplitHostPort(addr); err == nil && !isLoopbackHost(host) {
			return nil, usagef("--addr %s: not a loopback address; without --keys the server accepts any key, so anyone who can reach it could upload files and run jobs. Give --keys FILE with the keys to accept, or listen on 127.0.0.1", addr)
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, usagef("--addr: %s", listenProblem(addr, err))
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !haveKeys && !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return nil, usagef("--addr %s: listens on %s, which is not a loopback address; give --keys FILE", addr, ln.Addr())
	}
	return ln, nil
}

// isLoopbackHost says whether host names only loopback addresses ("" and unspecified addresses
// listen on every interface: not loopback).
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveNotes is what serve says about where data is kept and which keys it takes.
type serveNotes struct {
	dataDir string
	keys    string
}

// serve serves h on ln until ctx ends, then shuts down gracefully.
func (a *app) serve(ctx context.Context, ln net.Listener, h http.Handler, notes serveNotes) error {
	base := "http://" + clientAddr(ln.Addr()) + api.DefaultBasePath
	srv := api.NewHTTPServer(h, 0)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(api.GuardListener(ln, 0)) }()
	memCtx, stopMem := context.WithCancel(ctx)
	defer stopMem()
	go returnMemory(memCtx, 5*time.Second, 32<<20)

	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && !tcp.IP.IsUnspecified() {
		a.warn("listening on %s, which is not a loopback address: clients send a key over plain http only to loopback; put an https proxy in front for others", ln.Addr())
	}
	where := "in memory: everything is lost when it stops; --data DIR keeps it"
	if notes.dataDir != "" {
		where = "keeping its data in " + notes.dataDir
	}
	a.msgf("Serving the Evaluations API at %s, %s (Ctrl-C to stop). Point evals at it with:\n", base, where)
	line := fmt.Sprintf("export %s=%s %s=%s\n", "TOGETHER_BASE_URL", base, "TOGETHER_API_KEY", demoKey)
	if notes.keys != "" {
		line = fmt.Sprintf("export %s=%s\n", "TOGETHER_BASE_URL", base)
	}
	if _, err := io.WriteString(a.stdout, line); err != nil {
		_ = srv.Close()
		return err
	}
	if notes.keys != "" {
		// Said after the export line it goes on from.
		a.msgf("and TOGETHER_API_KEY set to one of the keys in %s.\n", notes.keys)
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
	stopped := "Stopped."
	if err := srv.Shutdown(shutdownCtx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("serve: shut down: %w", err)
		}
		// Requests still in progress after the grace period (an upload, a slow client) are cut off.
		_ = srv.Close()
		stopped = "Stopped; requests still in progress after 5s were cut off."
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	a.msgf("%s\n", stopped)
	return nil
}

// clientAddr is the address a client on this machine reaches a listener at: a listener on every
// interface (0.0.0.0, ::) is reached at loopback, which clients send a key to over plain http.
// That is 127.0.0.1 for both: Go's "tcp" listener on an unspecified address is dual-stack and
// reports itself as [::] even for --addr 0.0.0.0, and ::1 is missing where IPv6 is turned off.
func clientAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}
