package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

type step struct {
	status  string
	message string
	at      time.Time
}

func history(j generated.EvaluationJob) []step {
	var out []step
	if j.StatusUpdates == nil {
		return nil
	}
	for _, u := range *j.StatusUpdates {
		out = append(out, step{*u.Status, *u.Message, *u.Timestamp})
	}
	return out
}

func TestLifecycleOnAFakeClock(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(10, twoColumns))
	e.clock.Advance(1500 * time.Microsecond) // created at a time with a fraction of a millisecond
	created := start.Add(1500 * time.Microsecond)
	id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))

	all := []step{
		{"pending", "Job is pending evaluation", created},
		{"queued", "Job is queued", created.Add(pendingFor)},
		{"running", "Job is running", created.Add(pendingFor + queuedFor)},
		{"completed", "Job completed", created.Add(lifetime)},
	}
	// While it runs, a second update says how far the runner got (here: done, as the test waits
	// for the runner before each read).
	progress := step{"running", "Judged 10 of 10 rows", time.Time{}} // stamped with the read's time
	checks := []struct {
		advance time.Duration
		status  generated.EvaluationStatus
		steps   int
	}{
		{0, "pending", 1},
		{pendingFor - time.Microsecond, "pending", 1},
		{time.Microsecond, "queued", 2},
		{queuedFor - time.Microsecond, "queued", 2},
		{time.Microsecond, "running", 4},
		{runningFor - time.Microsecond, "running", 4},
		{time.Microsecond, "completed", 4},
		{time.Hour, "completed", 4},
	}
	for _, c := range checks {
		e.clock.Advance(c.advance)
		j := e.job(id)
		if j.Status != c.status {
			t.Fatalf("at +%v: status %s, want %s", e.clock.Now().Sub(created), j.Status, c.status)
		}
		got := history(j)
		if len(got) != c.steps {
			t.Fatalf("at %s: %d status updates, want %d", c.status, len(got), c.steps)
		}
		want := all[:c.steps]
		if c.status == "running" {
			progress.at = e.clock.Now()
			want = append(all[:3:3], progress)
		}
		for i, s := range got {
			if s.status != want[i].status || s.message != want[i].message || !s.at.Equal(want[i].at) {
				t.Errorf("update %d: %+v, want %+v", i, s, want[i])
			}
		}
		if !j.CreatedAt.Equal(created) || !j.UpdatedAt.Equal(got[len(got)-1].at) {
			t.Errorf("created_at %v updated_at %v", j.CreatedAt, j.UpdatedAt)
		}
		if (j.Results != nil) != (c.status == "completed") {
			t.Errorf("at %s: results %v", c.status, j.Results)
		}
	}
}

func TestTimestampsAreUTCMicroseconds(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(2, twoColumns))
	e.clock.Set(time.Date(2025, 7, 23, 19, 10, 4, 837888999, time.FixedZone("CEST", 2*3600)))
	id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	_, _, b := e.request(http.MethodGet, "/evaluation/"+id, nil, "")
	if !strings.Contains(string(b), `"created_at":"2025-07-23T17:10:04.837888Z"`) {
		t.Errorf("created_at is not UTC to the microsecond: %s", b)
	}
}

func TestResultsAreComputedOnce(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(20, twoColumns))
	id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	first := e.finished(id)
	e.clock.Advance(time.Hour)
	again := e.job(id)
	if *first.Results.ResultFileID != *again.Results.ResultFileID {
		t.Errorf("result file changed: %s then %s", *first.Results.ResultFileID, *again.Results.ResultFileID)
	}
	if !again.UpdatedAt.Equal(start.Add(lifetime)) {
		t.Errorf("updated_at %v moves with the clock", again.UpdatedAt)
	}
	var rf generated.FileObject
	e.getJSON("/files/"+*first.Results.ResultFileID, &rf)
	if rf.Purpose != generated.FilePurposeEvalOutput || rf.FileType != generated.FileTypeJsonl || rf.CreatedAt != start.Add(lifetime).Unix() {
		t.Errorf("result file %+v", rf)
	}
}

func TestJobWithFailingJudgeEndsInError(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(3, twoColumns))
	req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"].(map[string]any)["model"] = "fail/judge-x"
	id := e.create(req)
	j := e.finished(id)
	wantFailed(t, j, generated.EvaluationStatusError, "judge model fail/judge-x is not available")

	var st generated.EvaluationStatusResponse
	e.getJSON("/evaluation/"+id+"/status", &st)
	if st.Status != generated.EvaluationStatusError || st.Results == nil || st.Results.Error == nil {
		t.Errorf("/status: %+v", st)
	}
}

func wantFailed(t *testing.T, j generated.EvaluationJob, status generated.EvaluationStatus, msg string) {
	t.Helper()
	if j.Status != status {
		t.Fatalf("status %s, want %s", j.Status, status)
	}
	r := j.Results
	if r == nil || r.Error == nil || *r.Error != msg {
		t.Fatalf("results %+v, want error %q", r, msg)
	}
	if r.ResultFileID != nil || r.LabelCounts != nil || r.JudgeFailCount != nil {
		t.Errorf("a failed job's results carry more than the error: %+v", r)
	}
	h := history(j)
	last := h[len(h)-1]
	if last.status != string(status) || last.message != "Job failed: "+msg {
		t.Errorf("last update %+v", last)
	}
}

func TestUnsupportedColumnsEndInUserError(t *testing.T) {
	e := newEnv(t)
	model := map[string]any{
		"model": "Qwen/Qwen3.5-9B", "max_tokens": 64, "temperature": 0.5,
		"system_template": "Context: {{ context }}", "input_template": "{{info.question}}", "model_source": "serverless",
	}
	cases := []struct {
		name  string
		rows  string
		setup func(req map[string]any)
		want  string // "" for completed
	}{
		{"all used", `{"prompt": "p", "response": "r"}`, nil, ""},
		{"extra columns", `{"prompt": "p", "response": "r", "zeta": 1, "extra": 2}`, nil, "Unsupported dataset column(s): extra, zeta"},
		{"extra in a later row", "{\"prompt\": \"p\", \"response\": \"r\"}\n{\"prompt\": \"p\", \"response\": \"r\", \"note\": \"n\"}", nil, "Unsupported dataset column(s): note"},
		{"image_data_urls and __judge are allowed", `{"prompt": "p", "response": "r", "image_data_urls": [], "__judge": "yes"}`, nil, ""},
		{"missing model column", `{"prompt": "p"}`, nil, "Missing dataset column(s): response"},
		{"missing template column", `{"response": "r"}`, nil, "Missing dataset column(s): prompt"},
		{
			"templates of a generating model use columns", `{"prompt": "p", "context": "c", "info": {"question": "q"}, "__judge": "yes"}`,
			func(req map[string]any) { params(req)["model_to_evaluate"] = model }, "",
		},
		{
			"a later row lacks a template's column", "{\"prompt\": \"p\", \"response\": \"r\"}\n{\"response\": \"r\"}", nil,
			"Row 2: {{prompt}} reads prompt, which the row does not have in parameters.judge.system_template",
		},
		{
			"a row lacks a nested part", "{\"prompt\": \"p\", \"context\": \"c\", \"info\": {\"question\": \"q\"}}\n{\"prompt\": \"p\", \"context\": \"c\", \"info\": {\"q\": 1}}",
			func(req map[string]any) { params(req)["model_to_evaluate"] = model },
			"Row 2: {{info.question}} reads info.question, which the row does not have in parameters.model_to_evaluate.input_template",
		},
		{
			"no model column", `{"prompt": "p", "response": "r"}`,
			func(req map[string]any) { delete(params(req), "model_to_evaluate") }, "Unsupported dataset column(s): response",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := e.upload(tc.rows + "\n")
			req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
			if tc.setup != nil {
				tc.setup(req)
			}
			j := e.finished(e.create(req))
			if tc.want == "" {
				if j.Status != generated.EvaluationStatusCompleted {
					t.Fatalf("status %s: %+v", j.Status, j.Results)
				}
				return
			}
			wantFailed(t, j, generated.EvaluationStatusUserError, tc.want)
		})
	}
}

func TestZeroPhaseDurationsEndAtOnce(t *testing.T) {
	e := newEnv(t, api.WithPhaseDurations(0, 0, 0))
	f := e.upload(rows(3, twoColumns))
	j := e.job(e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})))
	if j.Status != generated.EvaluationStatusCompleted || len(history(j)) != 4 {
		t.Errorf("%s with %d updates", j.Status, len(history(j)))
	}
}
