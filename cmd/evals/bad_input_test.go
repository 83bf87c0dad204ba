package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests pin the words and exit codes of bad command-line input found by trying each command
// with it: one message per mistake, in flag names, each value quoted once.

// TestBadFlagValueQuotedOnce checks that a flag value its type cannot parse is quoted once, as
// typed: a double quote or a tab in it is escaped once, never twice, and a size flag does not
// repeat the value.
func TestBadFlagValueQuotedOnce(t *testing.T) {
	c := newCLI(t, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "--limit", `a"b`}, `evals: --limit: "a\"b" is not a whole number`},
		{[]string{"list", "--limit", "a\tb"}, `evals: --limit: "a\tb" is not a whole number`},
		{[]string{"--request-timeout", `5"`, "list"}, `evals: --request-timeout: "5\"" is not a duration such as 90s, 30m or 1h30m`},
		{[]string{"serve", "--max-store-bytes", "5%"}, `evals: --max-store-bytes: "5%" is not a size: give a whole number of bytes above 0, with KiB, MiB, GiB, KB, MB or GB if you like (e.g. 512MiB)`},
	} {
		r := c.mustRun(2, tc.args...)
		cmd := tc.args[0]
		if cmd == "--request-timeout" {
			cmd = tc.args[2]
		}
		if want := tc.want + "\nRun 'evals " + cmd + " --help' for usage.\n"; r.stderr != want {
			t.Errorf("evals %q: stderr\n%s\nwant\n%s", tc.args, r.stderr, want)
		}
	}
}

// TestCreateWithoutInputSaysSoOnce checks that a create given neither --input nor
// --input-file-id is told so in one message, not once per flag.
func TestCreateWithoutInputSaysSoOnce(t *testing.T) {
	r := newCLI(t, "").mustRun(2, classifyArgs...)
	want := "evals: --input: an input file is required: --input FILE (a local JSONL file) or --input-file-id ID\n" +
		"Run 'evals create classify --help' for usage.\n"
	if r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	r = newCLI(t, "").mustRun(2, append(classifyArgs, "--input-file-id", "")...)
	want = "evals: --input-file-id: is empty\nRun 'evals create classify --help' for usage.\n"
	if r.stderr != want {
		t.Errorf("--input-file-id '': stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestEmptyFileNamesAreUsage checks that an empty file name, given to a flag or as an argument, is
// a usage error (2) that names where it was given, never "gate: : no such file or directory" with
// the exit code of a failed request.
func TestEmptyFileNamesAreUsage(t *testing.T) {
	res := writeFile(t, "res.jsonl", `{"q": "a", "label": "good", "final_decision": "pass"}`+"\n")
	c := newCLI(t, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gate", "--file", "", "--min-pass", "5"}, "evals: --file: is empty: name a result file\nRun 'evals gate --help' for usage.\n"},
		{[]string{"diff", "--base-file", "", "--new-file", res}, "evals: --base-file: is empty: name a result file\nRun 'evals diff --help' for usage.\n"},
		{[]string{"diff", "--base-file", res, "--new-file", ""}, "evals: --new-file: is empty: name a result file\nRun 'evals diff --help' for usage.\n"},
		{[]string{"check", ""}, "evals: FILE: is empty: name a JSONL file, or - for standard input\nRun 'evals check --help' for usage.\n"},
		{[]string{"files", "upload", ""}, "evals: FILE: is empty: name a JSONL file, or - for standard input\nRun 'evals files upload --help' for usage.\n"},
	} {
		r := c.mustRun(2, tc.args...)
		if r.stderr != tc.want {
			t.Errorf("evals %q: stderr\n%s\nwant\n%s", tc.args, r.stderr, tc.want)
		}
	}
}

// TestReportOutInAMissingDirectory checks that report refuses --out in a directory that does not
// exist before it sends anything, as a usage error (2), as files download does.
func TestReportOutInAMissingDirectory(t *testing.T) {
	srv := startAPI(t)
	out := filepath.Join(t.TempDir(), "nope", "r.html")
	r := newCLI(t, srv.URL).mustRun(2, "report", "eval-1234", "--out", out)
	want := "evals: --out " + out + ": the directory " + filepath.Dir(out) + " does not exist (create it first)\n" +
		"Run 'evals report --help' for usage.\n"
	if r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestDemoChecksItsJobFirst checks that demo refuses a --judge-model its job cannot take before it
// starts the API and uploads its dataset, with the usage hint, not after.
func TestDemoChecksItsJobFirst(t *testing.T) {
	r := newCLI(t, "").mustRun(2, "demo", "--judge-model", "")
	if want := "evals: --judge-model: is required\nRun 'evals demo --help' for usage.\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestServeDataThatIsAFile checks that serve --data naming a file, not a directory, is a usage
// error (2) said once, before the server listens.
func TestServeDataThatIsAFile(t *testing.T) {
	file := writeFile(t, "rows.jsonl", "{}\n")
	r := newCLI(t, "").mustRun(2, "serve", "--addr", "127.0.0.1:0", "--data", file)
	if want := "evals: --data " + file + ": not a directory: give a directory (created if need be)\nRun 'evals serve --help' for usage.\n"; r.stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", r.stderr, want)
	}
}

// TestServeWithKeysSaysHowToPointEvalsInOrder checks that serve --keys prints the export line
// before the sentence that goes on from it ("and TOGETHER_API_KEY set to one of the keys"), as
// one reads them on a terminal where stdout and stderr meet.
func TestServeWithKeysSaysHowToPointEvalsInOrder(t *testing.T) {
	keys := writeFile(t, "keys.txt", "team-key\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening := make(chan string, 1)
	var both syncBuffer
	c := newCLI(t, "")
	c.setup = func(a *app) { a.listening = func(base string) { listening <- base } }
	a := c.app(&both, &both)
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--keys", keys}) }()
	var base string
	select {
	case base = <-listening:
	case code := <-done:
		t.Fatalf("serve ended with %d:\n%s", code, both.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start listening")
	}
	cancel()
	<-done
	want := "Point evals at it with:\nexport TOGETHER_BASE_URL=" + base + "\nand TOGETHER_API_KEY set to one of the keys in " + keys + ".\n"
	if !strings.Contains(both.String(), want) {
		t.Errorf("output\n%s\nwant it to hold\n%s", both.String(), want)
	}
}

// TestJudgeTemplateFileInItsOwnWords checks that a --judge-template-file that cannot be read or is
// empty is said once, of that flag and file, without the system call's name ("open", "read"), by
// check as by create; given with --judge-template, only the conflict is said.
func TestJudgeTemplateFileInItsOwnWords(t *testing.T) {
	input := writeFile(t, "qa.jsonl", `{"question": "q", "answer": "a"}`+"\n")
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.txt")
	empty := writeFile(t, "empty.txt", "")
	srv := startAPI(t)
	c := newCLI(t, srv.URL)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", input, "--judge-template-file", missing}, "--judge-template-file: " + missing + ": no such file or directory"},
		{[]string{"check", input, "--judge-template-file", dir}, "--judge-template-file: " + dir + ": is a directory"},
		{[]string{"check", input, "--judge-template-file", empty}, "--judge-template-file: " + empty + ": the file is empty: it holds the judge's system prompt"},
		{[]string{"check", input, "--judge-template", "{{question}}", "--judge-template-file", missing}, "--judge-template-file: cannot be used with --judge-template"},
	} {
		r := c.mustRun(2, tc.args...)
		if want := "evals: " + tc.want + "\nRun 'evals check --help' for usage.\n"; r.stderr != want {
			t.Errorf("evals %q: stderr\n%s\nwant\n%s", tc.args, r.stderr, want)
		}
	}
	args := []string{"create", "classify", "--input-file-id", "f", "--judge-model", "m", "--judge-template-file", empty, "--labels", "a,b", "--pass-labels", "a", "--model-column", "answer"}
	r := c.mustRun(2, args...)
	if want := "evals: --judge-template-file: " + empty + ": the file is empty: it holds the judge's system prompt\nRun 'evals create classify --help' for usage.\n"; r.stderr != want {
		t.Errorf("create: stderr\n%s\nwant\n%s", r.stderr, want)
	}
	if n := srv.totalRequests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
