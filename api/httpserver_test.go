package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// guarded serves a Server's API on loopback the way evals serve does.
func guarded(t *testing.T, maxConns int) (addr string, s *Server) {
	t.Helper()
	s = New(WithPhaseDurations(0, 0, 0))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(s.Handler(), 0)
	go func() { _ = hs.Serve(GuardListener(ln, maxConns)) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		_ = s.Close()
	})
	return ln.Addr().String(), s
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(time.Minute)) // a bound on the test, not a timing checked
	return c
}

// TestLengthWithTransferEncodingIsRefused: a request with both headers gets 400 and the connection
// is closed, so the bytes after its chunked body never run as a second request.
func TestLengthWithTransferEncodingIsRefused(t *testing.T) {
	addr, s := guarded(t, 0)
	c := dial(t, addr)
	smuggled := "GET /v1/evaluation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n"
	req := "POST /v1/evaluation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\n" +
		"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "both Content-Length and Transfer-Encoding") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if _, err := http.ReadResponse(br, nil); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("the connection stayed open for the smuggled request: %v", err)
	}
	if n := s.Requests(OpListEvaluations) + s.Requests(OpCreateEvaluation); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}

	// A chunked request alone is served.
	c = dial(t, addr)
	if _, err := io.WriteString(c, "GET /v1/evaluation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err = http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a chunked request: %v %v", err, resp)
	}
	_ = resp.Body.Close()
}

// TestTricklingBodyIsCut: a body that arrives slower than the window allows is cut off with a 400
// that says so, rather than held forever.
func TestTricklingBodyIsCut(t *testing.T) {
	bodyWindow = 300 * time.Millisecond
	t.Cleanup(func() { bodyWindow = BodyWindow })
	addr, _ := guarded(t, 0)
	c := dial(t, addr)
	head := "POST /v1/files/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n" +
		"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n" +
		"Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			answered <- nil
			return
		}
		answered <- resp
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case resp := <-answered:
			if resp == nil {
				return // cut without an answer: also held no longer
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "too slowly") {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
			return
		case <-tick.C:
			if i > 1200 { // a bound on the test (a minute), not a timing checked
				t.Fatal("a trickling body was never cut")
			}
			_, _ = c.Write([]byte("x"))
		}
	}
}

// TestConnectionsAreCapped: past the cap, a connection waits to be accepted until another closes.
func TestConnectionsAreCapped(t *testing.T) {
	addr, _ := guarded(t, 1)
	get := func(c net.Conn) (*http.Response, error) {
		if _, err := fmt.Fprintf(c, "GET /v1/evaluation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n"); err != nil {
			return nil, err
		}
		return http.ReadResponse(bufio.NewReader(c), nil)
	}
	first := dial(t, addr)
	if resp, err := get(first); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first: %v %v", err, resp)
	}
	second := dial(t, addr)
	_ = second.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := get(second); err == nil {
		t.Fatal("a second connection was served while the first held the only slot")
	}
	_ = first.Close()
	third := dial(t, addr) // the second was given up above; a new one gets the freed slot
	_ = second.Close()
	if resp, err := get(third); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after the first closed: %v %v", err, resp)
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	hs := NewHTTPServer(http.NotFoundHandler(), 0)
	if hs.ReadHeaderTimeout != 10*time.Second || hs.IdleTimeout != 60*time.Second || hs.MaxHeaderBytes != 16<<10 {
		t.Errorf("header %v idle %v max header bytes %d", hs.ReadHeaderTimeout, hs.IdleTimeout, hs.MaxHeaderBytes)
	}
}

// TestBusyServerSaysSo: a request that finds every slot taken for a whole window is answered 503
// with Retry-After, instead of waiting without end.
func TestBusyServerSaysSo(t *testing.T) {
	bodyWindow = 200 * time.Millisecond
	t.Cleanup(func() { bodyWindow = BodyWindow })
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	hs := NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}), 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(GuardListener(ln, 0)) }()
	defer func() { close(release); _ = hs.Close() }()
	url := "http://" + ln.Addr().String() + "/"
	go func() {
		if resp, err := http.Get(url); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-entered
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "the server is busy") {
		t.Errorf("%d %v %s", resp.StatusCode, resp.Header, b)
	}
}
