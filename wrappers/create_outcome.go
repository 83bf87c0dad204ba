package wrappers

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// createOutcome follows the attempts of one Create: how many requests left this machine (their
// headers were written) and how many got an answer, and the last answer's status. It tells a
// create the service may have acted on from one it surely did not, whatever the error: a context
// cancelled before anything was sent, a TLS or proxy failure, a 429 followed by a cancelled wait
// are not in doubt; a request that left and got no answer, a 2xx whose body was lost, a 303 or a
// 5xx are.
type createOutcome struct {
	mu      sync.Mutex
	written int // requests whose headers were written (a transport goroutine reports it)
	answers int // answers received (the retry policy reports each)
	status  int // the last answer's status
}

// createOutcomeKey carries the *createOutcome of a Create in its context, for the retry policy.
type createOutcomeKey struct{}

// withCreateOutcome returns ctx set up to follow a Create's attempts.
func withCreateOutcome(ctx context.Context) (context.Context, *createOutcome) {
	o := &createOutcome{}
	ctx = context.WithValue(ctx, createOutcomeKey{}, o)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: o.wroteHeaders}), o
}

func (o *createOutcome) wroteHeaders() {
	o.mu.Lock()
	o.written++
	o.mu.Unlock()
}

// answered records an answer to one attempt.
func (o *createOutcome) answered(status int) {
	o.mu.Lock()
	o.answers++
	o.status = status
	o.mu.Unlock()
}

// answeredIn records resp as an answer to the Create that ctx belongs to, if any.
func answeredIn(ctx context.Context, resp *http.Response) {
	if resp == nil {
		return
	}
	if o, ok := ctx.Value(createOutcomeKey{}).(*createOutcome); ok {
		o.answered(resp.StatusCode)
	}
}

// unknown reports whether the service may have created the job although Create failed.
func (o *createOutcome) unknown() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.written == 0:
		return false // nothing left this machine
	case o.answers < o.written:
		return true // a request left and its answer never came
	case o.status >= 200 && o.status <= 299, o.status == http.StatusSeeOther, o.status >= 500:
		return true // it acted (2xx, 303: see there) or may have (5xx)
	default:
		return false // 4xx (429 included), other redirects: it did not act
	}
}
