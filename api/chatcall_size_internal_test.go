package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestChatCallAnswerTooLarge: a 200 answer past the bound is refused after reading the bound and
// one byte more, once (a large answer is not a lost connection, so it is not retried).
func TestChatCallAnswerTooLarge(t *testing.T) {
	var attempts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		attempts.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"choices": [{"message": {"content": "`+strings.Repeat("x", 4096)+`"}}]}`)
	}))
	t.Cleanup(srv.Close)
	c := newChatCaller(chatJudgeConfig{retries: 2, callTimeout: DefaultJudgeCallTimeout, maxAnswerBytes: 1024})
	_, err := c.call(context.Background(), chatRequest{ep: endpoint{base: srv.URL + "/v1"}, model: "m", user: "u"})
	want := srv.URL + "/v1/chat/completions: the answer is larger than 1024 bytes"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}
