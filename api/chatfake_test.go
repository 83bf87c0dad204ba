package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeChat is an OpenAI-compatible chat-completions server on loopback. It answers by a rule on
// each request (what the model "says"), and can be told to misbehave: an HTTP status with a body
// and Retry-After, a body that is not JSON, a slow answer, or a cut connection.
type fakeChat struct {
	t    *testing.T
	srv  *httptest.Server
	rule func(r chatCall) reply

	mu    sync.Mutex
	calls []chatCall
	seen  map[string]int // attempts per prompt (model + messages), to misbehave only at first
}

// chatCall is one request the fake received.
type chatCall struct {
	Path        string
	Auth        string
	Model       string   `json:"model"`
	Messages    []chatMs `json:"messages"`
	MaxTokens   *int     `json:"max_tokens"`
	Temperature *float64 `json:"temperature"`
	Attempt     int      // 1 for the first time this prompt was sent
}

type chatMs struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// system and user are the call's system and user messages.
func (c chatCall) system() string { return c.message("system") }
func (c chatCall) user() string   { return c.message("user") }

func (c chatCall) message(role string) string {
	for _, m := range c.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

// reply is what the fake does with a call.
type reply struct {
	content    string        // the model's text (status 200)
	usage      []int         // prompt, completion, total tokens; nil sends no usage
	status     int           // an error status instead of an answer
	body       string        // the body of an error status, or a raw 200 body ("" builds one)
	retryAfter string        // Retry-After of an error status
	delay      time.Duration // wait before answering (bounded by the client's timeout)
	cut        bool          // close the connection without an answer
}

func newFakeChat(t *testing.T, rule func(r chatCall) reply) *fakeChat {
	t.Helper()
	f := &fakeChat{t: t, rule: rule, seen: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// url is the base URL to give the judge (with /v1, as most servers write it).
func (f *fakeChat) url() string { return f.srv.URL + "/v1" }

func (f *fakeChat) serve(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var c chatCall
	if err := json.Unmarshal(b, &c); err != nil {
		http.Error(w, `{"error": {"message": "bad JSON"}}`, http.StatusBadRequest)
		return
	}
	c.Path, c.Auth = r.URL.Path, r.Header.Get("Authorization")
	key := c.Model + "\x00" + c.system() + "\x00" + c.user()
	f.mu.Lock()
	f.seen[key]++
	c.Attempt = f.seen[key]
	f.calls = append(f.calls, c)
	f.mu.Unlock()

	rep := f.rule(c)
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case rep.cut:
		hj, ok := w.(http.Hijacker)
		if !ok {
			f.t.Error("fake chat: cannot hijack")
			return
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	case rep.status != 0 && rep.status != http.StatusOK:
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
		return
	case rep.body != "":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, rep.body)
		return
	}
	answer := map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "model": c.Model, "created": 1,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": rep.content}}},
	}
	if rep.usage != nil {
		answer["usage"] = map[string]int{"prompt_tokens": rep.usage[0], "completion_tokens": rep.usage[1], "total_tokens": rep.usage[2]}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

// received returns the calls so far.
func (f *fakeChat) received() []chatCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatCall(nil), f.calls...)
}

// verdictJSON is a judge's answer with feedback and one more key.
func verdictJSON(key string, value any) string {
	v, _ := json.Marshal(value)
	return fmt.Sprintf(`{"feedback": "because %s", %q: %s}`, strings.ToLower(key), key, v)
}
