package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// failingBody returns data, then err.
type failingBody struct {
	data []byte
	err  error
}

func (f *failingBody) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func (*failingBody) Close() error { return nil }

// TestAnswerReaderTakesNoLengthOnTrust: an endpoint that announces an 8 MiB answer and sends a few
// bytes costs a few bytes, not 8 MiB per call in flight (the buffer grows as the bytes come).
func TestAnswerReaderTakesNoLengthOnTrust(t *testing.T) {
	read := answerReader(8 << 20)
	resp := &http.Response{
		StatusCode: http.StatusOK, ContentLength: 8 << 20,
		Body: &failingBody{data: []byte(`{"choices":`), err: io.ErrUnexpectedEOF},
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := read(resp)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errAnswerLost) {
		t.Errorf("error %v, want the lost connection's", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("%d bytes allocated for an answer that sent 11", grew)
	}
}

// TestAnswerReadErrorSaysWhy: a body that fails for a reason of its own (a gzip body that is not
// gzip) says that reason, not that the connection was lost.
func TestAnswerReadErrorSaysWhy(t *testing.T) {
	read := answerReader(8 << 20)
	resp := &http.Response{
		StatusCode: http.StatusOK, ContentLength: -1,
		Body: &failingBody{err: errors.New("gzip: invalid header sk-answer-key")},
	}
	err := read(resp)
	if !errors.Is(err, errAnswerUnreadable) || errors.Is(err, errAnswerLost) {
		t.Fatalf("error %v, want an unreadable answer", err)
	}
	c := &chatCaller{cfg: chatJudgeConfig{callTimeout: time.Second}}
	got := c.callError(context.Background(), "http://judge/v1/chat/completions", &attemptsError{attempts: 3, err: err}, "sk-answer-key").Error()
	want := "http://judge/v1/chat/completions: the answer could not be read: gzip: invalid header [REDACTED] (after 3 attempts)"
	if got != want || strings.Contains(got, "sk-answer-key") {
		t.Errorf("error %q, want %q", got, want)
	}
}
