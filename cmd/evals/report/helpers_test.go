package report_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

type env struct {
	clock  *api.FakeClock
	client *wrappers.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clock := api.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := api.New(api.WithClock(clock))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	c, err := wrappers.NewClient(wrappers.WithAPIKey("sk-report-test-0123"), wrappers.WithBaseURL(hs.URL+"/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if v := srv.Violations(); len(v) > 0 {
			t.Errorf("the api sent answers the spec does not allow: %v", v)
		}
	})
	return &env{clock: clock, client: c}
}

func (e *env) run(t testing.TB, rows []string, mutate func(*wrappers.ClassifyRequest)) *wrappers.Job {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "input.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := e.client.UploadFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	req := wrappers.ClassifyRequest{
		Judge:           wrappers.Judge{Model: "judge/model", SystemTemplate: "Judge the answer to {{question}} ({{id}})."},
		Labels:          []string{"good", "bad"},
		PassLabels:      []string{"good"},
		ModelToEvaluate: wrappers.Column("answer"),
		InputFileID:     f.ID,
	}
	if mutate != nil {
		mutate(&req)
	}
	created, err := e.client.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	job, err := e.client.Wait(ctx, created.ID, wrappers.WaitOptions{FirstInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// Hostile values: each would run script if it reached the page unescaped.
const (
	hostileScript = `<script>window.__pwned = 1</script>`
	hostileImg    = `"><img src=x onerror="window.__pwned = 2">`
	hostileLink   = `javascript:window.__pwned = 3`
)

func row(id, question, answer, verdict string) string {
	return fmt.Sprintf(`{"id": %q, "question": %q, "answer": %q, "__judge": %q}`, id, question, answer, verdict)
}

// hostileRuns are a baseline and a new run, keyed by id: h1 and h2 regress (h2 to an invalid
// answer whose feedback repeats the hostile verdict), h3 holds a javascript: link.
func hostileRuns(t testing.TB, e *env) (base, next *wrappers.Job) {
	t.Helper()
	base = e.run(t, []string{
		row("h1", hostileScript, "fine", "good"),
		row("h2", "q2", hostileImg, "good"),
		row("h3", hostileLink, "a3", "bad"),
		row("ok", "q4", "a4", "good"),
	}, nil)
	next = e.run(t, []string{
		row("h1", hostileScript, "fine", "bad"),
		row("h2", "q2", hostileImg, hostileScript),
		row("h3", hostileLink, "a3", "bad"),
		row("ok", "q4", "a4", "good"),
	}, nil)
	return base, next
}
