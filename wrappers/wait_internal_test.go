package wrappers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/internal/contract"
)

// fakeClock is the time seen by Wait's sleeps and by the test server.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	sleeps []time.Duration
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now += d
	f.sleeps = append(f.sleeps, d)
	return nil
}

func (f *fakeClock) elapsed() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// waitServer serves /status with statusAt(poll number, from 0) and the job with jobStatus(); every
// request is checked against the spec.
type waitServer struct {
	*httptest.Server
	mu       sync.Mutex
	polls    int
	retrieve int
}

func newWaitServer(t *testing.T, statusBody func(poll int) string, jobBody func(retrieve int) string) *waitServer {
	t.Helper()
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ws := &waitServer{}
	ws.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := v.ValidateRequest(r.Context(), r); err != nil {
			t.Errorf("request does not validate: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		ws.mu.Lock()
		defer ws.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/status") {
			_, _ = w.Write([]byte(statusBody(ws.polls)))
			ws.polls++
			return
		}
		_, _ = w.Write([]byte(jobBody(ws.retrieve)))
		ws.retrieve++
	}))
	t.Cleanup(ws.Close)
	return ws
}

func (ws *waitServer) counts() (polls, retrieves int) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.polls, ws.retrieve
}

func waitClient(t *testing.T, ws *waitServer, clock *fakeClock) *Client {
	t.Helper()
	c, err := NewClient(WithAPIKey("k"), WithBaseURL(ws.URL+"/v1"), WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if clock != nil {
		c.sleep = clock.sleep
	}
	return c
}

func statusJSON(s Status) string { return `{"status":"` + string(s) + `"}` }

func jobJSON(s Status, results string) string {
	return `{"workflow_id":"eval-1","type":"classify","status":"` + string(s) + `",` +
		`"status_updates":[{"status":"running","message":"Job is running"},{"status":"` + string(s) + `","message":"last words"}],` +
		`"results":` + results + `}`
}

func TestWaitTenMinuteJobFitsTheRequestBudget(t *testing.T) {
	clock := &fakeClock{}
	const runtime = 10 * time.Minute
	documented, err := os.ReadFile("testdata/documented_job.json")
	if err != nil {
		t.Fatal(err)
	}
	ws := newWaitServer(t,
		func(int) string {
			if clock.elapsed() >= runtime {
				return `{"status":"completed","results":{"label_counts":"{\"yes\": 10, \"no\": 0}"}}`
			}
			return statusJSON(StatusRunning)
		},
		func(int) string { return string(documented) })
	var changes []Status
	job, err := waitClient(t, ws, clock).Wait(context.Background(), "eval-1234aedf", WaitOptions{
		OnChange: func(s Status) { changes = append(changes, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	polls, retrieves := ws.counts()
	if polls+retrieves > 30 {
		t.Errorf("a 10-minute job took %d requests (%d polls, %d retrieves), want at most 30", polls+retrieves, polls, retrieves)
	}
	if polls != 28 || retrieves != 1 {
		t.Errorf("%d polls and %d retrieves, want 28 and 1", polls, retrieves)
	}
	if late := clock.elapsed() - runtime; late < 0 || late > DefaultWaitMaxInterval {
		t.Errorf("completion noticed %s after it happened, want within one poll interval", late)
	}
	if !reflect.DeepEqual(changes, []Status{StatusRunning, StatusCompleted}) {
		t.Errorf("OnChange saw %v", changes)
	}
	if counts, err := job.LabelCounts(); err != nil || counts["yes"] != 10 {
		t.Errorf("LabelCounts() = %v, %v", counts, err)
	}
	want := []time.Duration{1000, 1500, 2250, 3375, 5062, 7593, 11390, 17085, 25628, 30000}
	for i, w := range want {
		if got := clock.sleeps[i].Milliseconds(); got != int64(w) {
			t.Errorf("sleep %d = %dms, want %dms", i, got, w)
		}
	}
	for i, d := range clock.sleeps[len(want):] {
		if d != 30*time.Second {
			t.Errorf("sleep %d = %s, want 30s", len(want)+i, d)
		}
	}
}

func TestWaitReportsEachChange(t *testing.T) {
	seq := []Status{StatusPending, StatusQueued, StatusQueued, "paused", StatusRunning, StatusRunning, StatusCompleted}
	ws := newWaitServer(t,
		func(poll int) string { return statusJSON(seq[min(poll, len(seq)-1)]) },
		func(int) string { return jobJSON(StatusCompleted, `{"label_counts":"{}"}`) })
	var changes []Status
	job, err := waitClient(t, ws, &fakeClock{}).Wait(context.Background(), "eval-1", WaitOptions{
		FirstInterval: time.Second, MaxInterval: 2 * time.Second, Multiplier: 2,
		OnChange: func(s Status) { changes = append(changes, s) },
	})
	if err != nil || job.Status != StatusCompleted {
		t.Fatalf("Wait() = %+v, %v", job, err)
	}
	want := []Status{StatusPending, StatusQueued, "paused", StatusRunning, StatusCompleted}
	if !reflect.DeepEqual(changes, want) {
		t.Errorf("OnChange saw %v, want %v", changes, want)
	}
	if polls, retrieves := ws.counts(); polls != len(seq) || retrieves != 1 {
		t.Errorf("%d polls, %d retrieves", polls, retrieves)
	}
}

func TestWaitFailedJobs(t *testing.T) {
	for _, tc := range []struct {
		status  Status
		results string
		want    string
	}{
		{StatusError, `{"error":"judge unavailable"}`, "judge unavailable"},
		{StatusUserError, `{"error":"Unsupported dataset column(s): extra"}`, "Unsupported dataset column(s): extra"},
		{StatusError, `null`, "last words"},
	} {
		ws := newWaitServer(t,
			func(poll int) string {
				if poll == 0 {
					return statusJSON(StatusRunning)
				}
				return statusJSON(tc.status)
			},
			func(int) string { return jobJSON(tc.status, tc.results) })
		job, err := waitClient(t, ws, &fakeClock{}).Wait(context.Background(), "eval-1", WaitOptions{})
		var jf *JobFailedError
		if !errors.As(err, &jf) || !errors.Is(err, ErrJobFailed) {
			t.Fatalf("error = %v, want a *JobFailedError", err)
		}
		if jf.Message != tc.want || jf.Status != tc.status || jf.Job == nil || jf.Job != job || job.ID != "eval-1" {
			t.Errorf("JobFailedError = %+v", jf)
		}
		if want := `wrappers: evaluation "eval-1" ended with status ` + string(tc.status) + ": " + tc.want; err.Error() != want {
			t.Errorf("error = %s\nwant  %s", err, want)
		}
	}
}

// TestWaitFailureFromTheFullJob: when /status and the full job disagree on how a job ended
// (completed against error), the full job decides whether Wait reports a failure.
func TestWaitFailureFromTheFullJob(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     string // what /status says
		job        Status // what the full job says
		wantFailed bool
	}{
		{"status completed, job error", statusJSON(StatusCompleted), StatusError, true},
		{"status error, job completed", `{"status":"error","results":{"error":"from status"}}`, StatusCompleted, false},
		{"status user_error, job completed", statusJSON(StatusUserError), StatusCompleted, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			results := `{"label_counts":"{}"}`
			if tc.job.Failed() {
				results = `{"error":"judge unavailable"}`
			}
			ws := newWaitServer(t,
				func(int) string { return tc.status },
				func(int) string { return jobJSON(tc.job, results) })
			job, err := waitClient(t, ws, &fakeClock{}).Wait(context.Background(), "eval-1", WaitOptions{})
			if job == nil || job.Status != tc.job {
				t.Fatalf("Wait() = %+v, %v; want the job with status %s", job, err, tc.job)
			}
			var jf *JobFailedError
			if failed := errors.As(err, &jf); failed != tc.wantFailed {
				t.Fatalf("error = %v; want a *JobFailedError: %v", err, tc.wantFailed)
			}
			if tc.wantFailed && (jf.Status != tc.job || jf.Message != "judge unavailable") {
				t.Errorf("JobFailedError = %+v, want status %s and the job's reason", jf, tc.job)
			}
		})
	}
}

// TestWaitFallsBackToTheStatusReason: a failed job whose full record gives no reason in its
// results takes the reason /status gave, before the last status message.
func TestWaitFallsBackToTheStatusReason(t *testing.T) {
	ws := newWaitServer(t,
		func(int) string { return `{"status":"error","results":{"error":"judge quota exhausted"}}` },
		func(int) string { return jobJSON(StatusError, "null") })
	_, err := waitClient(t, ws, &fakeClock{}).Wait(context.Background(), "eval-1", WaitOptions{})
	var jf *JobFailedError
	if !errors.As(err, &jf) || jf.Message != "judge quota exhausted" || jf.Status != StatusError {
		t.Fatalf("error = %v (%+v), want a *JobFailedError with the reason /status gave", err, jf)
	}
}

func TestWaitTrustsTheFullJob(t *testing.T) {
	ws := newWaitServer(t,
		func(int) string { return statusJSON(StatusCompleted) },
		func(retrieve int) string {
			if retrieve == 0 {
				return jobJSON(StatusRunning, "null")
			}
			return jobJSON(StatusCompleted, `{"label_counts":"{}"}`)
		})
	job, err := waitClient(t, ws, &fakeClock{}).Wait(context.Background(), "eval-1", WaitOptions{})
	if err != nil || job.Status != StatusCompleted {
		t.Fatalf("Wait() = %+v, %v", job, err)
	}
	if polls, retrieves := ws.counts(); polls != 2 || retrieves != 2 {
		t.Errorf("%d polls, %d retrieves; want 2 and 2", polls, retrieves)
	}
}

func TestWaitStopsOnAPIErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"message":"Evaluation job not found","type":"not_found_error"}}`))
	}))
	defer ts.Close()
	c, err := NewClient(WithAPIKey("k"), WithBaseURL(ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = (&fakeClock{}).sleep
	_, err = c.Wait(context.Background(), "nope", WaitOptions{})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

func TestWaitCancelStopsAtOnce(t *testing.T) {
	polled := make(chan struct{}, 1)
	ws := newWaitServer(t,
		func(int) string { return statusJSON(StatusRunning) },
		func(int) string { return jobJSON(StatusRunning, "null") })
	c := waitClient(t, ws, nil) // real sleeps
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Wait(ctx, "eval-1", WaitOptions{
			FirstInterval: time.Hour, MaxInterval: time.Hour,
			OnChange: func(Status) { polled <- struct{}{} },
		})
		done <- err
	}()
	<-polled
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
		if want := `wrappers: wait for "eval-1" (last status "running"): context canceled`; err.Error() != want {
			t.Errorf("error = %s, want %s", err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after its context was cancelled")
	}
}

func TestWaitTimeout(t *testing.T) {
	ws := newWaitServer(t,
		func(int) string { return statusJSON(StatusQueued) },
		func(int) string { return jobJSON(StatusQueued, "null") })
	_, err := waitClient(t, ws, nil).Wait(context.Background(), "eval-1", WaitOptions{
		FirstInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Timeout: 50 * time.Millisecond,
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
	if !errors.Is(err, ErrWaitTimeout) {
		t.Errorf("error = %v, want it to match ErrWaitTimeout", err)
	}
	if !strings.Contains(err.Error(), `wrappers: wait for "eval-1": gave up after 50ms (last status "queued")`) {
		t.Errorf("error = %v", err)
	}
}

// TestWaitCallersDeadlineIsNotWaitTimeout checks that a deadline of the caller's own context is
// not reported as Wait giving up on its Timeout.
func TestWaitCallersDeadlineIsNotWaitTimeout(t *testing.T) {
	ws := newWaitServer(t,
		func(int) string { return statusJSON(StatusQueued) },
		func(int) string { return jobJSON(StatusQueued, "null") })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := waitClient(t, ws, nil).Wait(ctx, "eval-1", WaitOptions{
		FirstInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Timeout: time.Hour,
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
	if errors.Is(err, ErrWaitTimeout) {
		t.Errorf("error = %v matches ErrWaitTimeout, but the caller's deadline passed, not Timeout", err)
	}
}

func TestWaitOptionsAreChecked(t *testing.T) {
	c, err := NewClient(WithAPIKey("k"), WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts WaitOptions
		want string
	}{
		{WaitOptions{FirstInterval: -time.Second}, "FirstInterval: must not be negative, got -1s"},
		{WaitOptions{FirstInterval: time.Minute, MaxInterval: time.Second}, "MaxInterval: must be at least FirstInterval (1m0s), got 1s"},
		{WaitOptions{Multiplier: 0.5}, "Multiplier: must be between 1 and 100, got 0.5"},
		{WaitOptions{Timeout: -1}, "Timeout: must not be negative, got -1ns"},
	} {
		_, err := c.Wait(context.Background(), "eval-1", tc.opts)
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Wait(%+v) error = %v, want %q", tc.opts, err, tc.want)
		}
	}
}

// TestWaitRidesOverFailedPolls: a burst of 503s (or 429s) longer than the client's retries does not end a
// wait; a longer one does, after MaxFailedPolls polls in a row.
func TestWaitRidesOverFailedPolls(t *testing.T) {
	for _, tc := range []struct {
		name      string
		code      int // the status of the failing answers
		failing   int // status requests answered with code before the job is reported completed
		wantErr   bool
		wantPolls int // status requests that arrived
	}{
		// 3 attempts per poll (2 retries): 9 failing requests are 3 failed polls.
		{"short burst", http.StatusServiceUnavailable, 9, false, 10},
		// 5 failed polls are tolerated, the 6th in a row ends the wait: 18 requests.
		{"outage", http.StatusServiceUnavailable, 1000, true, 18},
		// A rate limit that outlasts the client's retries is transient too.
		{"rate limited", http.StatusTooManyRequests, 9, false, 10},
		{"rate limited for good", http.StatusTooManyRequests, 1000, true, 18},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			polls := 0
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				mu.Lock()
				defer mu.Unlock()
				if strings.HasSuffix(r.URL.Path, "/status") {
					polls++
					if polls <= tc.failing {
						w.WriteHeader(tc.code)
						_, _ = w.Write([]byte(`{"error":{"message":"busy","type":"server_error"}}`))
						return
					}
					_, _ = w.Write([]byte(statusJSON(StatusCompleted)))
					return
				}
				_, _ = w.Write([]byte(jobJSON(StatusCompleted, "null")))
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
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.code {
					t.Fatalf("err = %v, want the %d", err, tc.code)
				}
				var pf *PollsFailedError
				if !errors.As(err, &pf) || pf.Polls != DefaultWaitMaxFailedPolls+1 || pf.ID != "eval-1" {
					t.Errorf("err = %v, want a *PollsFailedError of %d polls", err, DefaultWaitMaxFailedPolls+1)
				}
				if want := fmt.Sprintf("wrappers: wait for \"eval-1\": %d polls in a row failed, the last: ", DefaultWaitMaxFailedPolls+1); !strings.HasPrefix(err.Error(), want) {
					t.Errorf("err = %q, want it to start with %q", err, want)
				}
			} else if err != nil || job == nil || !job.Succeeded() {
				t.Fatalf("job %v, err %v", job, err)
			}
			// Every failed poll Wait rode over was reported, numbered, with the wait before the next.
			wantReported := min(tc.failing/3, DefaultWaitMaxFailedPolls)
			if len(reported) != wantReported {
				t.Fatalf("%d poll failures reported, want %d", len(reported), wantReported)
			}
			for i, f := range reported {
				var apiErr *APIError
				if f.Failed != i+1 || f.Max != DefaultWaitMaxFailedPolls || f.Wait != DefaultWaitFirstInterval || !errors.As(f.Err, &apiErr) || apiErr.StatusCode != tc.code {
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

func TestWaitIntervalNeverOverflows(t *testing.T) {
	d := time.Duration(1 << 62)
	if got := nextInterval(d, 100, time.Duration(1<<63-1)); got <= 0 {
		t.Fatalf("next interval = %v", got)
	}
	if got := nextInterval(time.Second, 1.5, 30*time.Second); got != 1500*time.Millisecond {
		t.Fatalf("next interval = %v", got)
	}
}
