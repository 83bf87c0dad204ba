package api

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault is what the server does instead of (or before) answering a request normally. Set one or
// more fields:
//
//   - Delay: wait this long (real time, not the server's [Clock]) before doing the rest, or before
//     answering normally when nothing else is set; a client that gives up first sees a timeout;
//   - Drop: close the connection without answering;
//   - Malformed: answer 200 with a Content-Type of application/json and a truncated JSON body;
//   - Cut: answer as usual, but close the connection halfway through the body, after the status
//     and the headers (with the whole body's Content-Length) have gone out;
//   - Status: answer with this status and an ErrorData body (Message, or the status text), with a
//     Retry-After header when RetryAfter is set.
//
// Drop wins over Malformed, which wins over Status, which wins over Cut. Injected answers are not checked against the
// spec: a fault is a deliberate break of the contract.
type Fault struct {
	Status     int           // answer with this HTTP status (100-599) and an ErrorData body
	RetryAfter string        // with Status: the Retry-After header ("2", or an HTTP date)
	Message    string        // with Status: the ErrorData message (default: the status text)
	Delay      time.Duration // wait this long first
	Drop       bool          // close the connection without answering
	Malformed  bool          // answer 200 with a truncated JSON body
	Cut        bool          // answer, but close the connection halfway through the body
}

// Faults holds the faults waiting for each operation. It is safe for concurrent use.
//
// Faults apply to requests in the order they arrive, before authentication and validation: the
// next n requests routed to an operation each use up one fault.
type Faults struct {
	mu     sync.Mutex
	queues map[string][]queuedFault
}

type queuedFault struct {
	fault Fault
	left  int
}

func newFaults() *Faults { return &Faults{queues: map[string][]queuedFault{}} }

// Inject makes the next times requests to the operation (an Op constant, e.g. [OpGetEvaluation])
// meet fault, after any faults injected before for it. It panics on an unknown operation id or a
// Status outside 100-599.
func (f *Faults) Inject(operationID string, times int, fault Fault) {
	op := mustOp(operationID)
	if fault.Status != 0 && (fault.Status < 100 || fault.Status > 599) {
		panic(fmt.Sprintf("api: fault status %d is not an HTTP status", fault.Status))
	}
	if times <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queues[op] = append(f.queues[op], queuedFault{fault: fault, left: times})
}

// Pending says how many requests to the operation will still meet an injected fault. It panics
// on an unknown operation id.
func (f *Faults) Pending(operationID string) int {
	op := mustOp(operationID)
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, q := range f.queues[op] {
		n += q.left
	}
	return n
}

// Reset drops every waiting fault.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.queues)
}

// take uses up the next fault of op, if any.
func (f *Faults) take(op string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[op]
	if len(q) == 0 {
		return Fault{}, false
	}
	fault := q[0].fault
	q[0].left--
	if q[0].left == 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(f.queues, op)
	} else {
		f.queues[op] = q
	}
	return fault, true
}

// apply carries out fault for request r. It reports whether it answered (or dropped) the request;
// if not, the request goes on to be served normally.
func (fault Fault) apply(w http.ResponseWriter, r *http.Request) bool {
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case fault.Drop:
		dropConnection(w)
		return true
	case fault.Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"workflow_id": "eval-trunc`))
		return true
	case fault.Status != 0:
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		msg := fault.Message
		if msg == "" {
			msg = http.StatusText(fault.Status)
		}
		if msg == "" {
			msg = "injected status " + strconv.Itoa(fault.Status)
		}
		code := ""
		if fault.Status == http.StatusTooManyRequests {
			code = "rate_limit_exceeded"
		}
		writeError(w, fault.Status, apiError(errorTypeFor(fault.Status), "", code, msg))
		return true
	}
	return false
}

// dropConnection closes the connection under w without an answer. Where the connection cannot be
// taken over (HTTP/2), the handler aborts, which resets the stream.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// cutWriter holds an answer back until the handler is done, then sends its status, its headers
// and half its body, and closes the connection (the Cut fault).
type cutWriter struct {
	w      http.ResponseWriter
	header http.Header
	status int
	body   []byte
}

func newCutWriter(w http.ResponseWriter) *cutWriter {
	return &cutWriter{w: w, header: http.Header{}}
}

func (c *cutWriter) Header() http.Header { return c.header }

func (c *cutWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body = append(c.body, b...)
	return len(b), nil
}

// cut sends what the handler wrote, its body cut in half, and closes the connection.
func (c *cutWriter) cut() {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	copyHeader(c.w.Header(), c.header)
	c.w.Header().Set("Content-Length", strconv.Itoa(len(c.body)))
	c.w.WriteHeader(c.status)
	_, _ = c.w.Write(c.body[:len(c.body)/2])
	_ = http.NewResponseController(c.w).Flush()
	dropConnection(c.w)
}
