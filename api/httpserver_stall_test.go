package api

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestStalledReaderIsCut: a client that asks for a large file and never reads the answer does not
// hold its request slot (and its handler) forever; the answer is cut once it stops moving for a
// window, as a trickling request body is.
func TestStalledReaderIsCut(t *testing.T) {
	bodyWindow = 300 * time.Millisecond
	t.Cleanup(func() { bodyWindow = BodyWindow })
	s := New(WithPhaseDurations(0, 0, 0))
	returned := make(chan string, 4)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Handler().ServeHTTP(w, r)
		returned <- r.URL.Path
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, 1)
	go func() { _ = hs.Serve(GuardListener(ln, 0)) }()
	t.Cleanup(func() {
		_ = hs.Close()
		_ = s.Close()
	})
	base := "http://" + ln.Addr().String() + "/v1"

	// A file far larger than the socket buffers between the server and a client that stalls.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("purpose", "eval")
	_ = mw.WriteField("file_name", "big.jsonl")
	fw, _ := mw.CreateFormFile("file", "big.jsonl")
	line := `{"q":"` + strings.Repeat("x", 1000) + `"}` + "\n"
	for range 48 << 10 { // about 48 MiB
		_, _ = io.WriteString(fw, line)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/files/upload", &body)
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	<-returned
	id := between(string(b), `"id":"`, `"`)

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
	if _, err := fmt.Fprintf(c, "GET /v1/files/%s/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n", id); err != nil {
		t.Fatal(err)
	}
	// The client reads nothing. The handler must give up on it by itself.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound on the test, not a timing checked
	defer cancel()
	select {
	case <-returned:
	case <-ctx.Done():
		t.Fatal("the handler of a stalled reader never returned: it holds a request slot for good")
	}
}

func between(s, from, to string) string {
	_, s, _ = strings.Cut(s, from)
	s, _, _ = strings.Cut(s, to)
	return s
}

// TestAnswerPaceEndsWithTheAnswer: the write deadline that paces an answer does not outlive it: on a
// keep-alive connection idle for longer than a window, the server's own answer to the next request
// (431 for headers too large) still goes out.
func TestAnswerPaceEndsWithTheAnswer(t *testing.T) {
	bodyWindow = 100 * time.Millisecond
	t.Cleanup(func() { bodyWindow = BodyWindow })
	addr, _ := guarded(t, 0)
	c := dial(t, addr)
	br := bufio.NewReader(c)
	if _, err := io.WriteString(c, "GET /v1/evaluation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first: %v %v", err, resp)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	time.Sleep(3 * bodyWindow) // idle past a window: not a timing checked
	big := strings.Repeat("a", 4*MaxHeaderBytes)
	if _, err := io.WriteString(c, "GET /v1/evaluation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nX-Big: "+big+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to headers too large on a connection idle past a window: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("%d", resp.StatusCode)
	}
}

// TestLargeAnswerWrittenAtOnceNeedsOnlyThePace: an answer the handler writes in one call (every
// JSON answer is written whole from its buffer) reaches a client that reads far faster than the
// pace, however long the whole answer takes: the deadline moves with every BodyWindowBytes sent,
// not once per write (a 4.6 MB job list was cut for clients slower than about 150 KB/s).
func TestLargeAnswerWrittenAtOnceNeedsOnlyThePace(t *testing.T) {
	bodyWindow = 500 * time.Millisecond
	t.Cleanup(func() { bodyWindow = BodyWindow })
	answer := bytes.Repeat([]byte("0123456789abcdef"), 8<<20/16) // 8 MiB, far more than the socket buffers
	hs := NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(answer)))
		_, _ = w.Write(answer)
	}), 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(GuardListener(ln, 0)) }()
	t.Cleanup(func() { _ = hs.Close() })
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// 64 KiB every 10 ms: some 200 times the pace of 16 KiB per 500 ms, and some 1.3 s in all.
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, err := io.ReadFull(resp.Body, buf)
		total += n
		if err != nil {
			if err != io.EOF && err != io.ErrUnexpectedEOF || total != len(answer) {
				t.Fatalf("read %d of %d bytes, then %v", total, len(answer), err)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}
