package api

import (
	"bytes"
	"fmt"
	"net/http"
)

// validateResponses checks every answer to a spec operation against the spec before it leaves. An
// answer that breaks the spec is recorded, logged and replaced by 500 ErrorData, so a client never
// sees it and a test can fail on [Server.Violations].
//
// JSON answers are buffered and checked whole. The 200 answer of GetFileContent streams: its status
// and headers are checked before the first byte goes out, its body (a file of any size) is not.
func (s *Server) validateResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operationOf(r.Context())
		if op.id == "" {
			next.ServeHTTP(w, r)
			return
		}
		cw := &checkingWriter{s: s, r: r, under: w, header: http.Header{}, stream: op.id == OpGetFileContent}
		next.ServeHTTP(cw, r)
		cw.finish()
	})
}

// checkingWriter holds an answer until it has been checked.
type checkingWriter struct {
	s      *Server
	r      *http.Request
	under  http.ResponseWriter
	header http.Header
	stream bool // stream a 200 once its head is checked

	status    int
	buf       bytes.Buffer
	streaming bool // the head was checked and sent; writes go straight through
	rejected  bool // the head was rejected and a 500 sent; further writes are dropped
}

func (w *checkingWriter) Header() http.Header {
	if w.streaming {
		return w.under.Header()
	}
	return w.header
}

func (w *checkingWriter) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	if w.stream && status == http.StatusOK {
		if err := w.s.validator.ValidateResponse(w.r.Context(), w.r, status, w.header, nil); err != nil {
			w.reject(err)
			return
		}
		copyHeader(w.under.Header(), w.header)
		w.under.WriteHeader(status)
		w.streaming = true
	}
}

func (w *checkingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.rejected:
		return len(b), nil
	case w.streaming:
		return w.under.Write(b)
	default:
		return w.buf.Write(b)
	}
}

// Flush lets a streaming answer go out as it is written.
func (w *checkingWriter) Flush() {
	if w.streaming {
		_ = http.NewResponseController(w.under).Flush()
	}
}

// finish checks a buffered answer and sends it, or the 500 that replaces it.
func (w *checkingWriter) finish() {
	if w.streaming || w.rejected {
		return
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if err := w.s.validator.ValidateResponse(w.r.Context(), w.r, w.status, w.header, w.buf.Bytes()); err != nil {
		w.reject(err)
		return
	}
	copyHeader(w.under.Header(), w.header)
	w.under.WriteHeader(w.status)
	_, _ = w.buf.WriteTo(w.under)
}

func (w *checkingWriter) reject(err error) {
	w.rejected = true
	w.s.recordViolation(fmt.Errorf("%s %s answered %d: %w", w.r.Method, w.r.URL.Path, w.status, err))
	writeError(w.under, http.StatusInternalServerError, apiError(errTypeServer, "", "contract_violation",
		"the server's answer broke the API contract: "+firstLine(err.Error())))
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}
