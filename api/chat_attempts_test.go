package api_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

// TestChatJudgeAnswerLostMidBody: an attempt runs to the last byte of the answer, so a connection
// lost (or an attempt timed out) while the answer's body is read is retried like one lost before
// it, and the error says how many attempts were made.
func TestChatJudgeAnswerLostMidBody(t *testing.T) {
	ok := `{"choices": [{"message": {"role": "assistant", "content": "{\"feedback\": \"f\", \"label\": \"yes\"}"}}]}`
	cut := func(w http.ResponseWriter) { // a 200 whose body stops halfway, then the connection closes
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer func() { _ = conn.Close() }()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + ok[:20])
		_ = buf.Flush()
	}
	stall := func(w http.ResponseWriter, r *http.Request) { // a 200 whose body never ends
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, ok[:20])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	for _, tc := range []struct {
		name     string
		answer   func(attempt int64, w http.ResponseWriter, r *http.Request)
		attempts int64
		err      string // the row's error ("" for a row judged)
	}{
		{"cut once, then answered", func(n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				cut(w)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, ok)
		}, 2, ""},
		{
			"always cut", func(_ int64, w http.ResponseWriter, _ *http.Request) { cut(w) }, 3,
			": the connection was lost while the answer was read (after 3 attempts)",
		},
		{
			"always stalled", func(_ int64, w http.ResponseWriter, r *http.Request) { stall(w, r) }, 3,
			": no answer within 200ms (after 3 attempts)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attempts atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				tc.answer(attempts.Add(1), w, r)
			}))
			t.Cleanup(srv.Close)
			e := chatEnv(t, &fakeChat{srv: srv}, api.WithJudgeCallTimeout(200*time.Millisecond))
			j := e.finished(e.create(classifyReq(e.upload(`{"prompt": "p", "response": "r"}`+"\n").ID, []string{"yes", "no"}, []string{"yes"})))
			if got := attempts.Load(); got != tc.attempts {
				t.Errorf("%d attempts, want %d", got, tc.attempts)
			}
			if tc.err == "" {
				if j.Status != generated.EvaluationStatusCompleted || string(*j.Results.LabelCounts) != `"{\"yes\": 1, \"no\": 0}"` {
					t.Errorf("status %s, results %+v", j.Status, j.Results)
				}
				return
			}
			want := "1 of 1 rows failed (more than 30%); the first: judge failed: openai/gpt-oss-120b: " + srv.URL + "/v1/chat/completions" + tc.err
			wantFailed(t, j, generated.EvaluationStatusError, want)
		})
	}
}

// TestChatJudgeSaysTheAttemptsMade: an error that is not retried (a certificate the judge does not
// trust) says it was sent once, not the most it could have been.
func TestChatJudgeSaysTheAttemptsMade(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e := chatEnv(t, &fakeChat{srv: srv})
	j := e.finished(e.create(classifyReq(e.upload(`{"prompt": "p", "response": "r"}`+"\n").ID, []string{"yes", "no"}, []string{"yes"})))
	if j.Status != generated.EvaluationStatusError || !strings.HasSuffix(*j.Results.Error, "(after 1 attempt)") {
		t.Errorf("status %s, error %q; want one attempt said", j.Status, *j.Results.Error)
	}
}
