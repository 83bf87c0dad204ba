package wrappers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWaitRidesOverAFailedFinalRetrieve: the retrieve of the full job, once /status says it has
// ended, is a poll like the others. A transient failure of it that outlasts the client's retries
// is tolerated as a failed poll (reported, counted, polled again) instead of ending a wait that
// would have ridden over the same failure of /status; one that lasts gives up after
// MaxFailedPolls, with a *PollsFailedError, even though every /status poll succeeds.
func TestWaitRidesOverAFailedFinalRetrieve(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failing   int // retrieve requests answered 503 before the job is served
		wantErr   bool
		wantPolls int // /status requests that arrived
	}{
		// 3 attempts per retrieve (2 retries): 6 failing requests are 2 failed polls.
		{"short burst", 6, false, 3},
		// 5 failed polls are tolerated, the 6th in a row ends the wait.
		{"outage", 1000, true, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			polls, retrieves := 0, 0
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				mu.Lock()
				defer mu.Unlock()
				if strings.HasSuffix(r.URL.Path, "/status") {
					polls++
					_, _ = w.Write([]byte(statusJSON(StatusCompleted)))
					return
				}
				if retrieves++; retrieves <= tc.failing {
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = w.Write([]byte(`{"error":{"message":"busy","type":"server_error"}}`))
					return
				}
				_, _ = w.Write([]byte(jobJSON(StatusCompleted, `{"label_counts":"{}"}`)))
			}))
			defer ts.Close()
			c, err := NewClient(WithAPIKey("k"), WithBaseURL(ts.URL+"/v1"), WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			c.sleep = (&fakeClock{}).sleep
			var reported []PollFailure
			job, err := c.Wait(context.Background(), "eval-1", WaitOptions{OnPollFailure: func(f PollFailure) { reported = append(reported, f) }})
			if tc.wantErr {
				var pf *PollsFailedError
				var apiErr *APIError
				if !errors.As(err, &pf) || pf.Polls != DefaultWaitMaxFailedPolls+1 || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("err = %v, want a *PollsFailedError of %d polls ending in the 503", err, DefaultWaitMaxFailedPolls+1)
				}
			} else if err != nil || job == nil || !job.Succeeded() {
				t.Fatalf("Wait() = %v, %v; want the completed job", job, err)
			}
			if want := min(tc.failing/3, DefaultWaitMaxFailedPolls); len(reported) != want {
				t.Errorf("%d poll failures reported, want %d", len(reported), want)
			}
			for i, f := range reported {
				if f.Failed != i+1 || f.Max != DefaultWaitMaxFailedPolls {
					t.Errorf("failure %d reported as %+v", i+1, f)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if polls != tc.wantPolls {
				t.Errorf("%d status requests, want %d", polls, tc.wantPolls)
			}
		})
	}
}
