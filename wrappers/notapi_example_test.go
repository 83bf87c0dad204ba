package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// A base URL that points at a web site (here, one that answers every path with its home page) is
// told apart from a job that does not exist: the error matches ErrNotEvaluationsAPI, never
// ErrNotFound.
func ExampleNotAPIError() {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Welcome!</body></html>"))
	}))
	defer site.Close()

	c, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(site.URL+"/v1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Retrieve(context.Background(), "eval-1234aedf")
	var notAPI *wrappers.NotAPIError
	switch {
	case errors.As(err, &notAPI):
		fmt.Println("not the API:", notAPI.Answer)
		fmt.Println("not found:", errors.Is(err, wrappers.ErrNotFound))
	case errors.Is(err, wrappers.ErrNotFound):
		fmt.Println("no such job")
	}
	// Output:
	// not the API: 200 OK with an HTML page
	// not found: false
}

// A progress display can say why a call takes long: here the service is unavailable once, and the
// client says so before it retries.
func ExampleWithRetryNotify() {
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"workflow_id": "eval-1234aedf", "type": "classify", "status": "running"}`))
	}))
	defer api.Close()

	c, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(api.URL+"/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 10*time.Millisecond),
		wrappers.WithRetryNotify(func(r wrappers.Retry) {
			fmt.Printf("%s %s: %d; retry %d of %d\n", r.Method, r.Path, r.StatusCode, r.Attempt, r.Max)
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	job, err := c.Retrieve(context.Background(), "eval-1234aedf")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.ID, job.Status)
	// Output:
	// GET /v1/evaluation/eval-1234aedf: 503; retry 1 of 2
	// eval-1234aedf running
}
