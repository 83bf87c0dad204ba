package wrappers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// These tests run the client against the project's in-memory API (package api) on loopback, with
// response validation on, so every answer the client decodes is one the spec allows.

const integrationKey = "sk-integration-0123456789"

type apiEnv struct {
	srv    *api.Server
	http   *httptest.Server
	client *wrappers.Client
}

func newAPIEnv(t *testing.T, clientOpts ...wrappers.Option) *apiEnv {
	t.Helper()
	srv := api.New(api.WithPhaseDurations(5*time.Millisecond, 5*time.Millisecond, 20*time.Millisecond))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	opts := append([]wrappers.Option{
		wrappers.WithAPIKey(integrationKey),
		wrappers.WithBaseURL(hs.URL + "/v1"),
		wrappers.WithRetryWaitBounds(time.Millisecond, 20*time.Millisecond),
	}, clientOpts...)
	c, err := wrappers.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if v := srv.Violations(); len(v) > 0 {
			t.Errorf("the api sent answers the spec does not allow: %v", v)
		}
	})
	return &apiEnv{srv: srv, http: hs, client: c}
}

// upload stores a JSONL file with purpose eval through a plain multipart request.
func (e *apiEnv) upload(t *testing.T, name, content string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("purpose", "eval")
	_ = mw.WriteField("file_name", name)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.http.URL+"/v1/files/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+integrationKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var f struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&f) != nil || f.ID == "" {
		t.Fatalf("upload: status %d", resp.StatusCode)
	}
	return f.ID
}

const classifyRows = `{"prompt": "Is the sky blue?", "response": "Yes", "__judge": "yes"}
{"prompt": "Is water dry?", "response": "No", "__judge": "no"}
{"prompt": "Is fire hot?", "response": "Yes", "__judge": "yes"}
{"prompt": "Is ice hot?", "response": "Maybe", "__judge": "invalid"}
{"prompt": "Is 2 > 1?", "response": "Yes", "__judge": "yes"}
`

func classifyRequest(fileID string) wrappers.ClassifyRequest {
	return wrappers.ClassifyRequest{
		Judge:           wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: "Does the response answer {{prompt}}?"},
		Labels:          []string{"yes", "no"},
		PassLabels:      []string{"yes"},
		ModelToEvaluate: wrappers.Column("response"),
		InputFileID:     fileID,
	}
}

func fastWait() wrappers.WaitOptions {
	return wrappers.WaitOptions{FirstInterval: 2 * time.Millisecond, MaxInterval: 10 * time.Millisecond, Timeout: 10 * time.Second}
}

func TestAgainstAPIClassifyEndToEnd(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	fileID := env.upload(t, "rows.jsonl", classifyRows)

	created, err := env.client.Create(ctx, classifyRequest(fileID))
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != wrappers.StatusPending || created.ID == "" {
		t.Fatalf("created = %+v", created)
	}
	var seen []wrappers.Status
	opts := fastWait()
	opts.OnChange = func(s wrappers.Status) { seen = append(seen, s) }
	job, err := env.client.Wait(ctx, created.ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !job.Done() || !job.Succeeded() || job.Type != wrappers.TypeClassify {
		t.Fatalf("job %s: type %s status %s", job.ID, job.Type, job.Status)
	}
	if len(seen) == 0 || seen[len(seen)-1] != wrappers.StatusCompleted {
		t.Errorf("OnChange saw %v, want it to end with completed", seen)
	}
	counts, err := job.LabelCounts()
	if err != nil {
		t.Fatal(err)
	}
	if counts["yes"] != 3 || counts["no"] != 1 || len(counts) != 2 {
		t.Errorf("label counts = %v, want yes:3 no:1", counts)
	}
	res, err := job.ClassifyResults()
	if err != nil {
		t.Fatal(err)
	}
	if res.InvalidLabelCount != 1 || res.ResultFileID == "" {
		t.Errorf("classify results = %+v", res)
	}
	if pp, ok := job.PassPercentage(); !ok || pp != 75 {
		t.Errorf("pass percentage = %v, %v; want 75", pp, ok)
	}
	if got := job.PassLabels(); len(got) != 1 || got[0] != "yes" {
		t.Errorf("pass labels = %v", got)
	}

	// The light status endpoint agrees with the job.
	st, err := env.client.Status(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != wrappers.StatusCompleted {
		t.Errorf("status = %s", st.Status)
	}

	// The job is listed, newest first, and the status filter applies.
	jobs, err := env.client.List(ctx, wrappers.ListOptions{Status: wrappers.StatusCompleted, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].ID != created.ID {
		t.Errorf("list = %d jobs", len(jobs))
	}
	jobs, err = env.client.List(ctx, wrappers.ListOptions{Status: wrappers.StatusRunning})
	if err != nil || len(jobs) != 0 {
		t.Errorf("list running = %d jobs, %v", len(jobs), err)
	}
}

func TestAgainstAPIScoreAndCompare(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	judge := wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: "Judge {{prompt}}"}

	scoreFile := env.upload(t, "score.jsonl", `{"prompt": "a", "response": "x", "__judge": 8}
{"prompt": "b", "response": "y", "__judge": 4}
`)
	c, err := env.client.Create(ctx, wrappers.ScoreRequest{
		Judge: judge, MinScore: 1, MaxScore: 10, PassThreshold: 7,
		ModelToEvaluate: wrappers.Column("response"), InputFileID: scoreFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	job, err := env.client.Wait(ctx, c.ID, fastWait())
	if err != nil {
		t.Fatal(err)
	}
	sr, err := job.ScoreResults()
	if err != nil {
		t.Fatal(err)
	}
	if sr.MeanScore == nil || *sr.MeanScore != 6 || sr.PassPercentage == nil || *sr.PassPercentage != 50 {
		t.Errorf("score results = %+v", sr)
	}

	compareFile := env.upload(t, "compare.jsonl", `{"prompt": "a", "a": "x", "b": "y", "__judge": "A"}
{"prompt": "b", "a": "x", "b": "y", "__judge": "Tie"}
{"prompt": "c", "a": "x", "b": "y", "__judge": "A"}
`)
	c, err = env.client.Create(ctx, wrappers.CompareRequest{
		Judge: judge, ModelA: wrappers.Column("a"), ModelB: wrappers.Column("b"), InputFileID: compareFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	job, err = env.client.Wait(ctx, c.ID, fastWait())
	if err != nil {
		t.Fatal(err)
	}
	cr, err := job.CompareResults()
	if err != nil {
		t.Fatal(err)
	}
	if cr.AWins != 2 || cr.BWins != 0 || cr.Ties != 1 {
		t.Errorf("compare results = %+v", cr)
	}
}

func TestAgainstAPIFailedJobs(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	// An unused column ends the job in user_error, as the service does.
	fileID := env.upload(t, "extra.jsonl", `{"prompt": "a", "response": "x", "extra": 1}
`)
	c, err := env.client.Create(ctx, classifyRequest(fileID))
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.client.Wait(ctx, c.ID, fastWait())
	var failed *wrappers.JobFailedError
	if !errors.As(err, &failed) || !errors.Is(err, wrappers.ErrJobFailed) {
		t.Fatalf("err = %v, want a JobFailedError", err)
	}
	if failed.Job == nil || failed.Job.Status != wrappers.StatusUserError || !strings.Contains(failed.Message, "extra") {
		t.Errorf("failed = status %v message %q", failed.Status, failed.Message)
	}

	// A judge that is not available ends the job in error.
	fileID = env.upload(t, "ok.jsonl", classifyRows)
	req := classifyRequest(fileID)
	req.Judge.Model = "fail/judge"
	c, err = env.client.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.client.Wait(ctx, c.ID, fastWait())
	if !errors.As(err, &failed) || failed.Status != wrappers.StatusError {
		t.Fatalf("err = %v, want a failed job in status error", err)
	}
}

func TestAgainstAPIErrors(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()

	_, err := env.client.Retrieve(ctx, "eval-does-not-exist")
	var apiErr *wrappers.APIError
	if !errors.Is(err, wrappers.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("err = %v, want a 404 APIError", err)
	}

	// A hostile id reaches GET /evaluation/{id} as one segment and is simply not found.
	before := env.srv.Requests(api.OpGetEvaluation)
	_, err = env.client.Retrieve(ctx, "a/../../files/x")
	if !errors.Is(err, wrappers.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	if got := env.srv.Requests(api.OpGetEvaluation) - before; got != 1 {
		t.Errorf("GetEvaluation received %d requests, want 1", got)
	}

	// The server's own checks come back as an APIError naming the field.
	_, err = env.client.Create(ctx, classifyRequest("file-missing"))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Param, "input_data_file_path") {
		t.Fatalf("err = %v, want a 400 naming input_data_file_path", err)
	}

	// A key the server does not accept.
	srv := api.New(api.WithAPIKeys("the-right-key"))
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	c, err := wrappers.NewClient(wrappers.WithAPIKey(integrationKey), wrappers.WithBaseURL(hs.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Models(ctx, "")
	if !errors.Is(err, wrappers.ErrUnauthorized) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
	if strings.Contains(err.Error(), integrationKey) {
		t.Fatal("the key appears in the error")
	}
}

func TestAgainstAPIRetries(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	fileID := env.upload(t, "rows.jsonl", classifyRows)
	created, err := env.client.Create(ctx, classifyRequest(fileID))
	if err != nil {
		t.Fatal(err)
	}

	// Reads ride over 503 and 429 (default: 2 retries).
	env.srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Status: 503})
	env.srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Status: 429, RetryAfter: "0"})
	before := env.srv.Requests(api.OpGetEvaluation)
	if _, err := env.client.Retrieve(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if got := env.srv.Requests(api.OpGetEvaluation) - before; got != 3 {
		t.Errorf("GetEvaluation received %d requests, want 3", got)
	}

	// ... and over a dropped connection.
	env.srv.Faults().Inject(api.OpGetEvaluationStatus, 1, api.Fault{Drop: true})
	before = env.srv.Requests(api.OpGetEvaluationStatus)
	if _, err := env.client.Status(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if got := env.srv.Requests(api.OpGetEvaluationStatus) - before; got != 2 {
		t.Errorf("GetEvaluationStatus received %d requests, want 2", got)
	}

	// A create that reached the server is never sent twice: not on 500, not on a dropped connection.
	for _, fault := range []api.Fault{{Status: 500}, {Drop: true}, {Status: 503}} {
		env.srv.Faults().Inject(api.OpCreateEvaluation, 1, fault)
		before = env.srv.Requests(api.OpCreateEvaluation)
		if _, err := env.client.Create(ctx, classifyRequest(fileID)); !errors.Is(err, wrappers.ErrCreateOutcomeUnknown) {
			t.Errorf("fault %+v: create: %v, want ErrCreateOutcomeUnknown", fault, err)
		}
		if got := env.srv.Requests(api.OpCreateEvaluation) - before; got != 1 {
			t.Errorf("fault %+v: CreateEvaluation received %d requests, want 1", fault, got)
		}
	}

	// A 4xx says the service did not act: no doubt about the outcome.
	for _, status := range []int{400, 401, 404, 413} {
		env.srv.Faults().Inject(api.OpCreateEvaluation, 1, api.Fault{Status: status})
		if _, err := env.client.Create(ctx, classifyRequest(fileID)); err == nil || errors.Is(err, wrappers.ErrCreateOutcomeUnknown) {
			t.Errorf("create answered %d: %v, want an error without ErrCreateOutcomeUnknown", status, err)
		}
	}

	// A 429 on create means the server did not act: it is retried, and exactly one job results.
	jobsBefore, err := env.client.List(ctx, wrappers.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	env.srv.Faults().Inject(api.OpCreateEvaluation, 1, api.Fault{Status: 429, RetryAfter: "0"})
	before = env.srv.Requests(api.OpCreateEvaluation)
	if _, err := env.client.Create(ctx, classifyRequest(fileID)); err != nil {
		t.Fatal(err)
	}
	if got := env.srv.Requests(api.OpCreateEvaluation) - before; got != 2 {
		t.Errorf("CreateEvaluation received %d requests, want 2", got)
	}
	jobsAfter, err := env.client.List(ctx, wrappers.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobsAfter) != len(jobsBefore)+1 {
		t.Errorf("jobs went from %d to %d, want one more", len(jobsBefore), len(jobsAfter))
	}

	// A malformed body is an error, not a panic or a half-decoded job.
	env.srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Malformed: true})
	if _, err := env.client.Retrieve(ctx, created.ID); err == nil {
		t.Error("a truncated body decoded without error")
	}
}

// TestAgainstAPIAnswerCutOff: an answer whose connection is lost halfway through its body is
// retried like a lost connection, for every read whose answer is read whole; a file's content,
// which is streamed to the caller, and a create are sent once.
func TestAgainstAPIAnswerCutOff(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	fileID := env.upload(t, "rows.jsonl", classifyRows)
	created, err := env.client.Create(ctx, classifyRequest(fileID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.Wait(ctx, created.ID, fastWait()); err != nil {
		t.Fatal(err)
	}
	job, err := env.client.Retrieve(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	reads := []struct {
		op   string
		call func() error
	}{
		{api.OpGetEvaluation, func() error {
			j, err := env.client.Retrieve(ctx, created.ID)
			if err == nil && string(j.Raw) != string(job.Raw) {
				t.Errorf("Retrieve after a cut answer: %s, want %s", j.Raw, job.Raw)
			}
			return err
		}},
		{api.OpGetEvaluationStatus, func() error { _, err := env.client.Status(ctx, created.ID); return err }},
		{api.OpListEvaluations, func() error {
			jobs, err := env.client.List(ctx, wrappers.ListOptions{})
			if err == nil && len(jobs) != 1 {
				t.Errorf("List after a cut answer: %d jobs, want 1", len(jobs))
			}
			return err
		}},
		{api.OpListEvaluationModels, func() error { _, err := env.client.Models(ctx, ""); return err }},
		{api.OpGetFile, func() error { _, err := env.client.File(ctx, fileID); return err }},
	}
	for _, r := range reads {
		env.srv.Faults().Inject(r.op, 1, api.Fault{Cut: true})
		before := env.srv.Requests(r.op)
		if err := r.call(); err != nil {
			t.Errorf("%s: %v", r.op, err)
		}
		if got := env.srv.Requests(r.op) - before; got != 2 {
			t.Errorf("%s received %d requests, want 2", r.op, got)
		}
	}

	// Cut on every attempt: the error says what happened, after the retries.
	env.srv.Faults().Inject(api.OpGetEvaluation, 3, api.Fault{Cut: true})
	if _, err := env.client.Retrieve(ctx, created.ID); err == nil || !strings.Contains(err.Error(), "after 3 attempts") ||
		!strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("Retrieve cut three times: %v", err)
	}

	// A file's content is streamed as it arrives: the cut is the reader's error, and not retried.
	env.srv.Faults().Inject(api.OpGetFileContent, 1, api.Fault{Cut: true})
	before := env.srv.Requests(api.OpGetFileContent)
	if rc, err := env.client.FileContent(ctx, fileID); err != nil {
		t.Errorf("FileContent: %v", err)
	} else {
		_, err := io.ReadAll(rc)
		_ = rc.Close()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("reading a cut file: %v, want io.ErrUnexpectedEOF", err)
		}
	}
	if got := env.srv.Requests(api.OpGetFileContent) - before; got != 1 {
		t.Errorf("GetFileContent received %d requests, want 1", got)
	}

	// A create whose answer is cut created the job: it is not sent again, and the error says the
	// job may exist.
	env.srv.Faults().Inject(api.OpCreateEvaluation, 1, api.Fault{Cut: true})
	before = env.srv.Requests(api.OpCreateEvaluation)
	_, err = env.client.Create(ctx, classifyRequest(fileID))
	if !errors.Is(err, wrappers.ErrCreateOutcomeUnknown) {
		t.Errorf("Create with its answer cut: %v, want ErrCreateOutcomeUnknown", err)
	}
	if got := env.srv.Requests(api.OpCreateEvaluation) - before; got != 1 {
		t.Errorf("CreateEvaluation received %d requests, want 1", got)
	}
	if jobs, err := env.client.List(ctx, wrappers.ListOptions{}); err != nil || len(jobs) != 2 {
		t.Errorf("List: %d jobs, %v; want the job whose answer was cut there too", len(jobs), err)
	}
}

func TestAgainstAPIModels(t *testing.T) {
	env := newAPIEnv(t)
	all, err := env.client.Models(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	serverless, err := env.client.Models(context.Background(), wrappers.ModelSourceServerless)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || len(serverless) == 0 || len(serverless) > len(all) {
		t.Errorf("models: all %d, serverless %d", len(all), len(serverless))
	}
}

// TestAgainstAPIConcurrentReadsRideOverFaults: 16 goroutines share one client and read while
// faults of every retryable kind hit the server. Each round injects at most 2 faults per
// operation, so no call can meet more than its 2 retries: every call must succeed, and every
// fault must be used up.
func TestAgainstAPIConcurrentReadsRideOverFaults(t *testing.T) {
	env := newAPIEnv(t)
	ctx := context.Background()
	fileID := env.upload(t, "rows.jsonl", classifyRows)
	created, err := env.client.Create(ctx, classifyRequest(fileID))
	if err != nil {
		t.Fatal(err)
	}
	faults := []api.Fault{{Cut: true}, {Drop: true}, {Status: 503}, {Status: 429, RetryAfter: "0"}, {Status: 502}}
	ops := []string{api.OpGetEvaluation, api.OpGetEvaluationStatus, api.OpListEvaluations}
	for round := range 10 {
		for k, op := range ops {
			env.srv.Faults().Inject(op, 1, faults[(round+k)%len(faults)])
			env.srv.Faults().Inject(op, 1, faults[(round+k+2)%len(faults)])
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for g := range 16 {
			wg.Go(func() {
				var err error
				switch g % 3 {
				case 0:
					var j *wrappers.Job
					if j, err = env.client.Retrieve(ctx, created.ID); err == nil && len(j.StatusUpdates()) == 0 {
						err = errors.New("Retrieve: no status history")
					}
				case 1:
					_, err = env.client.Status(ctx, created.ID)
				default:
					var jobs []*wrappers.Job
					if jobs, err = env.client.List(ctx, wrappers.ListOptions{}); err == nil && len(jobs) != 1 {
						err = fmt.Errorf("List: %d jobs", len(jobs))
					}
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
		for _, op := range ops {
			if n := env.srv.Faults().Pending(op); n != 0 {
				t.Errorf("round %d: %d faults of %s left", round, n, op)
			}
		}
	}
}
