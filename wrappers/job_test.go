package wrappers_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/wrappers"
)

// retrieveFixture serves a job fixture and retrieves it.
func retrieveFixture(t *testing.T, name string) *wrappers.Job {
	t.Helper()
	s := newServer(t, serveFixture(t, 200, name))
	job, err := newClient(t, s).Retrieve(ctxT(t), "eval-7c1d2e3f")
	if err != nil {
		t.Fatalf("Retrieve(%s): %v", name, err)
	}
	return job
}

func TestEveryResponseFixtureDecodes(t *testing.T) {
	files, err := filepath.Glob("testdata/responses/*.json")
	if err != nil || len(files) == 0 {
		t.Fatal("no fixtures", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(f) //nolint:gosec // test fixtures
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasPrefix(name, "job_"):
				job := retrieveFixture(t, "responses/"+name)
				if job.ID == "" || job.Type == "" || job.Status == "" || string(job.Raw) != string(body) {
					t.Errorf("job = %+v", job)
				}
				if job.HasResults() {
					if _, err := job.Results(); err != nil {
						t.Errorf("Results(): %v", err)
					}
				}
			case strings.HasPrefix(name, "status_"):
				s := newServer(t, serveFixture(t, 200, "responses/"+name))
				st, err := newClient(t, s).Status(ctxT(t), "eval-1")
				if err != nil || st.Status == "" {
					t.Fatalf("Status() = %+v, %v", st, err)
				}
			case strings.HasPrefix(name, "list"):
				s := newServer(t, serveFixture(t, 200, "responses/"+name))
				if _, err := newClient(t, s).List(ctxT(t), wrappers.ListOptions{}); err != nil {
					t.Fatal(err)
				}
			case name == "models.json":
				s := newServer(t, serveFixture(t, 200, "responses/"+name))
				if m, err := newClient(t, s).Models(ctxT(t), ""); err != nil || len(m) != 3 {
					t.Fatalf("Models() = %v, %v", m, err)
				}
			case name == "create.json":
				s := newServer(t, serveFixture(t, 200, "responses/"+name))
				if _, err := newClient(t, s).Create(ctxT(t), createReq()); err != nil {
					t.Fatal(err)
				}
			case strings.HasPrefix(name, "error_"):
				s := newServer(t, serveFixture(t, 400, "responses/"+name))
				_, err := newClient(t, s).Retrieve(ctxT(t), "eval-1")
				var ae *wrappers.APIError
				if !errors.As(err, &ae) || ae.Message == "" || ae.Type == "" {
					t.Fatalf("error = %#v", err)
				}
			case name == "file.json":
				// A file object: decoded by the files code, not by an evaluation call.
			default:
				t.Fatalf("fixture %s is not covered", name)
			}
		})
	}
}

func TestClassifyResultsWithFloatAndNullCounts(t *testing.T) {
	job := retrieveFixture(t, "responses/job_counts_float_null.json")
	res, err := job.ClassifyResults()
	if err != nil {
		t.Fatal(err)
	}
	want := &wrappers.ClassifyResults{
		CommonResults: wrappers.CommonResults{
			ResultFileID: "file-res-3", GenerationFailCount: 0, JudgeFailCount: 0,
			Absent: []string{"judge_fail_count"},
		},
		LabelCounts:       map[string]int{"yes": 10, "no": 3},
		LabelCountsRaw:    `{"yes": 10.0, "no": 3}`,
		InvalidLabelCount: 2,
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("ClassifyResults() =\n %+v\nwant\n %+v", res, want)
	}
	if !res.IsAbsent("judge_fail_count") || res.IsAbsent("generation_fail_count") {
		t.Error("IsAbsent is wrong")
	}
	if _, ok := job.PassPercentage(); ok {
		t.Error("a null pass_percentage is present")
	}
	if got := job.PassLabels(); !reflect.DeepEqual(got, []string{"yes"}) {
		t.Errorf("PassLabels() = %v", got)
	}
	if got := job.Labels(); !reflect.DeepEqual(got, []string{"yes", "no"}) {
		t.Errorf("Labels() = %v", got)
	}
}

func TestLabelCountsObjectForm(t *testing.T) {
	job := retrieveFixture(t, "responses/job_label_counts_object.json")
	counts, err := job.LabelCounts()
	if err != nil || !reflect.DeepEqual(counts, map[string]int{"yes": 3, "no": 1}) {
		t.Errorf("LabelCounts() = %v, %v", counts, err)
	}
	raw, ok := job.RawLabelCounts()
	if !ok || !strings.Contains(raw, `"yes": 3`) {
		t.Errorf("RawLabelCounts() = %q", raw)
	}
}

func TestScoreResults(t *testing.T) {
	job := retrieveFixture(t, "responses/job_score.json")
	res, err := job.ScoreResults()
	if err != nil {
		t.Fatal(err)
	}
	if *res.MeanScore != 7.25 || *res.StdScore != 1.5 || *res.PassPercentage != 62.5 || res.InvalidScoreCount != 0 ||
		res.FailedSamples != 1 || res.JudgeFailCount != 1 || res.ResultFileID != "file-res-1" || len(res.Absent) != 0 {
		t.Errorf("ScoreResults() = %+v", res)
	}
	if p, ok := job.PassPercentage(); !ok || p != 62.5 {
		t.Errorf("PassPercentage() = %v, %v", p, ok)
	}
	if r, err := job.Results(); err != nil || r.(*wrappers.ScoreResults).FailedSamples != 1 {
		t.Errorf("Results() = %#v, %v", r, err)
	}
	if _, err := job.ClassifyResults(); !errors.Is(err, wrappers.ErrWrongJobType) {
		t.Errorf("ClassifyResults() of a score job: %v", err)
	}
	if _, err := job.LabelCounts(); !errors.Is(err, wrappers.ErrWrongJobType) || !strings.Contains(err.Error(), "is a score job, not classify") {
		t.Errorf("LabelCounts() of a score job: %v, want ErrWrongJobType", err)
	}
	req, err := job.Request()
	if err != nil {
		t.Fatal(err)
	}
	if sr := req.(*wrappers.ScoreRequest); sr.MinScore != 1 || sr.MaxScore != 10 || sr.PassThreshold != 7 {
		t.Errorf("Request() = %+v", sr)
	}
}

func TestCompareResults(t *testing.T) {
	for _, tc := range []struct {
		fixture    string
		numSamples int
		absent     []string
	}{
		{"job_compare.json", 0, []string{"generation_fail_count", "num_samples"}},
		{"job_compare_num_samples.json", 10, []string{"generation_fail_count", "judge_fail_count"}},
	} {
		job := retrieveFixture(t, "responses/"+tc.fixture)
		res, err := job.CompareResults()
		if err != nil {
			t.Fatal(err)
		}
		if res.AWins != 6 || res.BWins != 3 || res.Ties != 1 || res.NumSamples != tc.numSamples ||
			res.ResultFileID != "file-res-2" || !reflect.DeepEqual(res.Absent, tc.absent) {
			t.Errorf("%s: CompareResults() = %+v", tc.fixture, res)
		}
	}
	job := retrieveFixture(t, "responses/job_compare.json")
	if _, err := job.LabelCounts(); !errors.Is(err, wrappers.ErrWrongJobType) {
		t.Errorf("LabelCounts() of a compare job: %v, want ErrWrongJobType", err)
	}
	if _, err := job.LabelCountsOrdered(); !errors.Is(err, wrappers.ErrWrongJobType) {
		t.Errorf("LabelCountsOrdered() of a compare job: %v, want ErrWrongJobType", err)
	}
	req, err := job.Request()
	if err != nil {
		t.Fatal(err)
	}
	cr := req.(*wrappers.CompareRequest)
	if cr.ModelA != wrappers.Column("response_a") || cr.ModelB != wrappers.Column("response_b") {
		t.Errorf("Request() = %+v", cr)
	}
}

func TestFailedJobs(t *testing.T) {
	for _, tc := range []struct {
		fixture, msg string
		status       wrappers.Status
	}{
		{"job_failed.json", "judge model openai/gpt-oss-120b is not available", wrappers.StatusError},
		{"job_user_error.json", "Unsupported dataset column(s): extra", wrappers.StatusUserError},
	} {
		job := retrieveFixture(t, "responses/"+tc.fixture)
		if !job.Done() || job.Succeeded() || job.Status != tc.status {
			t.Errorf("%s: status %s", tc.fixture, job.Status)
		}
		if msg, ok := job.ErrorResult(); !ok || msg != tc.msg {
			t.Errorf("ErrorResult() = %q, %v", msg, ok)
		}
		r, err := job.Results()
		if er, ok := r.(*wrappers.ErrorResults); err != nil || !ok || er.Message != tc.msg {
			t.Errorf("Results() = %#v, %v", r, err)
		}
		_, err = job.ClassifyResults()
		var jf *wrappers.JobFailedError
		if !errors.As(err, &jf) || jf.Message != tc.msg || jf.Job != job || !errors.Is(err, wrappers.ErrJobFailed) {
			t.Errorf("ClassifyResults() error = %v", err)
		}
		if _, err := job.LabelCounts(); !errors.As(err, &jf) || jf.Message != tc.msg {
			t.Errorf("LabelCounts() of a failed job: %v, want a JobFailedError", err)
		}
	}
}

func TestJobsWithoutResults(t *testing.T) {
	for _, name := range []string{"job_running.json", "job_pending_no_results.json", "job_minimal.json"} {
		job := retrieveFixture(t, "responses/"+name)
		if job.Done() || job.HasResults() {
			t.Errorf("%s: done %v, results %v", name, job.Done(), job.HasResults())
		}
		for _, call := range []func() error{
			func() error { _, err := job.Results(); return err },
			func() error { _, err := job.ClassifyResults(); return err },
			func() error { _, err := job.ScoreResults(); return err },
			func() error { _, err := job.CompareResults(); return err },
			func() error { _, err := job.LabelCounts(); return err },
			func() error { _, err := job.LabelCountsOrdered(); return err },
		} {
			if err := call(); !errors.Is(err, wrappers.ErrNoResults) {
				t.Errorf("%s: error = %v, want ErrNoResults", name, err)
			}
		}
	}
	job := retrieveFixture(t, "responses/job_minimal.json")
	if job.Parameters != nil || job.StatusUpdates() != nil || !job.CreatedAt.IsZero() || job.OwnerID != "" {
		t.Errorf("minimal job = %+v", job)
	}
	if _, err := job.Request(); err == nil {
		t.Error("Request() without parameters succeeded")
	}
}

func TestUnknownFieldsStatusesAndTypes(t *testing.T) {
	job := retrieveFixture(t, "responses/job_extra_fields.json")
	if counts, err := job.LabelCounts(); err != nil || counts["yes"] != 1 {
		t.Errorf("LabelCounts() = %v, %v", counts, err)
	}
	mustContain(t, string(job.Raw), `"region": "us-east-1"`)

	job = retrieveFixture(t, "invalid/job_status_outside_enum.json")
	if job.Status != "exploded" || job.Done() || job.Succeeded() || job.Status.Known() {
		t.Errorf("an unknown status: %+v", job)
	}

	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, []byte(`{"workflow_id":"e","type":"rank","status":"completed","results":{"A_wins":2,"B_wins":1,"Ties":0,"top_k":3}}`))
	})
	job, err := newClient(t, s).Retrieve(ctxT(t), "e")
	if err != nil {
		t.Fatal(err)
	}
	r, err := job.Results()
	if cr, ok := r.(*wrappers.CompareResults); err != nil || !ok || cr.AWins != 2 {
		t.Errorf("an unknown type's results = %#v, %v", r, err)
	}
	if _, err := job.ClassifyResults(); err != nil {
		t.Errorf("a job of unknown type refuses ClassifyResults: %v", err)
	}
}

func TestMalformedCountsFailTheAccessorNotRetrieve(t *testing.T) {
	job := retrieveFixture(t, "invalid/job_negative_count.json")
	res, err := job.ClassifyResults()
	var re *wrappers.ResultError
	if !errors.As(err, &re) || re.Field != "results.judge_fail_count" || re.Problem != "count -1 is negative" {
		t.Fatalf("error = %v", err)
	}
	if res == nil || res.LabelCounts["yes"] != 10 {
		t.Errorf("the fields that decoded are lost: %+v", res)
	}

	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, []byte(`{"workflow_id":"e","type":"classify","status":"completed",
			"results":{"invalid_label_count":1.5,"label_counts":"{\"yes\": 2.5}"}}`))
	})
	job, err = newClient(t, s).Retrieve(ctxT(t), "e")
	if err != nil {
		t.Fatalf("a malformed label_counts failed Retrieve: %v", err)
	}
	_, err = job.LabelCounts()
	if !errors.As(err, &re) || err.Error() != `wrappers: results.label_counts: label "yes": count 2.5 is not a whole number` {
		t.Errorf("LabelCounts() error = %v", err)
	}
	_, err = job.ClassifyResults()
	got := err.Error()
	mustContain(t, got, "wrappers: results.invalid_label_count: count 1.5 is not a whole number")
	mustContain(t, got, "results.label_counts")
	if raw, ok := job.RawLabelCounts(); !ok || raw != `{"yes": 2.5}` {
		t.Errorf("RawLabelCounts() = %q, %v", raw, ok)
	}
}

// TestJobsThatBreakTheSpecAreRepaired: a job with a field the spec does not allow decodes, with a
// warning naming the field; Raw stays what was sent. A body that is not a job object still fails.
func TestJobsThatBreakTheSpecAreRepaired(t *testing.T) {
	for name, field := range map[string]string{
		"invalid/job_workflow_id_number.json": "workflow_id",
		"invalid/job_bad_timestamp.json":      "created_at",
	} {
		s := newServer(t, serveFixture(t, 200, name))
		job, err := newClient(t, s).Retrieve(ctxT(t), "eval-1234aedf")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(job.Warnings()) != 1 || !strings.HasPrefix(job.Warnings()[0], field+": ") {
			t.Errorf("%s: warnings = %q, want one naming %s", name, job.Warnings(), field)
		}
		if counts, err := job.LabelCounts(); err != nil || counts["yes"] != 10 {
			t.Errorf("%s: label counts %v, %v", name, counts, err)
		}
		if !bytes.Equal(job.Raw, fixture(t, name)) {
			t.Errorf("%s: Raw is not the body as sent", name)
		}
	}

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/status"):
			_, _ = w.Write([]byte(`{"status":"error","results":{"error":{"message":"judge down"}}}`))
		case r.URL.Path == "/v1/evaluation":
			_, _ = w.Write([]byte(`[{"workflow_id":"a","type":"score","status":"queued"},` +
				`{"workflow_id":"b","type":"score","status":"completed","created_at":"2025-07-23 17:10:04",` +
				`"results":{"failed_samples":"2"}}]`))
		default:
			_, _ = w.Write([]byte(`[1]`))
		}
	})
	c := newClient(t, s)
	st, err := c.Status(ctxT(t), "eval-1")
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := st.ErrorResult(); !ok || msg != "judge down" || len(st.Warnings()) != 1 {
		t.Errorf("status error %q, %v; warnings %q", msg, ok, st.Warnings())
	}
	jobs, err := c.List(ctxT(t), wrappers.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Warnings() != nil || len(jobs[1].Warnings()) != 2 || jobs[1].CreatedAt.IsZero() {
		t.Fatalf("jobs = %+v", jobs)
	}
	if r, err := jobs[1].ScoreResults(); err != nil || r.FailedSamples != 2 {
		t.Errorf("score results %+v, %v", r, err)
	}
	if _, err := c.Retrieve(ctxT(t), "eval-1"); !errors.Is(err, wrappers.ErrNotEvaluationsAPI) {
		t.Errorf("an array for a job: error %v, want one matching ErrNotEvaluationsAPI", err)
	} else {
		mustContain(t, err.Error(), "GET /evaluation/eval-1 got 200 OK with JSON that is an array, where the API sends an object")
	}
}

func TestStatusInference(t *testing.T) {
	for _, tc := range []struct {
		body, want string
	}{
		{`{"status":"completed","results":{"label_counts":"{}"}}`, "*wrappers.ClassifyResults"},
		{`{"status":"completed","results":{"invalid_label_count":0}}`, "*wrappers.ClassifyResults"},
		{`{"status":"completed","results":{"aggregated_scores":{"mean_score":1}}}`, "*wrappers.ScoreResults"},
		{`{"status":"completed","results":{"failed_samples":0}}`, "*wrappers.ScoreResults"},
		{`{"status":"completed","results":{"Ties":0}}`, "*wrappers.CompareResults"},
		{`{"status":"completed","results":{"num_samples":4}}`, "*wrappers.CompareResults"},
		{`{"status":"error","results":{"error":"boom","A_wins":1}}`, "*wrappers.ErrorResults"},
		{`{"status":"completed","results":{"result_file_id":"f","judge_fail_count":1}}`, "*wrappers.UnknownResults"},
		{`{"status":"completed","results":{"label_counts":null,"invalid_label_count":null,"pass_percentage":null}}`, "*wrappers.UnknownResults"},
	} {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, []byte(tc.body)) })
		st, err := newClient(t, s).Status(ctxT(t), "e")
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.Results()
		if got := fmt.Sprintf("%T", r); err != nil || got != tc.want {
			t.Errorf("%s: Results() = %s, %v; want %s", tc.body, got, err, tc.want)
		}
	}
}

func TestLabelCountsOrderedUsesTheJobLabels(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, []byte(`{"workflow_id":"e","type":"classify","status":"completed",
			"parameters":{"labels":["bad","ok","good"],"pass_labels":["good"]},
			"results":{"label_counts":"{\"good\": 5, \"bad\": 1, \"weird\": 2, \"odd\": 2}"}}`))
	})
	job, err := newClient(t, s).Retrieve(ctxT(t), "e")
	if err != nil {
		t.Fatal(err)
	}
	got, err := job.LabelCountsOrdered()
	want := []wrappers.LabelCount{{Label: "bad", Count: 1}, {Label: "ok"}, {Label: "good", Count: 5}, {Label: "odd", Count: 2}, {Label: "weird", Count: 2}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("LabelCountsOrdered() = %v, %v; want %v", got, err, want)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	for name, req := range fixtureRequests() {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				body := `{"workflow_id":"e","type":"` + string(req.Type()) + `","status":"pending","parameters":` +
					string(mustParams(t, "requests/"+name)) + `}`
				writeJSON(w, 200, []byte(body))
			})
			job, err := newClient(t, s).Retrieve(ctxT(t), "e")
			if err != nil {
				t.Fatal(err)
			}
			got, err := job.Request()
			if err != nil {
				t.Fatal(err)
			}
			// The service echoes the defaults it applied; compare after applying them here too.
			if fmt.Sprintf("%#v", normalize(got)) != fmt.Sprintf("%#v", normalize(req)) {
				t.Errorf("Request() =\n %#v\nwant\n %#v", normalize(got), normalize(req))
			}
		})
	}
}
