package wrappers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/evalkit/together-evals/generated"
)

// UploadOption configures [Client.UploadFile] and [Client.Upload].
type UploadOption func(*uploadConfig) error

type uploadConfig struct {
	name     string
	maxBytes int64 // what Upload reads at most
	check    InputCheckOptions
	progress func(sent, total int64)
}

// WithUploadFileName sets the name the file is stored under (file_name); the default is the
// path's last element.
func WithUploadFileName(name string) UploadOption {
	return func(c *uploadConfig) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("WithUploadFileName: the name is empty")
		}
		c.name = name
		return nil
	}
}

// WithUploadCheck adds to the options of the pre-flight check run before the upload: templates,
// columns and allowed fields are added to those already given (by [WithUploadRequest] too), limits
// replace them when not zero (see [InputCheckOptions]). Without it and without
// [WithUploadRequest] the check covers structure only.
func WithUploadCheck(opts InputCheckOptions) UploadOption {
	return func(c *uploadConfig) error {
		c.check.Templates = append(c.check.Templates, opts.Templates...)
		c.check.Columns = append(c.check.Columns, opts.Columns...)
		c.check.AllowUnused = append(c.check.AllowUnused, opts.AllowUnused...)
		if opts.MaxProblems != 0 {
			c.check.MaxProblems = opts.MaxProblems
		}
		if opts.MaxLineBytes != 0 {
			c.check.MaxLineBytes = opts.MaxLineBytes
		}
		return nil
	}
}

// WithUploadRequest adds the usage rules of the job the file is for: its templates and model
// columns, from a create request (see [InputCheckOptionsFor]). The request's InputFileID does not
// matter.
func WithUploadRequest(req CreateRequest) UploadOption {
	return func(c *uploadConfig) error {
		opts, err := InputCheckOptionsFor(req)
		if err != nil {
			return err
		}
		c.check.Templates = append(c.check.Templates, opts.Templates...)
		c.check.Columns = append(c.check.Columns, opts.Columns...)
		return nil
	}
}

// WithUploadProgress calls fn as the file's bytes are sent, with the bytes of the file sent so
// far and the file's size: the same bytes as the uploaded [File]'s Bytes, the multipart framing
// around them left out. fn runs on the transport's goroutine and must be quick; on a retry, sent
// starts again from 0.
func WithUploadProgress(fn func(sent, total int64)) UploadOption {
	return func(c *uploadConfig) error {
		c.progress = fn
		return nil
	}
}

// errNotRegular refuses a directory, device or pipe as an upload: its size is not known up front
// and it cannot be read twice (check, then send).
var errNotRegular = errors.New("not a regular file")

// UploadFile checks the evaluation input file at path and uploads it with purpose eval
// (POST /files/upload), returning the stored file's metadata; its ID is what a create request
// takes as InputFileID.
//
// The check ([CheckInputFile]) runs first, in one streaming pass, and nothing is sent when the
// file breaks a rule: the error then holds an [*InputError] naming each problem's line and field.
// The upload then streams the file from disk as multipart/form-data with a known Content-Length;
// it is never read into memory.
//
// Like a create, an upload is retried only where the service certainly did not act on it (429,
// or a connection that was never made), never after a 5xx or a broken connection, so a file is
// not stored twice. A retry reopens the file and fails if it changed since it was checked. The
// client's timeout (see [WithTimeout]) bounds the wait for the answer once the file is sent, not
// the upload itself, which lasts as long as ctx allows.
func (c *Client) UploadFile(ctx context.Context, path string, opts ...UploadOption) (*File, error) {
	cfg := uploadConfig{name: filepath.Base(path)}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("wrappers: upload %s: %w", path, err)
		}
	}
	before, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("wrappers: upload: %w", err)
	}
	if !before.Mode().IsRegular() {
		return nil, fmt.Errorf("wrappers: upload: %w", &fs.PathError{Op: "read", Path: path, Err: errNotRegular})
	}
	if _, err := CheckInputFile(ctx, path, cfg.check); err != nil {
		return nil, fmt.Errorf("wrappers: upload: %w", err)
	}

	size := before.Size()
	return c.sendUpload(ctx, cfg, size, func() (io.Reader, io.Closer, error) {
		f, err := os.Open(path) //nolint:gosec // the caller names the file to upload
		if err != nil {
			return nil, nil, fmt.Errorf("reopen %s: %w", path, err)
		}
		st, err := f.Stat()
		if err != nil || st.Size() != before.Size() || !st.ModTime().Equal(before.ModTime()) {
			_ = f.Close()
			return nil, nil, fmt.Errorf("%s changed since it was checked; check and upload it again", path)
		}
		return io.LimitReader(f, size), f, nil
	})
}

// sendUpload uploads size bytes as an eval file named cfg.name (POST /files/upload): content
// gives each attempt the bytes to send, and what to close after it.
func (c *Client) sendUpload(ctx context.Context, cfg uploadConfig, size int64, content func() (io.Reader, io.Closer, error)) (*File, error) {
	prefix, suffix, contentType, err := multipartFrame(cfg.name)
	if err != nil {
		return nil, fmt.Errorf("wrappers: upload %s: %w", cfg.name, err)
	}
	total := int64(len(prefix)) + size + int64(len(suffix))
	open := func() (io.Reader, error) {
		r, closer, err := content()
		if err != nil {
			return nil, err
		}
		return &uploadBody{
			r:        io.MultiReader(bytes.NewReader(prefix), r, bytes.NewReader(suffix)),
			closer:   closer,
			total:    total,
			head:     int64(len(prefix)),
			size:     size,
			progress: cfg.progress,
		}, nil
	}

	const apiPath = "/files/upload"
	req, err := generated.NewUploadFileRequestWithBody(c.api.Server, contentType, http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("wrappers: POST %s: %w", apiPath, err)
	}
	req = req.WithContext(withMethod(ctx, http.MethodPost))
	if err := c.editRequest(ctx, req); err != nil {
		return nil, err
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, fmt.Errorf("wrappers: POST %s: %w", apiPath, err)
	}
	// A ReaderFunc gives each attempt a fresh body: retryablehttp never buffers it.
	if err := rreq.SetBody(retryablehttp.ReaderFunc(open)); err != nil {
		return nil, fmt.Errorf("wrappers: upload %s: %w", cfg.name, err)
	}
	rreq.ContentLength = total
	start := time.Now()
	resp, err := c.doer.transfer(rreq) //nolint:bodyclose // checkResponse closes it
	c.logTransfer(ctx, http.MethodPost, req, resp, err, start)
	g, raw, err := checkResponse[generated.FileObject](c, http.MethodPost, apiPath, resp, err)
	if err != nil {
		return nil, err
	}
	if g.ID == "" {
		return nil, fmt.Errorf("wrappers: POST %s: the answer has no id", apiPath)
	}
	return newFile(g, raw), nil
}

// multipartFrame returns the multipart/form-data body of an eval upload around the file's bytes:
// everything before them (the purpose, file_name and file_type fields and the file part's
// header), everything after them (the closing boundary), and the Content-Type with the boundary.
func multipartFrame(name string) (prefix, suffix []byte, contentType string, err error) {
	var head, tail bytes.Buffer
	w := &switchWriter{w: &head}
	mw := multipart.NewWriter(w)
	for _, f := range [][2]string{{"purpose", string(FilePurposeEval)}, {"file_name", name}, {"file_type", "jsonl"}} {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, nil, "", err
		}
	}
	if _, err := mw.CreateFormFile("file", name); err != nil {
		return nil, nil, "", err
	}
	w.w = &tail
	if err := mw.Close(); err != nil {
		return nil, nil, "", err
	}
	return head.Bytes(), tail.Bytes(), mw.FormDataContentType(), nil
}

// switchWriter writes to w, which can be changed between writes.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// uploadBody is one attempt's request body: the multipart frame around the content, read (from
// disk, for a file) as the transport sends it.
type uploadBody struct {
	r        io.Reader
	closer   io.Closer // nil when there is nothing to close
	total    int64
	sent     int64
	head     int64 // the bytes of the frame before the file's
	size     int64 // the file's bytes
	progress func(sent, total int64)
}

func (b *uploadBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.sent += int64(n)
		if b.progress != nil {
			b.progress(min(max(b.sent-b.head, 0), b.size), b.size)
		}
	}
	return n, err
}

// Len is what is left to send; retryablehttp reads it for the Content-Length.
func (b *uploadBody) Len() int { return int(b.total - b.sent) }

func (b *uploadBody) Close() error {
	if b.closer == nil {
		return nil
	}
	return b.closer.Close()
}
