package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServeStopsWithARequestInProgress: Ctrl-C while a client is still sending an upload stops the
// server as any Ctrl-C does (exit 0, "Stopped."), the request cut off after the grace period,
// rather than failing with Go's "context deadline exceeded".
func TestServeStopsWithARequestInProgress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening := make(chan string, 1)
	var out, errb syncBuffer
	c := newCLI(t, "")
	c.setup = func(a *app) { a.listening = func(base string) { listening <- base } }
	a := c.app(&out, &errb)
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}) }()
	var base string
	select {
	case base = <-listening:
	case code := <-done:
		t.Fatalf("serve ended with %d:\n%s", code, errb.String())
	case <-time.After(10 * time.Second): // a bound on the test, not a timing checked
		t.Fatal("serve did not start listening")
	}
	conn, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	// An upload whose body has begun and not ended: the handler is reading it.
	if _, err := fmt.Fprintf(conn, "POST /v1/files/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"+
		"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n"+
		"Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n{\"a\": 1}\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the request reach its handler: not a timing checked
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(time.Minute): // a bound on the test, not a timing checked
		t.Fatal("serve did not stop")
	}
	if code != 0 || !strings.Contains(errb.String(), "Stopped; requests still in progress after 5s were cut off.") || strings.Contains(errb.String(), "context") {
		t.Errorf("serve exited %d:\n%s", code, errb.String())
	}
}
