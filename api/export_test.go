package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// WithStrictMiddleware adds a middleware around the strict handlers: a test hook that lets a test
// make a handler answer something it never would.
func WithStrictMiddleware(m generated.StrictMiddlewareFunc) Option {
	return func(c *config) { c.strictMiddlewares = append(c.strictMiddlewares, m) }
}

// WithFixedFeedbackJudge judges like the stand-in but gives every valid or invalid answer the
// feedback given and every generating model the output given: a test of the judge seam.
func WithFixedFeedbackJudge(feedback, output string) Option {
	return withJudge(fixedFeedbackJudge{feedback: feedback, output: output})
}

type fixedFeedbackJudge struct{ feedback, output string }

func (fixedFeedbackJudge) jobProblem(jobSpec) string { return "" }

func (j fixedFeedbackJudge) judgeRow(ctx context.Context, spec jobSpec, row inputRow) verdict {
	v := standInJudge{}.judgeRow(ctx, spec, row)
	v.feedback = j.feedback
	v.outputs = map[string]string{}
	for _, s := range spec.slots {
		if s.model != nil {
			v.outputs[s.param] = j.output
		}
	}
	return v
}

// GateJudge judges like the stand-in, but each call first waits for a token from Release (or for
// its context to end, when it fails the row), and it keeps count of the calls in flight.
type GateJudge struct {
	tokens chan struct{}

	mu       sync.Mutex
	inFlight int
	most     int
	cancels  int
	changed  chan struct{}
}

// NewGateJudge returns a GateJudge with no token.
func NewGateJudge() *GateJudge {
	return &GateJudge{tokens: make(chan struct{}, 1<<16), changed: make(chan struct{})}
}

// Option makes the judge a server's.
func (g *GateJudge) Option() Option { return withJudge(g) }

// Release lets n calls through.
func (g *GateJudge) Release(n int) {
	for range n {
		g.tokens <- struct{}{}
	}
}

// Most is the largest number of calls that were in flight at once.
func (g *GateJudge) Most() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.most
}

// Cancelled counts the calls that ended because their context did.
func (g *GateJudge) Cancelled() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cancels
}

// WaitInFlight waits until n calls are in flight, or ctx ends.
func (g *GateJudge) WaitInFlight(ctx context.Context, n int) error {
	for {
		g.mu.Lock()
		in, ch := g.inFlight, g.changed
		g.mu.Unlock()
		if in == n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%d calls in flight, want %d: %w", in, n, ctx.Err())
		}
	}
}

func (g *GateJudge) move(d int, cancelled bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight += d
	g.most = max(g.most, g.inFlight)
	if cancelled {
		g.cancels++
	}
	close(g.changed)
	g.changed = make(chan struct{})
}

func (g *GateJudge) jobProblem(jobSpec) string { return "" }

func (g *GateJudge) judgeRow(ctx context.Context, spec jobSpec, row inputRow) verdict {
	g.move(1, false)
	select {
	case <-g.tokens:
		g.move(-1, false)
		return standInJudge{}.judgeRow(ctx, spec, row)
	case <-ctx.Done():
		g.move(-1, true)
		return verdict{kind: verdictJudgeFail, errMsg: "judge failed: " + ctx.Err().Error()}
	}
}

// WithJitterJudge judges like the stand-in after a pause of up to max, different for each row:
// rows finish out of order.
func WithJitterJudge(most time.Duration) Option {
	return withJudge(jitterJudge{most: most})
}

type jitterJudge struct{ most time.Duration }

func (j jitterJudge) jobProblem(jobSpec) string { return "" }

func (j jitterJudge) judgeRow(ctx context.Context, spec jobSpec, row inputRow) verdict {
	d := time.Duration(rowHash(row.canon()) % uint64(j.most))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return standInJudge{}.judgeRow(ctx, spec, row)
}
