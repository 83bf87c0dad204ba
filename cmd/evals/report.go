package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/cmd/evals/report"
	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

const reportLong = `Write a report of a job that has ended, to share: one self-contained HTML file,
or GitHub-flavoured Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY.

The HTML file holds its styles, charts (inline SVG) and a few lines of script,
and fetches nothing when opened; it reads the same without JavaScript. It shows
the job's parameters, its headline figures, charts of the label counts, the score
histogram or the A / B / tie verdicts, and the rows with their inputs, outputs,
verdicts and the judge's feedback: failed and invalid rows first, at most
--max-rows of them (the others are counted in every figure, and the report says
how many are not listed). With --baseline it adds the comparison of 'evals diff':
both runs side by side, the change with its interval and test, the regressed rows.

The Markdown holds the same summary and the worst rows (regressed, then failed and
invalid), under 60 KB whatever the job's size. Every value from a row is escaped,
in both formats.

A job that ended in error or user_error has no rows: its report gives its parameters
and why it failed.

The format comes from --format, else from the file's extension (.html, .htm, .md,
.markdown). --out - writes to stdout, e.g. to append to $GITHUB_STEP_SUMMARY. A
file is written whole or not at all (a temporary file, renamed at the end).`

// reportCmd is `evals report ID --out FILE`.
func (a *app) reportCmd() *cobra.Command {
	var (
		out, format, baseline string
		key                   []string
		maxRows               int
	)
	cmd := &cobra.Command{
		Use:   "report ID --out FILE",
		Short: "Write a job's report as one HTML file or as Markdown",
		Long:  reportLong,
		Example: `  evals report eval-new00002 --baseline eval-base0001 --key id --out report.html
  evals report eval-new00002 --format markdown --out - >> "$GITHUB_STEP_SUMMARY"`,
		Args:              exactArgs("ID"),
		ValidArgsFunction: a.completeJobIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			var p problemList
			if !fs.Changed("out") || out == "" {
				p.add("--out", "is required: the file to write, or - for stdout")
			}
			kind, err := reportFormat(format, out, fs.Changed("format"))
			if err != nil {
				p = append(p, err)
			}
			if maxRows < 1 {
				p.add("--max-rows", "must be at least 1, got %d", maxRows)
			}
			for _, k := range key {
				if strings.TrimSpace(k) == "" {
					p.add("--key", "a column name is empty (write --key id or --key id,lang)")
					break
				}
			}
			if fs.Changed("key") && baseline == "" {
				p.add("--key", "only applies with --baseline")
			}
			if len(p) > 0 {
				return &usageError{err: joinProblems(p)}
			}
			if out != "-" {
				if err := refuseSpecialFile("--out", out); err != nil {
					return err
				}
				if err := refuseMissingDir("--out", out); err != nil {
					return err
				}
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			job, err := a.endedJob(cmd, c, args[0])
			if err != nil {
				return err
			}
			var base *wrappers.Job
			if baseline != "" {
				if base, err = a.endedJob(cmd, c, baseline); err != nil {
					return err
				}
				if base.Type != job.Type {
					return usagef("--baseline: job %s is a %s job and job %s a %s job; a report compares jobs of one type",
						clean(base.ID), clean(string(base.Type)), clean(job.ID), clean(string(job.Type)))
				}
			}
			var diffOpts []decide.Option
			if len(key) > 0 {
				diffOpts = append(diffOpts, decide.WithKey(key...))
			}
			r, err := report.Build(ctx, c, job, base, report.Options{MaxRows: maxRows, Now: a.now, Secrets: secrets(a.getenv(wrappers.EnvAPIKey))}, diffOpts...)
			if kerr := keyColumnUsage(err); kerr != nil {
				return kerr
			}
			if err != nil {
				return fmt.Errorf("report %s: %w", job.ID, err)
			}
			// The report is bounded in size: it is rendered whole, then written in one piece
			// through the key's redaction, which therefore never sees a key cut in two.
			var doc bytes.Buffer
			if kind == "markdown" {
				err = r.WriteMarkdown(&doc)
			} else {
				err = r.WriteHTML(&doc)
			}
			if err != nil {
				return fmt.Errorf("report %s: %w", job.ID, err)
			}
			if out == "-" {
				_, err := a.stdout.Write(doc.Bytes())
				return err
			}
			key := a.getenv(wrappers.EnvAPIKey)
			if err := writeFileAtomic(out, func(w io.Writer) error {
				_, err := newRedactingWriter(w, key).Write(doc.Bytes())
				return err
			}); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			a.msgf("Wrote the %s report of job %s to %s (%d rows, %d listed).\n", kind, clean(job.ID), clean(out), r.TotalRows, len(r.Rows))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&out, "out", "", "the file to write (required), or - for stdout")
	fs.StringVar(&format, "format", "", "html or markdown (default: from the file's extension)")
	fs.StringVar(&baseline, "baseline", "", "a job to compare with, as 'evals diff BASELINE ID' does")
	fs.StringSliceVar(&key, "key", nil, "with --baseline: pair rows by these columns, e.g. id")
	fs.IntVar(&maxRows, "max-rows", 200, "list at most this many rows (failed and invalid first); the others are counted")
	_ = cmd.MarkFlagFilename("out", "html", "htm", "md", "markdown")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"html", "markdown"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// secrets lists the API key when it is long enough to be one (see minRedactedKey).
func secrets(key string) []string {
	if len(key) < minRedactedKey {
		return nil
	}
	return []string{key}
}

// endedJob reads a job and checks that it has ended.
func (a *app) endedJob(cmd *cobra.Command, c *wrappers.Client, id string) (*wrappers.Job, error) {
	job, err := c.Retrieve(cmd.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", cmd.Name(), id, err)
	}
	if !job.Done() {
		return nil, fmt.Errorf("job %s is %s: %s needs a job that has ended; follow it with 'evals wait %s'", clean(job.ID), clean(string(job.Status)), cmd.Name(), clean(job.ID))
	}
	return job, nil
}

// reportFormat is html or markdown, from --format or else the file's extension.
func reportFormat(format, out string, given bool) (string, error) {
	if given {
		switch strings.ToLower(format) {
		case "html":
			return "html", nil
		case "markdown", "md":
			return "markdown", nil
		}
		return "", &wrappers.ValidationError{Field: "--format", Problem: fmt.Sprintf("must be html or markdown, got %q", format)}
	}
	switch strings.ToLower(filepath.Ext(out)) {
	case ".html", ".htm":
		return "html", nil
	case ".md", ".markdown":
		return "markdown", nil
	}
	if out == "" {
		return "html", nil
	}
	return "", &wrappers.ValidationError{Field: "--format", Problem: fmt.Sprintf("is needed: %q has no .html or .md extension to tell the format from", out)}
}

// writeFileAtomic writes a file whole or not at all: into a temporary file next to it, synced,
// then renamed over it.
func writeFileAtomic(path string, write func(w io.Writer) error) error {
	tmp, err := createTempBeside(path, ".tmp")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(bw); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { //nolint:gosec // a report is meant to be shared
		return err
	}
	return os.Rename(tmp.Name(), path)
}
