package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// uploadForm is what a test server received in an upload.
type uploadForm struct {
	fields        map[string]string
	fileName      string
	file          []byte
	contentLength int64
	chunked       bool
}

func readUploadForm(t *testing.T, r *http.Request) uploadForm {
	t.Helper()
	form := uploadForm{fields: map[string]string{}, contentLength: r.ContentLength}
	for _, te := range r.TransferEncoding {
		form.chunked = form.chunked || te == "chunked"
	}
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if p.FormName() == "file" {
			form.fileName, form.file = p.FileName(), b
		} else {
			form.fields[p.FormName()] = string(b)
		}
	}
	return form
}

func answerFile(w http.ResponseWriter, id string, form uploadForm) {
	writeJSON(w, http.StatusOK, fmt.Appendf(nil, `{"id": %q, "object": "file", "created_at": 1753290604,
		"filename": %q, "bytes": %d, "purpose": "eval", "FileType": "jsonl", "Processed": false}`,
		id, form.fields["file_name"], len(form.file)))
}

func writeInput(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dataset.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const goodInput = `{"prompt": "Is the sky blue?", "response": "Yes"}
{"prompt": "Is water dry?", "response": "No"}
`

func TestUploadFile(t *testing.T) {
	// A file with lines past bufio.Scanner's 64 KiB limit, large enough to take many reads.
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "{\"prompt\": \"q%d\", \"response\": %q}\n", i, strings.Repeat("r", 100_000))
	}
	content := b.String()
	path := writeInput(t, content)

	var got uploadForm
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/files/upload" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		got = readUploadForm(t, r)
		answerFile(w, "file-in-1", got)
	})
	c := newClient(t, s)
	var mu sync.Mutex
	var lastSent, total int64
	f, err := c.UploadFile(ctxT(t), path,
		wrappers.WithUploadRequest(wrappers.ClassifyRequest{
			Judge:  wrappers.Judge{Model: "judge", SystemTemplate: "Judge {{ prompt }}"},
			Labels: []string{"yes", "no"}, PassLabels: []string{"yes"}, ModelToEvaluate: wrappers.Column("response"),
		}),
		wrappers.WithUploadProgress(func(sent, all int64) {
			mu.Lock()
			defer mu.Unlock()
			lastSent, total = sent, all
		}))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "file-in-1" || f.Purpose != wrappers.FilePurposeEval || f.Bytes != int64(len(content)) || f.Filename != "dataset.jsonl" {
		t.Errorf("file %+v", f)
	}
	if got.fields["purpose"] != "eval" || got.fields["file_name"] != "dataset.jsonl" || got.fields["file_type"] != "jsonl" ||
		got.fileName != "dataset.jsonl" || string(got.file) != content {
		t.Errorf("form fields %v, file %q of %d bytes", got.fields, got.fileName, len(got.file))
	}
	if got.chunked || got.contentLength <= int64(len(content)) {
		t.Errorf("Content-Length %d, chunked %v; want a known length", got.contentLength, got.chunked)
	}
	mu.Lock()
	defer mu.Unlock()
	// Progress speaks of the file's bytes, as File.Bytes does, not of the multipart body's.
	if lastSent != f.Bytes || total != f.Bytes {
		t.Errorf("progress ended at %d of %d, want %d of %d (the file's bytes)", lastSent, total, f.Bytes, f.Bytes)
	}
	if s.n() != 1 {
		t.Errorf("%d requests, want 1", s.n())
	}
}

func TestUploadFileName(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		form := readUploadForm(t, r)
		if form.fields["file_name"] != "renamed.jsonl" || form.fileName != "renamed.jsonl" {
			t.Errorf("file name %q / %q", form.fields["file_name"], form.fileName)
		}
		answerFile(w, "file-in-2", form)
	})
	c := newClient(t, s)
	if _, err := c.UploadFile(ctxT(t), writeInput(t, goodInput), wrappers.WithUploadFileName("renamed.jsonl")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadFile(ctxT(t), writeInput(t, goodInput), wrappers.WithUploadFileName(" ")); err == nil {
		t.Error("an empty file name was accepted")
	}
}

// TestUploadFileRefusesBadInput tries bad files as a new user would: each is refused before any
// request, with the line and field.
func TestUploadFileRefusesBadInput(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a request was sent for a file that fails the check")
		w.WriteHeader(http.StatusInternalServerError)
	})
	c := newClient(t, s)
	compare := wrappers.CompareRequest{
		Judge:  wrappers.Judge{Model: "judge", SystemTemplate: "Which answers {{prompt}} better?"},
		ModelA: wrappers.Column("response_a"), ModelB: wrappers.Column("response_b"),
	}
	tests := []struct {
		name    string
		content string
		opts    []wrappers.UploadOption
		want    string
	}{
		{"not JSON", "prompt,response\nhi,there\n", nil, `dataset.jsonl:1: invalid JSON at column 1: expected "{" (each line is one JSON object), found "p"`},
		{"array line", goodInput + "[1, 2]\n", nil, `dataset.jsonl:3: a JSON array, not an object: each line must be one JSON object`},
		{"missing field", goodInput + `{"prompt": "x"}` + "\n", nil, `dataset.jsonl:3: field "response": missing (line 1 has it)`},
		{
			"unused column", `{"prompt": "p", "response_a": "a", "response_b": "b", "id": 1}` + "\n",
			[]wrappers.UploadOption{wrappers.WithUploadRequest(compare)},
			`dataset.jsonl:1: field "id": not used by any template or model column`,
		},
		{
			"column missing", `{"prompt": "p", "response_a": "a"}` + "\n",
			[]wrappers.UploadOption{wrappers.WithUploadRequest(compare)},
			`dataset.jsonl:1: field "response_b": named by parameters.model_b, but line 1 has no such field`,
		},
		{"empty", "", nil, `dataset.jsonl: the file is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.UploadFile(ctxT(t), writeInput(t, tt.content), tt.opts...)
			var ie *wrappers.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v, want an *InputError", err)
			}
			mustContain(t, err.Error(), tt.want)
		})
	}
	if _, err := c.UploadFile(ctxT(t), filepath.Join(t.TempDir(), "missing.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := c.UploadFile(ctxT(t), t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	if s.n() != 0 {
		t.Errorf("%d requests sent", s.n())
	}
}

func TestUploadFileRetries(t *testing.T) {
	t.Run("429 is retried with the file sent again", func(t *testing.T) {
		var calls atomic.Int32
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			form := readUploadForm(t, r)
			if string(form.file) != goodInput {
				t.Errorf("attempt %d sent %q", calls.Load()+1, form.file)
			}
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				writeJSON(w, http.StatusTooManyRequests, fixture(t, "responses/error_429.json"))
				return
			}
			answerFile(w, "file-in-3", form)
		})
		c := newClient(t, s)
		f, err := c.UploadFile(ctxT(t), writeInput(t, goodInput))
		if err != nil || f.ID != "file-in-3" || s.n() != 2 {
			t.Errorf("file %+v, error %v, %d requests; want success after 2", f, err, s.n())
		}
	})
	t.Run("500 is not retried", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusInternalServerError, []byte(`{"error": {"message": "boom", "type": "server_error"}}`))
		})
		c := newClient(t, s)
		_, err := c.UploadFile(ctxT(t), writeInput(t, goodInput))
		var apiErr *wrappers.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || s.n() != 1 {
			t.Errorf("error %v, %d requests; want one 500", err, s.n())
		}
	})
	t.Run("a file changed before the retry is not sent", func(t *testing.T) {
		path := writeInput(t, goodInput)
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
			// The file changes while the first attempt is answered.
			if err := os.WriteFile(path, []byte(goodInput+goodInput), 0o600); err != nil {
				t.Error(err)
			}
			w.Header().Set("Retry-After", "0")
			writeJSON(w, http.StatusTooManyRequests, fixture(t, "responses/error_429.json"))
		})
		c := newClient(t, s)
		_, err := c.UploadFile(ctxT(t), path)
		if err == nil || s.n() != 1 {
			t.Fatalf("error %v, %d requests; want an error after 1", err, s.n())
		}
		mustContain(t, err.Error(), "changed since it was checked")
	})
}

// TestUploadFileAnswerTimeout: the client's timeout bounds the wait for the answer once the file
// is sent; the upload is not retried (the service may have stored it).
func TestUploadFileAnswerTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newServer(t, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newClient(t, s, wrappers.WithTimeout(100*time.Millisecond))
	_, err := c.UploadFile(ctxT(t), writeInput(t, goodInput))
	if err == nil || s.n() != 1 {
		t.Fatalf("error %v, %d requests; want a timeout after 1", err, s.n())
	}
	mustContain(t, err.Error(), "the server sent nothing within 100ms of the request")
	// A timeout as net/http's own are, said without Go's context words.
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() || !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("error %q: want a *url.Error that is a timeout, matches context.DeadlineExceeded and does not say it", err)
	}
}
