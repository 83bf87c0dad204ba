package decide_test

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

const testKey = "sk-decide-test-0123456789"

// env is the project's local API on loopback, on a fake clock, with a client bound to it.
type env struct {
	clock  *api.FakeClock
	srv    *api.Server
	client *wrappers.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := api.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := api.New(api.WithClock(clock))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(hs.URL+"/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if v := srv.Violations(); len(v) > 0 {
			t.Errorf("the api sent answers the spec does not allow: %v", v)
		}
	})
	return &env{clock: clock, srv: srv, client: c}
}

// upload writes rows (one JSON object a line) to a file and uploads it.
func (e *env) upload(t *testing.T, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := e.client.UploadFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// run creates a job, lets it end and returns it.
func (e *env) run(t *testing.T, req wrappers.CreateRequest) *wrappers.Job {
	t.Helper()
	ctx := context.Background()
	created, err := e.client.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	job, err := e.client.Wait(ctx, created.ID, wrappers.WaitOptions{
		FirstInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Timeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// classifyRows are input rows with ids and forced verdicts (see api's __judge).
func classifyRows(verdicts map[string]string, ids ...string) []string {
	rows := make([]string, len(ids))
	for i, id := range ids {
		key := strings.SplitN(id, "#", 2)[0]
		rows[i] = fmt.Sprintf(`{"id": %q, "question": "Question %s?", "answer": "Answer to %s", "__judge": %q}`,
			key, key, key, verdicts[id])
	}
	return rows
}

func classifyReq(fileID string) wrappers.ClassifyRequest {
	return wrappers.ClassifyRequest{
		Judge:           wrappers.Judge{Model: "judge/model", SystemTemplate: "Judge the answer to {{question}} ({{id}})."},
		Labels:          []string{"good", "bad"},
		PassLabels:      []string{"good"},
		ModelToEvaluate: wrappers.Column("answer"),
		InputFileID:     fileID,
	}
}

func scoreReq(fileID string) wrappers.ScoreRequest {
	return wrappers.ScoreRequest{
		Judge:           wrappers.Judge{Model: "judge/model", SystemTemplate: "Score the answer to {{question}} ({{id}})."},
		MinScore:        1,
		MaxScore:        10,
		PassThreshold:   7,
		ModelToEvaluate: wrappers.Column("answer"),
		InputFileID:     fileID,
	}
}

func compareReq(fileID string) wrappers.CompareRequest {
	return wrappers.CompareRequest{
		Judge:       wrappers.Judge{Model: "judge/model", SystemTemplate: "Compare the answers to {{question}} ({{id}})."},
		ModelA:      wrappers.Column("answer"),
		ModelB:      wrappers.Column("answer_b"),
		InputFileID: fileID,
	}
}

// rowsWith builds n input rows whose __judge values are given in order.
func rowsWith(extra string, verdicts ...string) []string {
	rows := make([]string, len(verdicts))
	for i, v := range verdicts {
		rows[i] = fmt.Sprintf(`{"id": "r%d", "question": "Question %d?", "answer": "Answer %d"%s, "__judge": %q}`, i+1, i+1, i+1, extra, v)
	}
	return rows
}

func repeat(v string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}
