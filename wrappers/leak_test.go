package wrappers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTheKeyNeverLeaks(t *testing.T) {
	var texts []string
	check := func(what, s string) {
		t.Helper()
		texts = append(texts, s)
		if strings.Contains(s, testKey) || strings.Contains(s, testKey[8:24]) {
			t.Errorf("%s shows the API key: %s", what, s)
		}
	}

	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var calls int
	var mu sync.Mutex
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		switch {
		case n == 1: // a retry
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.Contains(r.URL.Path, "echo-json"): // a hostile server echoes the key
			w.Header().Set("X-Request-Id", "req-"+r.Header.Get("Authorization"))
			writeJSON(w, 401, []byte(`{"error":{"message":"Invalid API key: `+testKey+`","type":"`+testKey+`","param":"`+testKey+`","code":"`+testKey+`"}}`))
		case strings.Contains(r.URL.Path, "echo-text"):
			w.WriteHeader(403)
			_, _ = w.Write([]byte("denied for " + r.Header.Get("Authorization"))) //nolint:gosec // a hostile test server
		default:
			writeJSON(w, 200, fixture(t, "documented_job.json"))
		}
	})
	opts := []wrappers.Option{
		wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(s.URL + "/v1"), wrappers.WithLogger(logger),
		wrappers.WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond), wrappers.WithUserAgent("ua"),
		wrappers.WithMaxRetries(1), wrappers.WithTimeout(time.Minute), wrappers.WithHTTPClient(&http.Client{}),
	}
	c, err := wrappers.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retrieve(ctxT(t), "eval-1"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"echo-json", "echo-text"} {
		_, err := c.Retrieve(ctxT(t), id)
		var ae *wrappers.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("error = %v", err)
		}
		check("an API error", err.Error())
		check("an API error's fields", fmt.Sprintf("%+v", *ae))
	}
	_, err = c.Create(ctxT(t), wrappers.ClassifyRequest{})
	check("a validation error", err.Error())

	// Transport errors.
	ln, err := (&net.ListenConfig{}).Listen(ctxT(t), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	dead, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL("http://"+addr+"/v1"),
		wrappers.WithLogger(logger), wrappers.WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = dead.Status(ctxT(t), "eval-1")
	check("a connection error", fmt.Sprint(err))

	// NewClient errors, with the key given.
	for _, base := range []string{"http://example.com/v1", "ftp://x", "https://u:p@x/v1", "https://x/v1?a=1"} {
		_, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(base))
		check("a NewClient error", fmt.Sprint(err))
	}
	_, err = wrappers.NewClient(wrappers.WithAPIKey(testKey + " x"))
	check("a NewClient key error", fmt.Sprint(err))

	// The printed forms of the client and the options.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T"} {
		check("the client with "+verb, fmt.Sprintf(verb, c))
		check("the client value with "+verb, fmt.Sprintf(verb, *c))
		check("a slice of the client with "+verb, fmt.Sprintf(verb, []*wrappers.Client{c}))
		for i, o := range opts {
			check(fmt.Sprintf("option %d with %s", i, verb), fmt.Sprintf(verb, o))
		}
		check("the options with "+verb, fmt.Sprintf(verb, opts))
	}
	check("the client's String", c.String())
	check("the client's GoString", c.GoString())

	out := logs.String()
	check("the log", out)
	for _, want := range []string{`"msg":"wrappers: request"`, `"msg":"wrappers: retrying request"`, `"status":503`, `"path":"/v1/evaluation/eval-1"`} {
		mustContain(t, out, want)
	}
	if len(texts) < 40 {
		t.Errorf("only %d texts checked", len(texts))
	}
}

func TestSecretPrintsRedacted(t *testing.T) {
	sec := wrappers.Secret("sk-external-123")
	j := wrappers.Judge{Model: "m", ExternalAPIToken: sec}
	for _, s := range []string{
		fmt.Sprint(sec), fmt.Sprintf("%#v", sec), fmt.Sprintf("%q", sec), fmt.Sprintf("%x", sec),
		fmt.Sprintf("%+v", j), fmt.Sprintf("%#v", j), fmt.Sprintf("%v", &j),
	} {
		if strings.Contains(s, "sk-external") || strings.Contains(s, "736b2d") {
			t.Errorf("the secret prints: %s", s)
		}
		mustContain(t, s, "[REDACTED]")
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "token", sec)
	// Inside a struct, through slog's JSON handler and encoding/json.
	req := wrappers.CompareRequest{Judge: j}
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "request", req)
	if strings.Contains(logs.String(), "sk-external") {
		t.Errorf("slog prints the secret: %s", logs.String())
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "sk-external") || !strings.Contains(string(b), "[REDACTED]") {
		t.Errorf("json.Marshal prints the secret: %s", b)
	}
	if string(sec) != "sk-external-123" {
		t.Error("the value is lost")
	}
}
