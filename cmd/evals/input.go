package main

import (
	"context"
	"errors"
	"io/fs"
	"sync"

	"github.com/evalkit/together-evals/wrappers"
)

// Problems of a file name given empty, said where it was given (a flag such as --file, or the
// argument FILE) instead of as a path that does not exist.
const (
	emptyResultFile = "is empty: name a result file"
	emptyInputFile  = "is empty: name a JSONL file, or - for standard input"
)

// uploadInput checks a local input file against the job it is for (its templates and model
// columns; structure only when req is nil), then uploads it with purpose eval. A file that breaks
// a rule, or cannot be read, is a usage error: nothing was sent.
func uploadInput(ctx context.Context, a *app, c *wrappers.Client, path string, req wrappers.CreateRequest) (*wrappers.File, error) {
	opts := []wrappers.UploadOption{}
	if req != nil {
		opts = append(opts, wrappers.WithUploadRequest(req))
	}
	shown := path
	if path == "-" {
		shown = stdinUploadName
	}
	up := a.newUploadProgress(shown)
	if up != nil {
		opts = append(opts, wrappers.WithUploadProgress(up.report))
	}
	var f *wrappers.File
	var err error
	if path == "-" {
		f, err = c.Upload(ctx, stdinUploadName, a.stdin, opts...)
	} else {
		f, err = c.UploadFile(ctx, path, opts...)
	}
	up.done()
	if err != nil {
		var inputErr *wrappers.InputError
		var pathErr *fs.PathError
		if errors.Is(err, wrappers.ErrUploadTooLarge) {
			return nil, usagef("standard input holds more than %s: save it to a file and upload that", formatBytes(wrappers.DefaultUploadMaxBytes))
		}
		if errors.As(err, &inputErr) || errors.As(err, &pathErr) || errors.Is(err, fs.ErrNotExist) {
			return nil, &usageError{err: &notUploadedError{err: err}}
		}
		return nil, opErr("upload", path, err)
	}
	a.msgf("Uploaded %s (%s) as %s.\n", clean(f.Filename), formatBytes(f.Bytes), clean(f.ID))
	return f, nil
}

// stdinUploadName is the name standard input is uploaded under (and named by in problems):
// `evals files upload -`.
const stdinUploadName = "stdin.jsonl"

// notUploadedError is a local input file refused before its upload: the message says that
// nothing was uploaded.
type notUploadedError struct{ err error }

func (e *notUploadedError) Error() string { return e.err.Error() }
func (e *notUploadedError) Unwrap() error { return e.err }

// uploadProgress shows an upload's progress on a terminal.
type uploadProgress struct {
	a     *app
	name  string
	mu    sync.Mutex
	last  int64 // the last percentage shown
	shown bool
}

// newUploadProgress returns nil (no display) unless stderr is a terminal.
func (a *app) newUploadProgress(path string) *uploadProgress {
	if !a.isTerminal(a.stderr) {
		return nil
	}
	return &uploadProgress{a: a, name: clean(path), last: -1}
}

func (u *uploadProgress) report(sent, total int64) {
	if total <= 0 {
		return
	}
	pct := sent * 100 / total
	u.mu.Lock()
	defer u.mu.Unlock()
	if pct == u.last {
		return
	}
	u.last, u.shown = pct, true
	u.a.msgf("\r\x1b[KUploading %s  %d%% of %s", u.name, pct, formatBytes(total))
}

func (u *uploadProgress) done() {
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.shown {
		u.a.msgf("\r\x1b[K")
	}
}
