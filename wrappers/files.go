package wrappers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/evalkit/together-evals/generated"
)

// FilePurpose is what a file is for.
type FilePurpose string

// The file purposes evaluations use: input files are uploaded as eval; a job's per-row results
// are an eval-output file. Other purposes decode as they are.
const (
	FilePurposeEval       = FilePurpose(generated.FilePurposeEval)
	FilePurposeEvalSample = FilePurpose(generated.FilePurposeEvalSample)
	FilePurposeEvalOutput = FilePurpose(generated.FilePurposeEvalOutput)
)

// File is a stored file's metadata, as returned by [Client.File] and [Client.UploadFile].
type File struct {
	// ID is the file's id: pass it as a job's input file, or to [Client.ResultRows].
	ID string
	// Filename is the name it was uploaded with.
	Filename string
	// Bytes is its size.
	Bytes int64
	// Purpose is what it is for.
	Purpose FilePurpose
	// FileType is its format, such as jsonl.
	FileType string
	// CreatedAt is when it was stored (zero if the service did not say).
	CreatedAt time.Time
	// Processed reports whether the service has checked the file (for fine-tuning).
	Processed bool
	// Raw is the metadata as the service sent it, unknown fields included.
	Raw json.RawMessage
}

func newFile(g *generated.FileObject, raw json.RawMessage) *File {
	f := &File{
		ID:        g.ID,
		Filename:  g.Filename,
		Bytes:     g.Bytes,
		Purpose:   FilePurpose(g.Purpose),
		FileType:  string(g.FileType),
		Processed: g.Processed,
		Raw:       raw,
	}
	if g.CreatedAt > 0 {
		f.CreatedAt = time.Unix(g.CreatedAt, 0).UTC()
	}
	return f
}

// File returns a file's metadata (GET /files/{id}). The id is checked and path-escaped first; see
// [ErrInvalidID].
func (c *Client) File(ctx context.Context, id string) (*File, error) {
	if err := checkID("file", id); err != nil {
		return nil, err
	}
	path := "/files/" + escapedID(id)
	resp, err := c.api.GetFile(withWholeBody(ctx), id) //nolint:bodyclose // checkResponse closes it
	g, raw, err := checkResponse[generated.FileObject](c, http.MethodGet, path, resp, err)
	if err != nil {
		return nil, err
	}
	if g.ID == "" {
		return nil, c.notAResource(http.MethodGet, path, resp.StatusCode, resp.Header.Get("Content-Type"), "a file", "id")
	}
	return newFile(g, raw), nil
}

// FileContent opens a file's content for reading (GET /files/{id}/content); the caller must close
// it. The content streams: nothing is buffered beyond the connection's own. The request is
// retried like any read until the answer starts; after that, the client's timeout (see
// [WithTimeout]) bounds each read that waits for data, not the whole download, so a large file or
// a slow reader is not cut off while ctx lasts. A status outside 2xx is an [*APIError] (or a
// [*NotAPIError]).
//
// To bound the download as a whole (a server that sends a line every few seconds is never
// silent for a whole timeout), give it a ctx with a deadline, which covers the reads of the
// content too: once it passes, the next read fails with an error matching
// context.DeadlineExceeded.
//
//	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
//	defer cancel()
//	body, err := client.FileContent(ctx, id)
func (c *Client) FileContent(ctx context.Context, id string) (io.ReadCloser, error) {
	if err := checkID("file", id); err != nil {
		return nil, err
	}
	path := "/files/" + escapedID(id) + "/content"
	req, err := generated.NewGetFileContentRequest(c.api.Server, id)
	if err != nil {
		return nil, fmt.Errorf("wrappers: GET %s: %w", path, err)
	}
	req = req.WithContext(withMethod(ctx, http.MethodGet))
	req.Header.Set("Accept", "text/plain, application/jsonl, */*")
	if err := c.editRequest(ctx, req); err != nil {
		return nil, err
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, fmt.Errorf("wrappers: GET %s: %w", path, err)
	}
	start := time.Now()
	resp, err := c.doer.transfer(rreq) //nolint:bodyclose // closed below, or returned to the caller who closes it
	c.logTransfer(ctx, http.MethodGet, req, resp, err, start)
	if err != nil {
		return nil, fmt.Errorf("wrappers: GET %s: %w", path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer drainAndClose(resp.Body)
		return nil, c.answerError(http.MethodGet, path, resp)
	}
	return resp.Body, nil
}

// logTransfer logs a file transfer's answer at debug level, as the client logs its other requests.
func (c *Client) logTransfer(ctx context.Context, method string, req *http.Request, resp *http.Response, err error, start time.Time) {
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method), slog.String("path", req.URL.EscapedPath()),
		slog.Duration("duration", time.Since(start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.clean(err.Error(), 500)))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "wrappers: request", attrs...)
}

// ResultRows streams the rows of a result file (GET /files/{id}/content): one [*ResultRow] per
// line, read as the loop asks for them, with memory bounded by the longest line whatever the
// size of the file (see [ReadResultRows]). The download starts when the loop starts, and stops
// (the connection closed) when the loop stops, early or not.
//
// An error ends the sequence: it is yielded with a nil row. It is an [*APIError] (or another
// request error) when the file cannot be fetched, a [*RowError] naming the line when a line is not
// a JSON object, or a read error when the download breaks.
//
// ctx bounds the whole download, as for [Client.FileContent]: with a deadline, the sequence ends
// with an error matching context.DeadlineExceeded once it passes, however slowly the rows come.
func (c *Client) ResultRows(ctx context.Context, fileID string) iter.Seq2[*ResultRow, error] {
	return func(yield func(*ResultRow, error) bool) {
		body, err := c.FileContent(ctx, fileID)
		if err != nil {
			yield(nil, err)
			return
		}
		defer func() { _ = body.Close() }()
		for row, err := range ReadResultRows(body) {
			if err != nil {
				yield(nil, fmt.Errorf("wrappers: result file %q: %w", fileID, err))
				return
			}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// JobResultRows streams the rows of a job's result file (results.result_file_id); see
// [Client.ResultRows]. The sequence yields, and ends with, [ErrNoResults] before the job has
// ended, a [*JobFailedError] for a failed job, and [ErrNoResultFile] when the results name no
// file.
func (c *Client) JobResultRows(ctx context.Context, job *Job) iter.Seq2[*ResultRow, error] {
	id, err := job.ResultFileID()
	if err != nil {
		return func(yield func(*ResultRow, error) bool) { yield(nil, err) }
	}
	return c.ResultRows(ctx, id)
}

// ErrNoResultFile is returned for a job whose results name no result file.
var ErrNoResultFile = errors.New("wrappers: the job's results name no result file")

// ResultFileID returns the id of the job's per-row result file (results.result_file_id). It fails
// with [ErrNoResults] before the job has ended, a [*JobFailedError] for a failed job, and
// [ErrNoResultFile] when the results name no file.
func (j *Job) ResultFileID() (string, error) {
	if j == nil {
		return "", errors.New("wrappers: the job is nil")
	}
	if err := j.checkResultsFor(j.Type); err != nil {
		return "", err
	}
	if j.results.ResultFileID == nil || *j.results.ResultFileID == "" {
		return "", fmt.Errorf("%w (job %q)", ErrNoResultFile, j.ID)
	}
	return *j.results.ResultFileID, nil
}
