package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

const (
	firstRows  = "{\"question\": \"2+2?\", \"answer\": \"4\"}\n"
	secondRows = "{\"question\": \"3+3?\", \"answer\": \"6\"}\n{\"question\": \"1+1?\", \"answer\": \"2\"}\n"
)

// uploadAs uploads content under name through `evals files upload` and returns the new id.
func uploadAs(t *testing.T, c *cli, name, content string) string {
	t.Helper()
	return strings.TrimSpace(c.mustRun(0, "files", "upload", writeFile(t, name, content)).stdout)
}

// dirFiles lists the names in dir.
func dirFiles(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

func TestFilesList(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	r := c.mustRun(0, "files", "list")
	if r.stdout != "" || r.stderr != "No files.\n" {
		t.Errorf("an empty list:\n%s", r)
	}
	first := uploadAs(t, c, "first.jsonl", firstRows)
	second := uploadAs(t, c, "second.jsonl", secondRows)

	r = c.mustRun(0, "files", "list")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID NAME PURPOSE SIZE CREATED" {
		t.Fatalf("files list:\n%s", r)
	}
	for i, want := range [][]string{{second, "second.jsonl", "eval", "72", "B", "2026-03-14", "09:26"}, {first, "first.jsonl", "eval", "36", "B", "2026-03-14", "09:26"}} {
		if got := strings.Fields(lines[i+1]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("row %d = %q, want %q", i+1, got, want)
		}
	}

	r = c.mustRun(0, "files", "list", "-o", "json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 2 || list[0]["id"] != second || list[1]["filename"] != "first.jsonl" {
		t.Errorf("files list -o json: %v\n%s", err, r)
	}

	r = c.mustRun(0, "files", "list", "--purpose", "eval-output")
	if r.stdout != "" || r.stderr != "No files.\n" {
		t.Errorf("--purpose eval-output:\n%s", r)
	}
	r = c.mustRun(2, "files", "list", "--purpose", "evals")
	if r.stderr != `evals: --purpose: must be one of eval, eval-sample, eval-output, eval-summary, fine-tune, batch-generated, batch-api, got "evals"`+"\nRun 'evals files list --help' for usage.\n" {
		t.Errorf("a bad --purpose:\n%s", r)
	}
}

func TestFilesDelete(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	keep := uploadAs(t, c, "keep.jsonl", firstRows)
	gone := uploadAs(t, c, "gone.jsonl", secondRows)

	r := c.mustRun(0, "files", "delete", gone)
	if want := "Deleted " + gone + " (gone.jsonl, 72 B).\n"; r.stdout != want || r.stderr != "" {
		t.Errorf("files delete:\n%s\nwant stdout %q", r, want)
	}
	if r := c.mustRun(0, "files", "list", "-o", "json"); strings.Contains(r.stdout, gone) || !strings.Contains(r.stdout, keep) {
		t.Errorf("after the delete:\n%s", r)
	}
	r = c.mustRun(3, "files", "delete", gone)
	if r.stderr != "evals: files delete "+cut(gone, maxArgRunes)+": File \""+gone+"\" not found [404 Not Found, GET /files/"+gone+"]\n" {
		t.Errorf("deleting it again:\n%s", r)
	}
	r = c.mustRun(0, "files", "delete", keep, "-o", "json")
	var resp map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &resp); err != nil || resp["id"] != keep || resp["deleted"] != true {
		t.Errorf("files delete -o json: %v\n%s", err, r)
	}
	if n := srv.Requests(api.OpDeleteFile); n != 2 {
		t.Errorf("DeleteFile received %d requests, want 2 (none for an unknown file)", n)
	}

	r = c.mustRun(2, "files")
	if want := `evals: "evals files" needs a command: delete, download, get, list or upload` + "\nRun 'evals files --help' for usage.\n"; r.stderr != want {
		t.Errorf("bare files: stderr %q, want %q", r.stderr, want)
	}
}

// ttyIn is standard input on a terminal, as far as the test's isTerminal hook is concerned.
type ttyIn struct{ io.Reader }

func (ttyIn) Write(p []byte) (int, error) { return len(p), nil }

func TestFilesDeleteAsksOnATerminal(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	c.env["NO_COLOR"] = "1"
	id := uploadAs(t, c, "data.jsonl", firstRows)
	answer := ""
	c.setup = func(a *app) {
		a.stdin = ttyIn{strings.NewReader(answer)}
		a.isTerminal = func(io.Writer) bool { return true }
	}

	answer = "n\n"
	r := c.mustRun(1, "files", "delete", id)
	want := "Delete " + id + " (data.jsonl, 36 B)? [y/N] evals: files delete " + cut(id, maxArgRunes) + ": not deleted: the answer was not yes\n"
	if r.stderr != want || r.stdout != "" {
		t.Errorf("answered n:\n%s\nwant stderr %q", r, want)
	}
	answer = ""
	r = c.mustRun(1, "files", "delete", id) // no answer at all (end of input) is no
	if !strings.Contains(r.stderr, "[y/N] \nevals: files delete") {
		t.Errorf("no answer: the error does not start on a line of its own:\n%s", r)
	}
	if n := srv.Requests(api.OpDeleteFile); n != 0 {
		t.Fatalf("DeleteFile received %d requests without a yes", n)
	}
	answer = "yes\n"
	r = c.mustRun(0, "files", "delete", id)
	if r.stderr != "Delete "+id+" (data.jsonl, 36 B)? [y/N] " || r.stdout != "Deleted "+id+" (data.jsonl, 36 B).\n" {
		t.Errorf("answered yes:\n%s", r)
	}

	id = uploadAs(t, c, "data.jsonl", firstRows)
	answer = "n\n"
	r = c.mustRun(0, "files", "delete", id, "--yes")
	if r.stderr != "" {
		t.Errorf("--yes asked:\n%s", r)
	}
}

func TestFilesDownload(t *testing.T) {
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	id := uploadAs(t, c, "data.jsonl", secondRows)
	dir := t.TempDir()
	t.Chdir(dir)

	r := c.mustRun(0, "files", "download", id)
	if want := "Downloaded " + id + " to data.jsonl (72 B).\n"; r.stderr != want || r.stdout != "" {
		t.Errorf("download:\n%s\nwant stderr %q", r, want)
	}
	if b, err := os.ReadFile("data.jsonl"); err != nil || string(b) != secondRows {
		t.Fatalf("data.jsonl = %q, %v", b, err)
	}

	// An existing file is kept unless --force.
	if err := os.WriteFile("data.jsonl", []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.mustRun(2, "files", "download", id)
	if want := "evals: data.jsonl already exists: pass --force to overwrite it, or --out to save elsewhere\nRun 'evals files download --help' for usage.\n"; r.stderr != want {
		t.Errorf("download over a file:\n%s\nwant stderr starting %q", r, want)
	}
	if b, _ := os.ReadFile("data.jsonl"); string(b) != "mine\n" {
		t.Errorf("the file was overwritten without --force: %q", b)
	}
	c.mustRun(0, "files", "download", id, "--force")
	if b, _ := os.ReadFile("data.jsonl"); string(b) != secondRows {
		t.Errorf("--force did not overwrite: %q", b)
	}

	// --out FILE, --out DIR, --out -.
	c.mustRun(0, "files", "download", id, "--out", "copy.jsonl")
	if err := os.Mkdir("sub", 0o750); err != nil {
		t.Fatal(err)
	}
	r = c.mustRun(0, "files", "download", id, "--out", "sub")
	if want := "Downloaded " + id + " to " + filepath.Join("sub", "data.jsonl") + " (72 B).\n"; r.stderr != want {
		t.Errorf("--out DIR: stderr %q, want %q", r.stderr, want)
	}
	r = c.mustRun(0, "files", "download", id, "--out", "-")
	if r.stdout != secondRows || r.stderr != "" {
		t.Errorf("--out -:\n%s", r)
	}
	if got := dirFiles(t, dir) + " | " + dirFiles(t, "sub"); got != "copy.jsonl data.jsonl sub | data.jsonl" {
		t.Errorf("files: %s", got)
	}

	// Usage errors and a missing file.
	r = c.mustRun(2, "files", "download", id, "--out", "-", "--force")
	if r.stderr != "evals: --force: only applies when writing to a file, not with --out -\nRun 'evals files download --help' for usage.\n" {
		t.Errorf("--force with --out -:\n%s", r)
	}
	r = c.mustRun(2, "files", "download", id, "--out", "")
	if r.stderr != "evals: --out: name a file or a directory, or - for standard output\nRun 'evals files download --help' for usage.\n" {
		t.Errorf("--out empty:\n%s", r)
	}
	r = c.mustRun(2, "files", "download", id, "--out", filepath.Join("nodir", "x.jsonl"))
	if want := "evals: --out " + filepath.Join("nodir", "x.jsonl") + ": the directory nodir does not exist (create it first)\nRun 'evals files download --help' for usage.\n"; r.stderr != want {
		t.Errorf("--out in a missing directory: stderr %q, want %q", r.stderr, want)
	}
	r = c.mustRun(3, "files", "download", "file-nope")
	if want := "evals: files download file-nope: File \"file-nope\" not found [404 Not Found, GET /files/file-nope]\n"; r.stderr != want {
		t.Errorf("an unknown file: stderr %q, want %q", r.stderr, want)
	}

	// A download cut off halfway leaves nothing behind.
	srv.Faults().Inject(api.OpGetFileContent, 1, api.Fault{Cut: true})
	r = c.mustRun(1, "files", "download", id, "--out", "cut.jsonl")
	if want := "evals: files download " + cut(id, maxArgRunes) + ": the server closed the connection after 36 B of the content; nothing was saved\n"; r.stderr != want {
		t.Errorf("a cut download: stderr %q, want %q", r.stderr, want)
	}
	srv.Faults().Inject(api.OpGetFileContent, 1, api.Fault{Cut: true})
	r = c.mustRun(1, "files", "download", id, "--out", "-")
	if want := "evals: files download " + cut(id, maxArgRunes) + ": the server closed the connection after 36 B of the content\n"; r.stderr != want || r.stdout != secondRows[:36] {
		t.Errorf("a cut download to stdout:\n%s", r)
	}
	if got := dirFiles(t, dir); got != "copy.jsonl data.jsonl sub" {
		t.Errorf("after a cut download the directory holds %s", got)
	}
}

func TestLocalName(t *testing.T) {
	for _, tc := range []struct {
		name, id, fileType, want string
	}{
		{"data.jsonl", "file-1", "jsonl", "data.jsonl"},
		{"données été.jsonl", "file-1", "jsonl", "données été.jsonl"},
		{"../../etc/passwd", "file-1", "jsonl", "passwd"},
		{`C:\Users\x\rows.jsonl`, "file-1", "jsonl", "rows.jsonl"},
		{".bashrc", "file-1", "jsonl", "file-1.jsonl"},
		{"a\x1b[31m.jsonl", "file-1", "jsonl", "file-1.jsonl"},
		{"", "file/../x", "csv", "file____x.csv"},
		{"..", "", "", "file.jsonl"},
		{"a:b.jsonl", "file-2", "../x", "file-2.jsonl"},
	} {
		got := localName(&wrappers.File{Filename: tc.name, ID: tc.id, FileType: tc.fileType})
		if got != tc.want {
			t.Errorf("localName(%q, %q) = %q, want %q", tc.name, tc.id, got, tc.want)
		}
	}
}
