package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// Bounds of the http.Server that [NewHTTPServer] builds: what a server left running for a team
// holds for slow or odd clients.
const (
	// HeaderTimeout is how long a client may take to send a request's headers.
	HeaderTimeout = 10 * time.Second
	// IdleTimeout is how long an idle keep-alive connection is kept.
	IdleTimeout = 60 * time.Second
	// BodyWindow and BodyWindowBytes set the slowest body a client may send, and the slowest
	// answer it may take: at least BodyWindowBytes in every BodyWindow, or the connection is cut
	// (a body trickling one byte every 2 s is cut after 30 s; so is a download the client stopped
	// reading).
	BodyWindow      = 30 * time.Second
	BodyWindowBytes = 16 << 10
	// MaxHeaderBytes bounds a request's headers (a larger one gets 431).
	MaxHeaderBytes = 16 << 10
	// DefaultMaxConns is how many connections [GuardListener] keeps open at once; more wait to be
	// accepted.
	DefaultMaxConns = 512
	// DefaultMaxInFlight is how many requests a server built by [NewHTTPServer] handles at once;
	// more wait for a slot.
	DefaultMaxInFlight = 32
)

// NewHTTPServer returns an http.Server for h that can be left running: header, body-rate,
// answer-rate and idle timeouts, bounded headers, at most maxInFlight requests handled at once
// (0: DefaultMaxInFlight), and requests that carry both Content-Length and Transfer-Encoding refused with 400 and the
// connection closed (that check needs the listener wrapped by [GuardListener]).
func NewHTTPServer(h http.Handler, maxInFlight int) *http.Server {
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	g := &guard{next: h, slots: semaphore.NewWeighted(int64(maxInFlight)), window: bodyWindow}
	return &http.Server{
		Handler:           g,
		ReadHeaderTimeout: HeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if rc, ok := c.(*recordingConn); ok {
				return context.WithValue(ctx, connKey{}, rc)
			}
			return ctx
		},
	}
}

type connKey struct{}

// guard is the handler of NewHTTPServer's servers.
type guard struct {
	next  http.Handler
	slots *semaphore.Weighted
	// window is BodyWindow, read once when the server is built (tests shorten it).
	window time.Duration
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc, ok := r.Context().Value(connKey{}).(*recordingConn); ok && len(r.TransferEncoding) > 0 && rc.sawLengthAndEncoding(r) {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusBadRequest, apiError(errTypeInvalidRequest, "", "",
			"the request has both Content-Length and Transfer-Encoding headers; send one of them"))
		return
	}
	// The body's pace is counted from the request's arrival, so that waiting for a slot gives a
	// trickling client no more time; a client whose bytes waited in the connection's buffers
	// meets the pace at its first read.
	if r.Body != nil && r.ContentLength != 0 {
		r.Body = newPacedBody(w, r.Body, g.window)
	}
	// A request waits at most one body window for a slot; then it is told the server is busy.
	ctx, cancel := context.WithTimeout(r.Context(), g.window)
	err := g.slots.Acquire(ctx, 1)
	cancel()
	if err != nil {
		if r.Context().Err() == nil {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, apiError(errTypeServer, "", "server_busy",
				"the server is busy: every request slot stayed taken for 30 s; try again shortly"))
		}
		return
	}
	defer g.slots.Release(1)
	pw := newPacedWriter(w, g.window)
	// What the handler leaves buffered goes out after it returns, at the same pace (net/http
	// lifts the deadline once the answer is out).
	defer pw.extend()
	g.next.ServeHTTP(pw, r)
}

// pacedWriter cuts an answer that the client takes slower than BodyWindowBytes per BodyWindow
// (one that stopped reading would otherwise hold its handler, and a request slot, for good): from
// the first write, each time that many more bytes have gone, the connection's write deadline moves
// BodyWindow ahead. A write blocked on a full send buffer returns only once the kernel has sent
// about half of it, so the pace is in fact counted in steps of about sendBufferBytes (which
// GuardListener bounds): a client slower than about 8 KiB/s may be cut.
type pacedWriter struct {
	http.ResponseWriter
	rc       *http.ResponseController
	window   time.Duration
	started  bool
	sinceSet int
}

func newPacedWriter(w http.ResponseWriter, window time.Duration) *pacedWriter {
	return &pacedWriter{ResponseWriter: w, rc: http.NewResponseController(w), window: window}
}

// extend moves the write deadline BodyWindow ahead.
func (p *pacedWriter) extend() {
	p.sinceSet = 0
	_ = p.rc.SetWriteDeadline(time.Now().Add(p.window))
}

// Write sends b in pieces of at most BodyWindowBytes, each with the deadline moved ahead when
// that many bytes have gone since it last moved: a large answer written at once (a JSON answer is
// written whole from its buffer) then needs the pace, not the whole answer within one window.
func (p *pacedWriter) Write(b []byte) (int, error) {
	if !p.started {
		p.started = true
		p.extend()
	}
	written := 0
	for len(b) > 0 {
		piece := b[:min(len(b), BodyWindowBytes-p.sinceSet)]
		n, err := p.ResponseWriter.Write(piece)
		written += n
		p.sinceSet += n
		if p.sinceSet >= BodyWindowBytes {
			p.extend()
		}
		if err != nil {
			return written, err
		}
		b = b[n:]
	}
	return written, nil
}

func (p *pacedWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// pacedBody cuts a body that arrives slower than BodyWindowBytes per BodyWindow: each time that
// many more bytes have come, the connection's read deadline moves BodyWindow ahead. Once the body
// is read, the deadline is lifted (the server's own timeouts take over).
type pacedBody struct {
	rc       *http.ResponseController
	body     io.ReadCloser
	window   time.Duration
	sinceSet int
	timedOut bool
}

func newPacedBody(w http.ResponseWriter, body io.ReadCloser, window time.Duration) io.ReadCloser {
	p := &pacedBody{rc: http.NewResponseController(w), body: body, window: window}
	if p.rc.SetReadDeadline(time.Now().Add(window)) != nil {
		return body // not a connection that takes deadlines (a test recorder): nothing to pace
	}
	return p
}

// bodyWindow is BodyWindow; tests shorten it before building a server (NewHTTPServer reads it
// once, so that a test's cleanup never races the server's handlers).
var bodyWindow = BodyWindow

// errTooSlow is what a body cut for its pace reads as.
var errTooSlow = errors.New("the request body arrived too slowly (less than 16 KiB in 30 s) and was cut off")

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.body.Read(b)
	p.sinceSet += n
	if p.sinceSet >= BodyWindowBytes {
		p.sinceSet = 0
		_ = p.rc.SetReadDeadline(time.Now().Add(p.window))
	}
	if errors.Is(err, io.EOF) {
		_ = p.rc.SetReadDeadline(time.Time{})
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		p.timedOut = true
		return n, errTooSlow
	}
	return n, err
}

func (p *pacedBody) Close() error { return p.body.Close() }

// GuardListener wraps ln so that at most maxConns connections (0: DefaultMaxConns) are open at
// once (more wait to be accepted), and so that the servers of [NewHTTPServer] can tell a request
// that carries both Content-Length and Transfer-Encoding.
func GuardListener(ln net.Listener, maxConns int) net.Listener {
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	return &guardListener{Listener: ln, slots: make(chan struct{}, maxConns)}
}

type guardListener struct {
	net.Listener
	slots chan struct{}
}

func (l *guardListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// A bounded send buffer keeps the answer pace meaningful: a write blocked on a full buffer
		// is woken once the kernel has sent about half of it, so with the autotuned buffers of
		// several MiB a client reading tens of KB/s could go a whole window without a write
		// returning, and be cut.
		_ = tc.SetWriteBuffer(sendBufferBytes)
	}
	return &recordingConn{Conn: c, release: func() { <-l.slots }}, nil
}

// sendBufferBytes is the send buffer of a guarded connection (the kernel doubles it): enough for
// 5 MB/s at 100 ms of round trip, little enough that an answer's pace is counted in steps of
// about 256 KiB.
const sendBufferBytes = 256 << 10

// recordingConn keeps the last bytes read from a connection (enough for a request's headers and
// the server's read-ahead), so that a handler can look at headers the server has already removed.
type recordingConn struct {
	net.Conn
	release func()
	once    sync.Once

	mu   sync.Mutex
	ring []byte // the last recordBytes bytes read, from pos on and then from the start
	pos  int
	full bool
}

const recordBytes = MaxHeaderBytes + 4<<10

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.record(b[:n])
	}
	return n, err
}

func (c *recordingConn) record(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ring == nil {
		c.ring = make([]byte, recordBytes)
	}
	if len(p) >= recordBytes {
		p = p[len(p)-recordBytes:]
	}
	for len(p) > 0 {
		k := copy(c.ring[c.pos:], p)
		p = p[k:]
		c.pos += k
		if c.pos == recordBytes {
			c.pos, c.full = 0, true
		}
	}
}

// recent returns the recorded bytes in order; c.mu is held.
func (c *recordingConn) recent() []byte {
	if !c.full {
		return c.ring[:c.pos]
	}
	return append(append([]byte(nil), c.ring[c.pos:]...), c.ring[:c.pos]...)
}

func (c *recordingConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// sawLengthAndEncoding says whether the header block of r, as it came over the connection, had
// both a Content-Length and a Transfer-Encoding header (the server keeps only the latter).
func (c *recordingConn) sawLengthAndEncoding(r *http.Request) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	line := []byte(r.Method + " " + r.RequestURI + " ")
	rest := c.recent()
	for {
		i := bytes.Index(rest, line)
		if i < 0 {
			return false
		}
		block := rest[i:]
		if end := bytes.Index(block, []byte("\r\n\r\n")); end >= 0 {
			block = block[:end+2]
		}
		lower := bytes.ToLower(block)
		if bytes.Contains(lower, []byte("\ncontent-length:")) && bytes.Contains(lower, []byte("\ntransfer-encoding:")) {
			return true
		}
		rest = rest[i+len(line):]
	}
}
