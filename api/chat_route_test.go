package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestChatCompletionsIsNotServed: openapi.yaml describes POST /chat/completions for the judge's
// client, but the API does not serve it: every method is a plain 404, not a 405 or a 200.
func TestChatCompletionsIsNotServed(t *testing.T) {
	e := newEnv(t)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		status, _, b := e.request(method, "/chat/completions", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`), "application/json")
		d := wantError(t, status, b, http.StatusNotFound, "")
		if !strings.Contains(d.Message, "Unknown request URL: "+method+" /v1/chat/completions") {
			t.Errorf("%s: message %q", method, d.Message)
		}
	}
}
