package api_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// TestChatJudgeKeyEchoedOutsideTheBody: an endpoint that echoes the key where the engine words
// an error from (the status line of an error or a redirect, the Content-Type of an answer that is
// not JSON), or a judge whose JSON verdict writes the key with escapes, never puts the key in the
// job or its result file: it is replaced by [REDACTED].
func TestChatJudgeKeyEchoedOutsideTheBody(t *testing.T) {
	escaped := strings.Replace(judgeKey, "4", `\\u0034`, 1) // the key, JSON-escaped inside the answer's JSON
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string // in the job or its result file
	}{
		{"status line of an error", rawStatus("401 Invalid key " + judgeKey), "answered 401 Invalid key [REDACTED]"},
		{"status line of a redirect", rawStatus("307 Go to " + judgeKey + "\r\nLocation: /elsewhere"), "answered 307 Go to [REDACTED]: redirects are not followed"},
		{"content type", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/plain; key="+judgeKey)
			_, _ = io.WriteString(w, "hello")
		}, `answered \"text/plain; key=[REDACTED]\", not a chat completion`},
		{"escaped in the verdict's feedback", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"choices": [{"message": {"role": "assistant", "content": "{\"feedback\": \"the key is `+escaped+`\", \"label\": \"yes\"}"}}]}`)
		}, `"feedback": "the key is [REDACTED]"`},
		{"escaped in an invalid verdict's feedback", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"choices": [{"message": {"role": "assistant", "content": "{\"feedback\": \"the key is `+escaped+`\", \"label\": \"maybe\"}"}}]}`)
		}, `"feedback": "the key is [REDACTED]"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			e := chatEnv(t, &fakeChat{srv: srv})
			j := e.finished(e.create(classifyReq(e.upload(`{"prompt": "p", "response": "r"}`+"\n").ID, []string{"yes", "no"}, []string{"yes"})))
			_, _, body := e.request(http.MethodGet, "/evaluation/"+j.WorkflowID, nil, "")
			all := string(body)
			if j.Status == generated.EvaluationStatusCompleted {
				all += e.content(*j.Results.ResultFileID)
			}
			if strings.Contains(all, judgeKey) {
				t.Errorf("the job or its result file holds the key:\n%s", all)
			}
			if !strings.Contains(all, tc.want) {
				t.Errorf("the job or its result file lacks %s:\n%s", tc.want, all)
			}
		})
	}
}

// rawStatus answers with a status line of its own words (net/http writes only the standard
// reason phrase).
func rawStatus(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer func() { _ = conn.Close() }()
		_, _ = buf.WriteString("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		_ = buf.Flush()
		_ = bufio.NewReader(conn)
	}
}
