//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/evalkit/together-evals/api"
)

// TestOutputFilesNamedAsGiven checks that report --out and files download --out say what went
// wrong of the file the user named (never the temporary name beside it), and refuse to replace
// something that is not a regular file (a pipe, a directory) instead of renaming over it.
func TestOutputFilesNamedAsGiven(t *testing.T) {
	srv := startAPI(t, api.WithPhaseDurations(0, 0, 0))
	c := newCLI(t, srv.URL)
	fileID := uploadAs(t, c, "rows.jsonl", keyedRows("a=good", "b=bad"))
	id := createdID(t, c.mustRun(0, classifyJobArgs(fileID)...))

	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "report.html")
	r := c.mustRun(2, "report", id, "--out", missing)
	if want := "evals: --out " + missing + ": the directory " + filepath.Dir(missing) + " does not exist (create it first)\nRun 'evals report --help' for usage.\n"; r.stderr != want {
		t.Errorf("report into a missing directory: stderr\n%s\nwant\n%s", r.stderr, want)
	}
	r = c.mustRun(2, "files", "download", fileID, "--out", filepath.Join(dir, "nope", "rows.jsonl"))
	if want := "evals: --out " + filepath.Join(dir, "nope", "rows.jsonl") + ": the directory " + filepath.Join(dir, "nope") + " does not exist (create it first)\nRun 'evals files download --help' for usage.\n"; r.stderr != want {
		t.Errorf("download into a missing directory: stderr\n%s\nwant\n%s", r.stderr, want)
	}

	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	r = c.mustRun(2, "report", id, "--out", fifo, "--format", "html")
	if want := "evals: --out: " + fifo + " is not a regular file: give a file name, or --out - for standard output\nRun 'evals report --help' for usage.\n"; r.stderr != want {
		t.Errorf("report into a pipe: stderr\n%s\nwant\n%s", r.stderr, want)
	}
	r = c.mustRun(2, "files", "download", fileID, "--out", fifo, "--force")
	if want := "evals: --out: " + fifo + " is not a regular file: give a file name, or --out - for standard output\nRun 'evals files download --help' for usage.\n"; r.stderr != want {
		t.Errorf("download into a pipe: stderr\n%s\nwant\n%s", r.stderr, want)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v, %v", st, err)
	}
	r = c.mustRun(2, "report", id, "--out", dir, "--format", "html")
	if want := "evals: --out: " + dir + " is a directory: give a file name, or --out - for standard output\nRun 'evals report --help' for usage.\n"; r.stderr != want {
		t.Errorf("report into a directory: stderr\n%s\nwant\n%s", r.stderr, want)
	}
	if names, _ := os.ReadDir(dir); len(names) != 1 {
		t.Errorf("files left in %s: %v", dir, names)
	}
}
