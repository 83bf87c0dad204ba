package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// filePurposes are the purposes --purpose accepts (the service's FilePurpose values).
var filePurposes = []string{"eval", "eval-sample", "eval-output", "eval-summary", "fine-tune", "batch-generated", "batch-api"}

// filesListCmd is `evals files list`: GET /files.
func (a *app) filesListCmd() *cobra.Command {
	var purpose string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored files",
		Long: `List the stored files as the API gives them (the local API: newest first): id,
name, purpose (eval for input files, eval-output for a job's result file), size and
when it was stored.`,
		Example: `  evals files list
  evals files list --purpose eval-output
  evals files list -o json | jq -r '.[].id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("purpose") && !isOneOf(purpose, filePurposes) {
				return usagef("--purpose: must be one of %s, got %q", strings.Join(filePurposes, ", "), clean(purpose))
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			files, err := c.Files(cmd.Context())
			if err != nil {
				return opErr("files list", "", err)
			}
			if purpose != "" {
				kept := files[:0]
				for _, f := range files {
					if string(f.Purpose) == purpose {
						kept = append(kept, f)
					}
				}
				files = kept
			}
			if a.output == outputJSON {
				out := make([]any, 0, len(files))
				for _, f := range files {
					v, err := objectJSON(f.Raw, nil, nil)
					if err != nil {
						return err
					}
					out = append(out, v)
				}
				return writeJSON(a.stdout, out)
			}
			if len(files) == 0 {
				a.msgf("%s\n", "No files.")
				return nil
			}
			return writeFilesTable(a.stdout, files)
		},
	}
	cmd.Flags().StringVar(&purpose, "purpose", "", "only files with this purpose: "+strings.Join(filePurposes, ", "))
	_ = cmd.RegisterFlagCompletionFunc("purpose", cobra.FixedCompletions(filePurposes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func isOneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// writeFilesTable prints files as a table.
func writeFilesTable(w io.Writer, files []*wrappers.File) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "ID\tNAME\tPURPOSE\tSIZE\tCREATED")
	for _, f := range files {
		created := "-"
		if !f.CreatedAt.IsZero() {
			created = f.CreatedAt.UTC().Format("2006-01-02 15:04")
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", clean(f.ID), cut(clean(f.Filename), 40), clean(string(f.Purpose)),
			formatBytes(f.Bytes), created)
	}
	return tw.Flush()
}

// filesDeleteCmd is `evals files delete ID`: DELETE /files/{id}.
func (a *app) filesDeleteCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a stored file",
		Long: `Delete a stored file and say which one was deleted (its id, name and size).

On a terminal it asks first, unless --yes; in a script (standard input or standard
error not a terminal) it asks nothing. With the local API ('evals serve'), a job
created on the file before it was deleted still reads the data it was created with;
a new job cannot name it. A job's result file can be deleted too: 'evals results'
of that job then answers that the file does not exist.`,
		Example: `  evals files delete file-1234-aefd
  evals files delete file-1234-aefd --yes`,
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			f, err := c.File(ctx, id)
			if err != nil {
				return opErr("files delete", id, err)
			}
			what := fmt.Sprintf("%s (%s, %s)", clean(f.ID), cut(clean(f.Filename), 60), formatBytes(f.Bytes))
			if !yes && a.interactive() {
				ok, err := a.confirm(ctx, "Delete "+what+"? [y/N] ")
				if err != nil {
					return opErr("files delete", id, err)
				}
				if !ok {
					return opErr("files delete", id, errors.New("not deleted: the answer was not yes"))
				}
			}
			if err := c.DeleteFile(ctx, id); err != nil {
				return opErr("files delete", id, err)
			}
			if a.output == outputJSON {
				return writeJSON(a.stdout, map[string]any{"id": f.ID, "deleted": true})
			}
			_, err = fmt.Fprintf(a.stdout, "Deleted %s.\n", what)
			return err
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask first on a terminal")
	return cmd
}

// interactive reports whether a person can answer a question: standard input and standard error
// are both terminals.
func (a *app) interactive() bool {
	in, ok := a.stdin.(io.Writer) // *os.File is both; isTerminal takes a writer
	return ok && a.isTerminal(in) && a.isTerminal(a.stderr)
}

// confirm asks question on stderr and reads one line of standard input: true for y or yes. A
// cancelled ctx (Ctrl-C) ends the wait.
func (a *app) confirm(ctx context.Context, question string) (bool, error) {
	a.msgf("%s", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		return false, context.Cause(ctx)
	case line := <-answer:
		if !strings.HasSuffix(line, "\n") {
			a.msgf("\n") // no answer (end of input): what follows starts on a line of its own
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}

// filesDownloadCmd is `evals files download ID`: GET /files/{id}/content, streamed.
func (a *app) filesDownloadCmd() *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "download ID",
		Short: "Download a file's content",
		Long: `Download a stored file's content (an input file, or a job's result file) as it is
stored. It streams: memory stays small whatever the size of the file.

Without --out the file is saved under its own name (the name it was uploaded with,
or its id when that name is not a plain file name) in the current directory; --out
names the file, or a directory to save it in; --out - writes to standard output.
An existing file is not overwritten unless --force. The content is written to a
temporary file beside the destination and renamed when it is complete, so a download
that fails or is interrupted leaves nothing behind.`,
		Example: `  evals files download file-1234-aefd
  evals files download file-1234-aefd --out rows.jsonl --force
  evals files download "$(evals get eval-1234aedf -o json | jq -r .results.result_file_id)" --out - | head`,
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if cmd.Flags().Changed("out") && out == "" {
				return usagef("--out: name a file or a directory, or - for standard output")
			}
			if force && out == "-" {
				return usagef("--force: only applies when writing to a file, not with --out -")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if out == "-" {
				body, err := c.FileContent(ctx, id)
				if err != nil {
					return opErr("files download", id, err)
				}
				defer func() { _ = body.Close() }()
				if n, err := io.Copy(a.stdout, body); err != nil {
					return opErr("files download", id, brokenOff(err, n))
				}
				return nil
			}
			dest, err := a.downloadDest(ctx, c, id, out)
			if err != nil {
				return err
			}
			if err := refuseSpecialFile("--out", dest); err != nil {
				return err
			}
			if err := refuseMissingDir("--out", dest); err != nil {
				return err
			}
			if !force {
				if _, err := os.Lstat(dest); err == nil {
					return usagef("%s already exists: pass --force to overwrite it, or --out to save elsewhere", dest)
				}
			}
			n, err := download(ctx, c, id, dest, force)
			if err != nil {
				return opErr("files download", id, err)
			}
			a.msgf("Downloaded %s to %s (%s).\n", clean(id), clean(dest), formatBytes(n))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the file to write, a directory to write it in, or - for standard output (default: the file's name)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the --out file if it exists")
	return cmd
}

// downloadDest is where a download goes: --out, the file's own name inside --out when it is a
// directory, or the file's own name in the current directory.
func (a *app) downloadDest(ctx context.Context, c *wrappers.Client, id, out string) (string, error) {
	dir := ""
	if out != "" {
		st, err := os.Stat(out)
		if err != nil || !st.IsDir() {
			return out, nil
		}
		dir = out
	}
	f, err := c.File(ctx, id)
	if err != nil {
		return "", opErr("files download", id, err)
	}
	return filepath.Join(dir, localName(f)), nil
}

// localName is the name a downloaded file is saved under: the name it was uploaded with when that
// is a plain file name (the server's text is not trusted to name a path, a hidden file, or
// anything with control characters), else a name made of its id.
func localName(f *wrappers.File) string {
	if name := path.Base(strings.ReplaceAll(f.Filename, `\`, "/")); plainName(name) {
		return name
	}
	safe := strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return r
		}
		return '_'
	}, f.ID)
	if safe == "" || strings.Trim(safe, "_") == "" {
		safe = "file"
	}
	ext := ".jsonl"
	if t := f.FileType; t != "" && plainName("x."+t) && !strings.ContainsAny(t, ".") {
		ext = "." + t
	}
	return cut(safe, 100) + ext
}

// plainName reports whether name can be used as a file name as it is.
func plainName(name string) bool {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") || len(name) > 200 || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) {
			return false
		}
	}
	return true
}

// download streams the file's content into a temporary file beside dest and renames it to dest
// once complete; without force it does not replace a file that appeared meanwhile. It returns
// the number of bytes written.
func download(ctx context.Context, c *wrappers.Client, id, dest string, force bool) (int64, error) {
	body, err := c.FileContent(ctx, id)
	if err != nil {
		return 0, err
	}
	defer func() { _ = body.Close() }()
	tmp, err := createTempBeside(dest, ".part")
	if err != nil {
		return 0, err
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, body)
	if err != nil {
		return n, fmt.Errorf("%w; nothing was saved", brokenOff(err, n))
	}
	if err := tmp.Sync(); err != nil {
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, err
	}
	if force {
		err = os.Rename(tmp.Name(), dest)
	} else {
		// A hard link never replaces an existing file.
		if err = os.Link(tmp.Name(), dest); err == nil || errors.Is(err, fs.ErrExist) {
			_ = os.Remove(tmp.Name())
			done = true
		}
		if errors.Is(err, fs.ErrExist) {
			return n, fmt.Errorf("%s appeared while downloading; nothing was overwritten (pass --force to overwrite it)", dest)
		}
		if err != nil {
			// No hard links here (some file systems): check, then rename.
			if _, serr := os.Lstat(dest); serr == nil {
				return n, fmt.Errorf("%s appeared while downloading; nothing was overwritten (pass --force to overwrite it)", dest)
			}
			err = os.Rename(tmp.Name(), dest)
		}
	}
	if err != nil {
		return n, err
	}
	done = true
	return n, nil
}

// brokenOff says how a download that stopped halfway stopped, in words: the connection closed
// early, or err as it is (an interruption, a timeout).
func brokenOff(err error, n int64) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the server closed the connection after %s of the content", formatBytes(n))
	}
	return err
}
