package wrappers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// failingTransport fails the test when a request reaches it.
type failingTransport struct{ t *testing.T }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.t.Error("the request went through the retrying layer")
	return nil, errors.New("not this way")
}

// TestFirstAttemptSkipsTheRetryingLayer: a Retrieve answered at once never reaches the retrying
// layer (its transport fails the test here); with debug logging on, every call takes that layer.
func TestFirstAttemptSkipsTheRetryingLayer(t *testing.T) {
	body, _ := benchBodies()
	hc := &http.Client{Transport: cannedTransport{body}}
	c, err := NewClient(WithAPIKey(benchKey), WithBaseURL("http://127.0.0.1:9/v1"), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	c.doer.retrying.HTTPClient = &http.Client{Transport: failingTransport{t}}
	if c.doer.first == nil {
		t.Fatal("no first attempt for a client without a cookie jar")
	}
	if _, err := c.Retrieve(context.Background(), benchJobID); err != nil {
		t.Fatal(err)
	}

	debug := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err = NewClient(WithAPIKey(benchKey), WithBaseURL("http://127.0.0.1:9/v1"), WithHTTPClient(hc), WithLogger(debug))
	if err != nil {
		t.Fatal(err)
	}
	if c.doer.cheapFirst(context.Background()) {
		t.Error("debug logging on, yet calls would skip the retrying layer that logs each attempt")
	}
}
