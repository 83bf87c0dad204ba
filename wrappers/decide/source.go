package decide

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/evalkit/together-evals/wrappers"
)

// Source is one run's result file: a file on disk ([File]) or a job's result file read through
// the client ([Job]). A source is read as a stream, once or twice: never held in memory whole.
type Source struct {
	name      string
	path      string // of a File, for its errors
	typ       wrappers.JobType
	inputFile string
	open      func(ctx context.Context) (io.ReadCloser, error)
	job       *wrappers.Job
}

// File is a result file (JSONL, one row per line) on disk. Its job type is told from its rows.
func File(path string) Source {
	return Source{
		name: "file " + path,
		path: path,
		open: func(context.Context) (io.ReadCloser, error) {
			f, err := os.Open(path) //nolint:gosec // the path is the user's own choice
			if err != nil {
				return nil, err
			}
			return f, nil
		},
	}
}

// Job is the result file of a job that has ended, streamed through c (GET /files/{id}/content of
// the job's results.result_file_id). Its type and input file come from the job.
func Job(c *wrappers.Client, job *wrappers.Job) Source {
	s := Source{name: "job " + job.ID, typ: job.Type, job: job}
	if r, err := job.Request(); err == nil {
		s.inputFile = inputFileOf(r)
	}
	s.open = func(ctx context.Context) (io.ReadCloser, error) {
		id, err := job.ResultFileID()
		if err != nil {
			return nil, err
		}
		return c.FileContent(ctx, id)
	}
	return s
}

// Reader is a result file read from whatever open returns, each time the source is read (it may
// be called twice). name says what it is in errors ("file x.jsonl"); t is its job type, or ""
// to tell it from the rows.
func Reader(name string, t wrappers.JobType, open func(ctx context.Context) (io.ReadCloser, error)) Source {
	return Source{name: name, typ: t, open: open}
}

// Name says what the source is: "file PATH" or "job ID".
func (s Source) Name() string { return s.name }

// JobOf returns the job of a source made by [Job], or nil.
func (s Source) JobOf() *wrappers.Job { return s.job }

func inputFileOf(r wrappers.CreateRequest) string {
	switch r := r.(type) {
	case *wrappers.ClassifyRequest:
		return r.InputFileID
	case *wrappers.ScoreRequest:
		return r.InputFileID
	case *wrappers.CompareRequest:
		return r.InputFileID
	}
	return ""
}

// rows streams the source's rows to yield, and stops at the first error (of the source, of
// yield, or ctx's).
func (s Source) rows(ctx context.Context, yield func(*wrappers.ResultRow) error) error {
	body, err := s.open(ctx)
	if err != nil {
		return s.fault(err)
	}
	defer func() { _ = body.Close() }()
	n := 0
	for row, err := range wrappers.ReadResultRows(body) {
		if err != nil {
			return s.fault(err)
		}
		// A file on disk does not watch ctx: look at it now and then.
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := yield(row); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// FileError is an error of a result file on disk ([File]): it cannot be read, or it is not the
// result file of an evaluation job. It names the file as given; the caller's input is at fault,
// not a service.
type FileError struct {
	// Path is the file's path, as given to File.
	Path string
	// Err says what is wrong.
	Err error
}

// Error names the file and says what is wrong with it.
func (e *FileError) Error() string { return "file " + e.Path + ": " + e.Err.Error() }

// Unwrap returns what is wrong.
func (e *FileError) Unwrap() error { return e.Err }

// fault wraps an error of reading the source with its name: a *FileError for a file on disk.
func (s Source) fault(err error) error {
	if s.path != "" {
		return &FileError{Path: s.path, Err: err}
	}
	return fmt.Errorf("%s: %w", s.name, err)
}

// notResults is the error for a row that tells no job type: the source is not a result file.
func (s Source) notResults(row *wrappers.ResultRow) error {
	return s.fault(fmt.Errorf("line %d has none of %s, %s, %s: not the result file of an evaluation job",
		row.Line(), wrappers.RowKeyLabel, wrappers.RowKeyScore, wrappers.RowKeyFinalDecision))
}

// typeOfRow tells a row's job type from the keys the service adds: label (classify), score
// (score), or else a final decision of A, B or Tie (compare); "" when the row does not tell.
func typeOfRow(row *wrappers.ResultRow) wrappers.JobType {
	switch {
	case row.Has(wrappers.RowKeyLabel):
		return wrappers.TypeClassify
	case row.Has(wrappers.RowKeyScore):
		return wrappers.TypeScore
	case row.Has(wrappers.RowKeyFinalDecision):
		return wrappers.TypeCompare
	}
	return ""
}
