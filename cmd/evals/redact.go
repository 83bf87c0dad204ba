package main

import (
	"bytes"
	"io"
	"sync"
)

// minRedactedKey is the shortest key the output is searched for: shorter ones are not real keys,
// and replacing them would mangle ordinary text.
const minRedactedKey = 8

// redactingWriter replaces the API key with [REDACTED] in everything written through it. It
// works on each Write call; the CLI writes whole lines and blocks, so a key is never split.
type redactingWriter struct {
	w   io.Writer
	key []byte
}

// newRedactingWriter wraps w, or returns it as it is when there is no key worth looking for.
func newRedactingWriter(w io.Writer, key string) io.Writer {
	if len(key) < minRedactedKey || w == nil {
		return w
	}
	return &redactingWriter{w: w, key: []byte(key)}
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	if !bytes.Contains(p, r.key) {
		return r.w.Write(p)
	}
	if _, err := r.w.Write(bytes.ReplaceAll(p, r.key, []byte("[REDACTED]"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lockedWriter makes each Write whole with respect to the others: stderr is written from the
// goroutine of a command (messages, retries shown as they happen) and from a live progress
// display's own, and each message is one Write.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
