package wrappers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DefaultUploadMaxBytes is how much [Client.Upload] reads from its reader, unless
// [WithUploadMaxBytes] says otherwise.
const DefaultUploadMaxBytes = 64 << 20

// WithUploadMaxBytes bounds how much [Client.Upload] reads, and so holds in memory; more is an
// error and nothing is sent. n <= 0 restores [DefaultUploadMaxBytes]. [Client.UploadFile], which
// streams from disk, ignores it.
func WithUploadMaxBytes(n int64) UploadOption {
	return func(c *uploadConfig) error {
		if n <= 0 {
			n = DefaultUploadMaxBytes
		}
		c.maxBytes = n
		return nil
	}
}

// ErrUploadTooLarge is returned by [Client.Upload] for data over its limit (see
// [WithUploadMaxBytes]); nothing was sent.
var ErrUploadTooLarge = errors.New("wrappers: the data is larger than Upload holds in memory")

// Upload checks evaluation input data read from r and uploads it under name with purpose eval
// (POST /files/upload), like [Client.UploadFile] does for a file on disk: the same options, the
// same check ([CheckInput], its problems an [*InputError]; nothing is sent when the data breaks a
// rule), the same retries.
//
// What is held in memory: r is read once, to its end, and checked as it is read; the bytes are
// kept in memory meanwhile, so that they can be sent (and sent again, on a retry) with a known
// Content-Length after the check has passed. At most [DefaultUploadMaxBytes] (or
// [WithUploadMaxBytes]) are read: past that the error matches [ErrUploadTooLarge] and nothing is
// sent. For larger data, write it to a file and use [Client.UploadFile], which streams from disk.
func (c *Client) Upload(ctx context.Context, name string, r io.Reader, opts ...UploadOption) (*File, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("wrappers: upload: the file name is empty")
	}
	if r == nil {
		return nil, fmt.Errorf("wrappers: upload %s: the reader is nil", name)
	}
	cfg := uploadConfig{name: name, maxBytes: DefaultUploadMaxBytes}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("wrappers: upload %s: %w", name, err)
		}
	}
	var buf bytes.Buffer
	if l, ok := r.(interface{ Len() int }); ok {
		buf.Grow(int(min(int64(l.Len()), cfg.maxBytes)))
	}
	limited := &io.LimitedReader{R: r, N: cfg.maxBytes + 1}
	tee := io.TeeReader(limited, &buf)
	_, checkErr := CheckInput(ctx, tee, name, cfg.check)
	if checkErr == nil {
		// The check reads to the end; whatever it may have left is kept too.
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return nil, fmt.Errorf("wrappers: upload %s: read: %w", name, err)
		}
	}
	if int64(buf.Len()) > cfg.maxBytes {
		return nil, fmt.Errorf("%w: %s holds more than %d bytes; write it to a file and use UploadFile", ErrUploadTooLarge, name, cfg.maxBytes)
	}
	if checkErr != nil {
		return nil, fmt.Errorf("wrappers: upload: %w", checkErr)
	}
	data := buf.Bytes()
	return c.sendUpload(ctx, cfg, int64(len(data)), func() (io.Reader, io.Closer, error) {
		return bytes.NewReader(data), nil, nil
	})
}
