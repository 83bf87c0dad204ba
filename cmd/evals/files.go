package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// filesCmd is `evals files`: the files evaluations read and write.
func (a *app) filesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "files",
		Short: "List, upload, download and delete files",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	cmd.AddCommand(a.filesListCmd(), a.filesGetCmd(), a.filesUploadCmd(), a.filesDownloadCmd(), a.filesDeleteCmd())
	return cmd
}

func (a *app) filesGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show a file's metadata",
		Example: `  evals files get file-1234-aefd
  evals files get "$(evals get eval-1234aedf -o json | jq -r .results.result_file_id)"`,
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			f, err := c.File(cmd.Context(), args[0])
			if err != nil {
				return opErr("files get", args[0], err)
			}
			return a.printFile(f)
		},
	}
}

func (a *app) filesUploadCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "upload FILE",
		Short: "Check a JSONL input file and upload it with purpose eval",
		Long: `Check a JSONL input file's structure locally (see 'evals check'), then upload it
with purpose eval and print its id, for 'evals create --input-file-id'. To check it
against a job's templates as well, use 'evals create --input FILE' instead.

FILE - reads standard input (up to 64 MiB, held in memory), uploaded as stdin.jsonl.`,
		Example: `  id=$(evals files upload data.jsonl)
  jq -c '{question, answer}' raw.jsonl | evals files upload -`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "" {
				return usagef("FILE: %s", emptyInputFile)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			f, err := uploadInput(cmd.Context(), a, c, args[0], nil)
			if err != nil {
				return err
			}
			if a.output == outputJSON {
				return a.printFile(f)
			}
			_, err = fmt.Fprintln(a.stdout, clean(f.ID))
			return err
		},
	}
}

// printFile prints a file's metadata as the output format asks.
func (a *app) printFile(f *wrappers.File) error {
	if a.output == outputJSON {
		v, err := objectJSON(f.Raw, nil, nil)
		if err != nil {
			return err
		}
		return writeJSON(a.stdout, v)
	}
	created := "-"
	if !f.CreatedAt.IsZero() {
		created = f.CreatedAt.UTC().Format(time.DateTime + " UTC")
	}
	k := newKV(a.stdout, "", "Processed")
	k.line("ID", clean(f.ID))
	k.line("Filename", clean(f.Filename))
	k.line("Size", formatBytes(f.Bytes)+" ("+strconv.FormatInt(f.Bytes, 10)+" bytes)")
	k.line("Purpose", clean(string(f.Purpose)))
	k.line("Type", clean(f.FileType))
	k.line("Created", created)
	k.line("Processed", strconv.FormatBool(f.Processed))
	return k.err
}
