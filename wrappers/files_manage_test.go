package wrappers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

func fileIDs(files []*wrappers.File) string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.ID
	}
	return strings.Join(out, " ")
}

func TestAgainstAPIFilesAndDeleteFile(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	files, err := env.client.Files(ctx)
	if err != nil || len(files) != 0 {
		t.Fatalf("Files on a new server = %v, %v", files, err)
	}
	a := env.upload(t, "a.jsonl", classifyRows)
	b := env.upload(t, "b.jsonl", "{\"x\": 1}\n")

	files, err = env.client.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fileIDs(files), b+" "+a; got != want {
		t.Fatalf("Files = %q, want %q (newest first)", got, want)
	}
	one, err := env.client.File(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	listed := files[1]
	if listed.Filename != "a.jsonl" || listed.Bytes != int64(len(classifyRows)) || listed.Purpose != wrappers.FilePurposeEval ||
		listed.FileType != "jsonl" || !listed.CreatedAt.Equal(one.CreatedAt) || listed.CreatedAt.IsZero() {
		t.Errorf("listed %+v, File says %+v", listed, one)
	}
	var raw map[string]any
	if err := json.Unmarshal(listed.Raw, &raw); err != nil || raw["id"] != a {
		t.Errorf("listed Raw = %s (%v)", listed.Raw, err)
	}

	if err := env.client.DeleteFile(ctx, b); err != nil {
		t.Fatal(err)
	}
	if files, err := env.client.Files(ctx); err != nil || fileIDs(files) != a {
		t.Errorf("after the delete, Files = %q, %v; want %q", fileIDs(files), err, a)
	}
	if _, err := env.client.File(ctx, b); !errors.Is(err, wrappers.ErrNotFound) {
		t.Errorf("File of a deleted file: %v, want ErrNotFound", err)
	}
	err = env.client.DeleteFile(ctx, b)
	var apiErr *wrappers.APIError
	if !errors.Is(err, wrappers.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("deleting it again: %v, want a 404 APIError matching ErrNotFound", err)
	}

	before := env.srv.Requests(api.OpDeleteFile)
	for _, id := range []string{"", "..", "a\x00b", strings.Repeat("x", 300)} {
		if err := env.client.DeleteFile(ctx, id); !errors.Is(err, wrappers.ErrInvalidID) {
			t.Errorf("DeleteFile(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	if n := env.srv.Requests(api.OpDeleteFile); n != before {
		t.Errorf("invalid ids sent %d requests", n-before)
	}
}

// TestAgainstAPIDeleteFileIsSentOnce: a delete is retried only where the service did not act on
// it, like a create.
func TestAgainstAPIDeleteFileIsSentOnce(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	id := env.upload(t, "a.jsonl", classifyRows)
	for _, fault := range []api.Fault{{Status: 500}, {Status: 503}, {Drop: true}} {
		env.srv.Faults().Inject(api.OpDeleteFile, 1, fault)
		before := env.srv.Requests(api.OpDeleteFile)
		if err := env.client.DeleteFile(ctx, id); err == nil {
			t.Errorf("fault %+v: DeleteFile succeeded", fault)
		}
		if n := env.srv.Requests(api.OpDeleteFile) - before; n != 1 {
			t.Errorf("fault %+v: DeleteFile sent %d requests, want 1", fault, n)
		}
	}
	env.srv.Faults().Inject(api.OpDeleteFile, 1, api.Fault{Status: 429, RetryAfter: "0"})
	before := env.srv.Requests(api.OpDeleteFile)
	if err := env.client.DeleteFile(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := env.srv.Requests(api.OpDeleteFile) - before; n != 2 {
		t.Errorf("after a 429 DeleteFile sent %d requests, want 2", n)
	}
}

func TestFilesAndDeleteFileOddAnswers(t *testing.T) {
	const file = `{"id": "file-1", "object": "file", "created_at": 1753290604, "filename": "a.jsonl", "bytes": 9, "purpose": "eval", "FileType": "jsonl", "Processed": false}`
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, []byte(`{"data": [`+file+`, {"object": "file", "filename": "b"}]}`))
		case http.MethodDelete:
			writeJSON(w, http.StatusOK, []byte(`{"id": "file-1", "deleted": false}`))
		}
	})
	c := newClient(t, s)
	_, err := c.Files(ctxT(t))
	if err == nil || !strings.Contains(err.Error(), "GET /files: file 2 of 2 has no id") {
		t.Errorf("a listed file without an id: %v", err)
	}
	err = c.DeleteFile(ctxT(t), "file-1")
	if !errors.Is(err, wrappers.ErrNotDeleted) || !strings.Contains(err.Error(), `"file-1"`) {
		t.Errorf("deleted: false gave %v, want ErrNotDeleted naming the file", err)
	}

	// A 200 that does not say "deleted" is taken at its word.
	s2 := newServerNoChecks(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, []byte(`{"id": "file-1", "object": "file"}`))
	})
	c2, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(s2.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.DeleteFile(ctxT(t), "file-1"); err != nil {
		t.Errorf("a 200 without deleted: %v", err)
	}
}

func TestAgainstAPIUpload(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	var lastSent, lastTotal int64
	f, err := env.client.Upload(ctx, "built.jsonl", strings.NewReader(classifyRows),
		wrappers.WithUploadRequest(classifyRequest("")), allowJudgeHook,
		wrappers.WithUploadProgress(func(sent, total int64) { lastSent, lastTotal = sent, total }))
	if err != nil {
		t.Fatal(err)
	}
	if f.Filename != "built.jsonl" || f.Bytes != int64(len(classifyRows)) || f.Purpose != wrappers.FilePurposeEval {
		t.Errorf("uploaded %+v", f)
	}
	// Progress speaks of the data's bytes, as File.Bytes does, not of the multipart body's.
	if lastSent != f.Bytes || lastTotal != f.Bytes {
		t.Errorf("progress ended at %d of %d, want %d of %d", lastSent, lastTotal, f.Bytes, f.Bytes)
	}
	body, err := env.client.FileContent(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(body)
	_ = body.Close()
	if err != nil || string(got) != classifyRows {
		t.Errorf("stored content %q, %v", got, err)
	}

	// A 429 is retried from the data held in memory; one file is stored.
	env.srv.Faults().Inject(api.OpUploadFile, 1, api.Fault{Status: 429, RetryAfter: "0"})
	before := env.srv.Requests(api.OpUploadFile)
	f2, err := env.client.Upload(ctx, "again.jsonl", strings.NewReader("{\"q\": 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := env.srv.Requests(api.OpUploadFile) - before; n != 2 {
		t.Errorf("Upload after a 429 sent %d requests, want 2", n)
	}
	if files, err := env.client.Files(ctx); err != nil || fileIDs(files) != f2.ID+" "+f.ID {
		t.Errorf("Files = %q, %v; want the two uploads", fileIDs(files), err)
	}
}

func TestAgainstAPIUploadRefusesWithoutSending(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	readErr := errors.New("the pipe broke")
	for _, tc := range []struct {
		name, file string
		r          io.Reader
		opts       []wrappers.UploadOption
		want       string
		is         error
	}{
		{"bad row", "rows.jsonl", strings.NewReader("{\"prompt\": \"a\", \"response\": \"b\"}\n[1]\n"), nil, "rows.jsonl:2", nil},
		{
			"unused column", "rows.jsonl", strings.NewReader("{\"prompt\": \"a\", \"response\": \"b\", \"extra\": 1}\n"),
			[]wrappers.UploadOption{wrappers.WithUploadRequest(classifyRequest(""))},
			"extra", nil,
		},
		{
			"too large", "big.jsonl", strings.NewReader(rowsOf(100)),
			[]wrappers.UploadOption{wrappers.WithUploadMaxBytes(64)},
			"big.jsonl holds more than 64 bytes; write it to a file and use UploadFile", wrappers.ErrUploadTooLarge,
		},
		{"read error", "r.jsonl", iotest.ErrReader(readErr), nil, "the pipe broke", readErr},
		{"no name", " ", strings.NewReader("{}\n"), nil, "the file name is empty", nil},
		{"nil reader", "n.jsonl", nil, nil, "n.jsonl: the reader is nil", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.client.Upload(ctx, tc.file, tc.r, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Upload = %v, want an error saying %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v does not match %v", err, tc.is)
			}
		})
	}
	var inputErr *wrappers.InputError
	if _, err := env.client.Upload(ctx, "x.jsonl", strings.NewReader("nope\n")); !errors.As(err, &inputErr) || inputErr.Problems[0].Line != 1 {
		t.Errorf("a bad line: %v, want an *InputError naming line 1", err)
	}
	if n := env.srv.Requests(api.OpUploadFile); n != 0 {
		t.Errorf("refused uploads sent %d requests", n)
	}
}

// rowsOf returns n small JSONL rows.
func rowsOf(n int) string {
	var b strings.Builder
	for range n {
		b.WriteString("{\"q\": 1}\n")
	}
	return b.String()
}

// TestResultRowsBoundedByContext: a server that drips one row at a time is never silent for a
// whole client timeout; a deadline on ctx bounds the download as a whole.
func TestResultRowsBoundedByContext(t *testing.T) {
	const total = 10000
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		fl := w.(http.Flusher)
		for i := range total {
			if _, err := fmt.Fprintf(w, "{\"i\": %d, \"success\": true}\n", i); err != nil {
				return
			}
			fl.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	c := newClient(t, s, wrappers.WithTimeout(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	rows := 0
	var last error
	for row, err := range c.ResultRows(ctx, "file-1") {
		if err != nil {
			last = err
			break
		}
		if row == nil {
			t.Fatal("a nil row without an error")
		}
		rows++
	}
	if !errors.Is(last, context.DeadlineExceeded) {
		t.Fatalf("after %d rows the sequence ended with %v, want context.DeadlineExceeded", rows, last)
	}
	if rows == 0 || rows == total {
		t.Errorf("read %d rows of %d before the deadline", rows, total)
	}
}
