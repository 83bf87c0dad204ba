package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// app is one run of the CLI: its environment, its streams and the global flags. Tests build one
// with newApp and change the hooks (terminal detection, clock, poll intervals) before run.
type app struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer

	// Global flags.
	baseURL string
	// usedBaseURL is the base URL the client was made with, and baseSource where it came from
	// (--base-url, $TOGETHER_BASE_URL or the default), for error messages.
	usedBaseURL, baseSource string
	// requestTimeout and retries are --request-timeout and --retries.
	requestTimeout time.Duration
	retries        int
	debug          bool
	output         string

	// isTerminal reports whether w is a terminal; progress displays and colour depend on it.
	isTerminal func(w io.Writer) bool
	// now is the clock for elapsed times in progress lines.
	now func() time.Time
	// wait holds the poll intervals of evals wait and create --wait (the timeout comes from a flag).
	wait wrappers.WaitOptions
	// progressTick is how often a terminal progress line is redrawn.
	progressTick time.Duration
	// clientOpts are added after the options built from the environment (tests: short retries).
	clientOpts []wrappers.Option
	// serverOpts are added to the in-memory API of serve and demo (tests: a fake clock).
	serverOpts []api.Option
	// demoWait holds the poll intervals of the demo, whose job ends within seconds.
	demoWait wrappers.WaitOptions
	// listening, if set, is called by serve with the base URL once the listener is open.
	listening func(baseURL string)
}

// newApp returns an app for the given environment and streams, with the hooks of a real run.
func newApp(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *app {
	// Whatever the server sends back is printed; if it ever echoes the key, it is redacted here,
	// on the way out, whichever command printed it.
	key := getenv(wrappers.EnvAPIKey)
	return &app{
		getenv: getenv, stdin: stdin,
		stdout: newRedactingWriter(stdout, key), stderr: &lockedWriter{w: newRedactingWriter(stderr, key)},
		isTerminal:   fileIsTerminal,
		now:          time.Now,
		progressTick: 200 * time.Millisecond,
		demoWait:     wrappers.WaitOptions{FirstInterval: 100 * time.Millisecond, MaxInterval: 250 * time.Millisecond},
	}
}

// run runs the CLI with args (without the program name) and returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	return newApp(getenv, stdin, stdout, stderr).run(ctx, args)
}

// run executes the command line and turns its outcome into an exit code, printing any error.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil {
		a.printError(ctx, cmd, err)
	}
	return exitCode(ctx, err)
}

// fileIsTerminal reports whether w is an *os.File attached to a terminal.
func fileIsTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	if r, ok := w.(*redactingWriter); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// colorOn reports whether output to w may use colour: w is a terminal, NO_COLOR is not set (to a
// non-empty value, as no-color.org asks) and TERM is not "dumb".
func (a *app) colorOn(w io.Writer) bool {
	return a.isTerminal(w) && a.getenv("NO_COLOR") == "" && a.getenv("TERM") != "dumb"
}

// styles returns the styles for stdout and stderr.
func (a *app) outStyle() style { return style{color: a.colorOn(a.stdout)} }
func (a *app) errStyle() style { return style{color: a.colorOn(a.stderr)} }

var rootLong = `evals runs and inspects Together AI evaluation jobs: LLM-as-a-judge jobs that
classify, score or compare model outputs over an uploaded JSONL file.

Start with 'evals demo': it runs a whole job against an in-memory API, with no key
and no network. 'evals serve' keeps that API running for you to try every command.

Environment:
  TOGETHER_API_KEY   the API key (every command but demo, serve and check needs it);
                     no flag takes the key itself
  TOGETHER_BASE_URL  the API's base URL (default ` + wrappers.DefaultBaseURL + `);
                     --base-url wins over it
  NO_COLOR           no colour when set; colour is only used on a terminal

Output:
  Data goes to stdout, messages and progress to stderr. -o json prints the API's
  objects as sent (with label_counts also decoded, under label_counts_decoded).

` + exitCodesHelp()

// rootCmd builds the command tree.
func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "evals",
		Short:         "Run and inspect Together AI evaluation jobs",
		Long:          rootLong,
		Version:       wrappers.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			switch a.output {
			case outputTable, outputJSON:
				return nil
			}
			return usagef("--output: must be table or json, got %q", a.output)
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{err: flagError(c, err)} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.baseURL, "base-url", "", "the API's base URL (default $TOGETHER_BASE_URL, else "+wrappers.DefaultBaseURL+")")
	pf.BoolVar(&a.debug, "debug", false, "log each HTTP request to stderr (method, path, status, time; never the key)")
	pf.DurationVar(&a.requestTimeout, "request-timeout", wrappers.DefaultTimeout, "bound each HTTP attempt, answer included; for file uploads and downloads, the wait for the answer and for each read (0: no bound; not used by serve, demo, check)")
	pf.IntVar(&a.retries, "retries", wrappers.DefaultMaxRetries, "retry a failed request this many times where that is safe (reads; a create only when the service did not act; not used by serve, demo, check)")
	pf.StringVarP(&a.output, "output", "o", outputTable, "output format: table or json")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputTable, outputJSON}, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(
		a.getCmd(), a.statusCmd(), a.listCmd(), a.modelsCmd(), a.createCmd(), a.waitCmd(),
		a.checkCmd(), a.gateCmd(), a.diffCmd(), a.reportCmd(), a.resultsCmd(), a.filesCmd(), a.serveCmd(), a.demoCmd(),
	)
	// The completion command is cobra's, added here rather than when the command line runs so
	// that it groups its shells as create groups job types: an unknown shell is a usage error.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cobra.ArbitraryArgs
			c.RunE = groupRunE
		}
	}
	markRun(root)
	return root
}

// groupRunE is the RunE of a command that only groups others: it is a usage error, which names
// the subcommands, to run it bare or with an unknown subcommand.
func groupRunE(cmd *cobra.Command, args []string) error {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	choices := strings.Join(names, ", ")
	if i := strings.LastIndex(choices, ", "); i >= 0 {
		choices = choices[:i] + " or " + choices[i+2:]
	}
	if len(args) > 0 {
		return usagef("unknown command %q for %q: use %s", args[0], cmd.CommandPath(), choices)
	}
	return usagef("%q needs a command: %s", cmd.CommandPath(), choices)
}

// markRun wraps the RunE of cmd and its children so that their errors are told apart from the
// errors cobra finds in the command line before any command runs (which are usage errors).
func markRun(cmd *cobra.Command) {
	if cmd.RunE != nil {
		runE := cmd.RunE
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if err := runE(c, args); err != nil {
				return &runError{err: err}
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		markRun(c)
	}
}

// errNoKey says how to set the API key.
var errNoKey = errors.New("no API key: set it with\n  export " + wrappers.EnvAPIKey + "=...\n(the key is read from the environment only; 'evals demo' needs none)")

// client returns a client for the API from the environment and the global flags. A missing key is
// a usage error that says how to set it.
func (a *app) client() (*wrappers.Client, error) {
	// Trimmed as NewClient trims the variable when it reads it itself.
	key := strings.TrimSpace(a.getenv(wrappers.EnvAPIKey))
	if key == "" {
		return nil, &usageError{err: errNoKey}
	}
	opts := []wrappers.Option{
		wrappers.WithAPIKey(key),
		wrappers.WithUserAgent("together-evals-cli/" + wrappers.Version),
	}
	// The CLI's environment is a.getenv (tests give their own), so the base URL is passed
	// explicitly rather than left to NewClient's own reading of the process environment.
	base, source := a.baseURL, "--base-url"
	if base == "" {
		base, source = strings.TrimSpace(a.getenv(wrappers.EnvBaseURL)), wrappers.EnvBaseURL
	}
	if base == "" {
		base, source = wrappers.DefaultBaseURL, "the default"
	}
	a.usedBaseURL = base
	a.baseSource = source
	if source == wrappers.EnvBaseURL {
		a.baseSource = "$" + wrappers.EnvBaseURL
	}
	if a.requestTimeout < 0 {
		return nil, usagef("--request-timeout: must not be negative, got %s", a.requestTimeout)
	}
	if a.retries < 0 {
		return nil, usagef("--retries: must not be negative, got %d", a.retries)
	}
	opts = append(opts, wrappers.WithBaseURL(base), wrappers.WithTimeout(a.requestTimeout), wrappers.WithMaxRetries(a.retries))
	if a.debug {
		opts = append(opts, wrappers.WithLogger(a.debugLogger()))
	}
	if a.isTerminal(a.stderr) {
		opts = append(opts, wrappers.WithRetryNotify(a.showRetry))
	}
	opts = append(opts, a.clientOpts...)
	c, err := wrappers.NewClient(opts...)
	if err != nil {
		// NewClient names what is wrong: the key's form, or the base URL and why; the latter is
		// also told where it came from.
		if strings.Contains(err.Error(), "base URL") {
			err = fmt.Errorf("%s: %w", source, err)
		}
		return nil, &usageError{err: err}
	}
	return c, nil
}

// debugLogger logs to stderr at debug level.
func (a *app) debugLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
