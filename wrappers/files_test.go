package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

const fileObject = `{"id": "file-out-1", "object": "file", "created_at": 1753290604, "filename": "results.jsonl",
 "bytes": 123, "purpose": "eval-output", "FileType": "jsonl", "Processed": false, "extra": 1}`

func TestFileMetadata(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v1/files/file-out-1" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		writeJSON(w, http.StatusOK, []byte(fileObject))
	})
	c := newClient(t, s)
	f, err := c.File(ctxT(t), "file-out-1")
	if err != nil {
		t.Fatal(err)
	}
	want := wrappers.File{
		ID: "file-out-1", Filename: "results.jsonl", Bytes: 123, Purpose: wrappers.FilePurposeEvalOutput,
		FileType: "jsonl", CreatedAt: time.Unix(1753290604, 0).UTC(),
	}
	got := *f
	got.Raw = nil
	if fmt.Sprint(got) != fmt.Sprint(want) || !strings.Contains(string(f.Raw), `"extra": 1`) {
		t.Errorf("file %+v (raw %s), want %+v", got, f.Raw, want)
	}

	if _, err := c.File(ctxT(t), ".."); !errors.Is(err, wrappers.ErrInvalidID) {
		t.Errorf("bad id: %v", err)
	}
	if s.n() != 1 {
		t.Errorf("%d requests, want 1 (the bad id is refused before sending)", s.n())
	}
}

// resultRowsBody is a small result file, with a line longer than bufio.Scanner's limit.
var resultRowsBody = `{"prompt": "a", "success": true, "label": "yes", "final_decision": "pass"}
{"prompt": "b", "success": true, "label": "no", "final_decision": "fail", "feedback": "` + strings.Repeat("f", 100_000) + `"}
{"prompt": "c", "success": false, "error": "judge failed: 503", "label": null, "final_decision": null}
`

func serveContent(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, body)
	}
}

func TestResultRows(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/files/file-out-1/content" {
			t.Errorf("path %s", r.URL.Path)
		}
		serveContent(resultRowsBody)(w, r)
	})
	c := newClient(t, s)
	var labels []string
	for row, err := range c.ResultRows(ctxT(t), "file-out-1") {
		if err != nil {
			t.Fatal(err)
		}
		l, _ := row.Label()
		labels = append(labels, fmt.Sprintf("%d:%s:%d", row.Line(), l, len(row.Feedback())))
	}
	if got := strings.Join(labels, " "); got != "1:yes:0 2:no:100000 3::0" {
		t.Errorf("rows %s", got)
	}
}

func TestResultRowsErrors(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		s := newServer(t, serveFixture(t, http.StatusNotFound, "responses/error_404.json"))
		c := newClient(t, s)
		n := 0
		for row, err := range c.ResultRows(ctxT(t), "file-missing") {
			n++
			if row != nil || !errors.Is(err, wrappers.ErrNotFound) {
				t.Errorf("row %v, error %v; want ErrNotFound", row, err)
			}
		}
		if n != 1 || s.n() != 1 {
			t.Errorf("%d yields, %d requests; want 1 and 1 (a 404 is not retried)", n, s.n())
		}
	})
	t.Run("retried on 503", func(t *testing.T) {
		var calls atomic.Int32
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			serveContent(resultRowsBody)(w, r)
		})
		c := newClient(t, s)
		summary, err := wrappers.SummarizeRows(c.ResultRows(ctxT(t), "file-out-1"))
		if err != nil || summary.Rows != 3 || s.n() != 2 {
			t.Errorf("summary %+v, error %v, %d requests", summary, err, s.n())
		}
	})
	t.Run("bad line", func(t *testing.T) {
		s := newServer(t, serveContent("{\"a\": 1}\n{\"a\": \n"))
		c := newClient(t, s)
		var re *wrappers.RowError
		_, err := wrappers.SummarizeRows(c.ResultRows(ctxT(t), "file-out-1"))
		if !errors.As(err, &re) || re.Line != 2 {
			t.Fatalf("error %v, want a *RowError at line 2", err)
		}
		want := `wrappers: result file "file-out-1": result row at line 2: truncated JSON: the line ends before a JSON object is closed`
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
}

// TestResultRowsStopEarlyClosesTheDownload streams an endless result file and stops after a few
// rows: the server must see the connection go.
func TestResultRowsStopEarlyClosesTheDownload(t *testing.T) {
	done := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		w.Header().Set("Content-Type", "text/plain")
		line := []byte(`{"prompt": "p", "success": true, "label": "yes"}` + "\n")
		for i := 0; i < 10_000_000; i++ { // bounded: about 500 MB if never stopped
			if _, err := w.Write(line); err != nil {
				return
			}
			if i%1000 == 0 {
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
				}
			}
			if r.Context().Err() != nil {
				return
			}
		}
		t.Error("the server wrote the whole endless file: the client never closed the download")
	})
	c := newClient(t, s)
	n := 0
	for _, err := range c.ResultRows(ctxT(t), "file-endless") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			break
		}
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server is still sending 10 s after the loop stopped")
	}
}

// TestResultRowsSlowReaderIsNotCutOff reads the rows more slowly than the client's timeout: only
// a server that stops sending fails the download, not a caller that takes its time.
func TestResultRowsSlowReaderIsNotCutOff(t *testing.T) {
	// Rows larger than any buffer on the way, so that reading a row means reading the network.
	var body strings.Builder
	for i := range 4 {
		fmt.Fprintf(&body, "{\"i\": %d, \"feedback\": %q}\n", i, strings.Repeat("x", 1<<20))
	}
	s := newServer(t, serveContent(body.String()))
	// The bound must leave room for reading a 1 MiB row under the race detector on a busy
	// machine (100 ms did not, once); the caller's work between rows is longer than it.
	const bound = 400 * time.Millisecond
	c := newClient(t, s, wrappers.WithTimeout(bound))
	n := 0
	for _, err := range c.ResultRows(ctxT(t), "file-out-1") {
		if err != nil {
			t.Fatalf("row %d: %v", n+1, err)
		}
		n++
		time.Sleep(bound + bound/4) // the caller's own work, longer than the timeout
	}
	if n != 4 {
		t.Errorf("%d rows, want 4", n)
	}
}

func TestResultRowsStalledServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, `{"prompt": "a"}`+"\n")
		w.(http.Flusher).Flush()
		select { // then nothing more until the test ends
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newClient(t, s, wrappers.WithTimeout(100*time.Millisecond))
	var rows int
	var err error
	for row, e := range c.ResultRows(ctxT(t), "file-stalled") {
		if e != nil {
			err = e
			break
		}
		if row != nil {
			rows++
		}
	}
	if rows != 1 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%d rows, error %v; want 1 row then a timeout", rows, err)
	}
	mustContain(t, err.Error(), "the server sent nothing for 100ms")
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() || strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("error %q: want a timeout that does not say Go's context words", err)
	}
}

func TestFileContentNoAnswerTimesOutAndIsRetried(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	defer close(release)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // the first attempt never gets an answer
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		serveContent(resultRowsBody)(w, r)
	})
	c := newClient(t, s, wrappers.WithTimeout(100*time.Millisecond))
	body, err := c.FileContent(ctxT(t), "file-out-1")
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil || string(b) != resultRowsBody || calls.Load() != 2 {
		t.Errorf("read %d bytes, error %v, %d requests; want the file after 2 requests", len(b), err, calls.Load())
	}
}
