package wrappers

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkRetryNotify is the cost of WithRetryNotify on a retrieve that needs no retry, against
// the same retrieve without it, through a transport that answers at once (no network): the hook
// is set up per request only when the option is given, so "without" is the retry layer's usual
// cost.
func BenchmarkRetryNotify(b *testing.B) {
	body, _ := benchBodies()
	hc := &http.Client{Transport: cannedTransport{body}, Timeout: time.Minute}
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"without", nil},
		{"with", []Option{WithRetryNotify(func(Retry) {})}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c, err := NewClient(append([]Option{WithAPIKey(benchKey), WithBaseURL("http://127.0.0.1:9/v1"), WithHTTPClient(hc)}, tc.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				j, err := c.Retrieve(ctx, benchJobID)
				if err != nil {
					b.Fatal(err)
				}
				sinkJob = j
			}
		})
	}
}
