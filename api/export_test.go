package api

import (
	"context"

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
