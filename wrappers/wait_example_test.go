package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// A wait rides over polls that fail after the client's own retries, and can say so: here the
// service is down for two polls, then reports the job completed. A wait that gives up after
// failed polls returns a *PollsFailedError that says how many.
func ExampleWaitOptions_onPollFailure() {
	var polls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasSuffix(r.URL.Path, "/status") {
			_, _ = w.Write([]byte(`{"workflow_id": "eval-1234aedf", "type": "classify", "status": "completed"}`))
			return
		}
		if polls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error": {"message": "down for maintenance", "type": "server_error"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"status": "completed"}`))
	}))
	defer api.Close()

	c, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(api.URL+"/v1"),
		wrappers.WithMaxRetries(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	job, err := c.Wait(context.Background(), "eval-1234aedf", wrappers.WaitOptions{
		FirstInterval: time.Millisecond,
		OnPollFailure: func(f wrappers.PollFailure) {
			var apiErr *wrappers.APIError
			if errors.As(f.Err, &apiErr) {
				fmt.Printf("poll %d failed (%d); gives up when %d in a row fail\n", f.Failed, apiErr.StatusCode, f.Max+1)
			}
		},
	})
	if err != nil {
		var pf *wrappers.PollsFailedError
		if errors.As(err, &pf) {
			fmt.Println("gave up after", pf.Polls, "failed polls")
		}
		return
	}
	fmt.Println(job.ID, job.Status)
	// Output:
	// poll 1 failed (503); gives up when 6 in a row fail
	// poll 2 failed (503); gives up when 6 in a row fail
	// eval-1234aedf completed
}
