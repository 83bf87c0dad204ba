package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Files that commands write whole (a report, a download) are written to a temporary file beside
// them and renamed once complete: these helpers keep that detail out of what users read.

// createTempBeside creates the temporary file, in path's directory, that is renamed to path once
// written whole. An error names path, never the temporary name.
func createTempBeside(path, suffix string) (*os.File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*"+suffix)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &fs.PathError{Op: "create", Path: path, Err: pe.Err}
		}
		return nil, err
	}
	return tmp, nil
}

// refuseMissingDir returns a usage error when the directory that would hold path does not exist,
// so that a command says so before it sends anything rather than once it has the file to write.
func refuseMissingDir(flag, path string) error {
	if dir := filepath.Dir(path); dir != "." {
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return usagef("%s %s: the directory %s does not exist (create it first)", flag, path, dir)
		case err != nil:
			return usagef("%s %s: the directory %s cannot be used: %s", flag, path, dir, fileErrText(err))
		case !st.IsDir():
			return usagef("%s %s: %s is not a directory", flag, path, dir)
		}
	}
	return nil
}

// refuseSpecialFile returns a usage error when path exists and is not a regular file (a device
// such as /dev/stdout, a pipe, a directory): a rename would replace it with a file, where the
// user meant to write into it. Standard output is --out -.
func refuseSpecialFile(flag, path string) error {
	st, err := os.Stat(path)
	if err != nil || st.Mode().IsRegular() {
		return nil
	}
	what := "not a regular file"
	if st.IsDir() {
		what = "a directory"
	}
	return usagef("%s: %s is %s: give a file name, or %s - for standard output", flag, clean(path), what, flag)
}
