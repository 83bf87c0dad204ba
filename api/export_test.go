package api

import "github.com/evalkit/together-evals/generated"

// WithStrictMiddleware adds a middleware around the strict handlers: a test hook that lets a test
// make a handler answer something it never would.
func WithStrictMiddleware(m generated.StrictMiddlewareFunc) Option {
	return func(c *config) { c.strictMiddlewares = append(c.strictMiddlewares, m) }
}
