package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefuseMissingDirSaysWhatIsWrong: an --out whose directory is a file says so, not that the
// directory does not exist.
func TestRefuseMissingDirSaysWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "good.jsonl")
	if err := os.WriteFile(file, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing", "r.md"), "does not exist (create it first)"},
		{filepath.Join(file, "r.md"), file + " is not a directory"},
	} {
		err := refuseMissingDir("--out", tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
	if err := refuseMissingDir("--out", filepath.Join(dir, "r.md")); err != nil {
		t.Errorf("an existing directory: %v", err)
	}
}
