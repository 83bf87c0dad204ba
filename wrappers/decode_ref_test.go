package wrappers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// How jobs were decoded before the one-pass decoder: encoding/json into the generated type, then a
// view copied out of it. FuzzDecodeJobMatchesReference and FuzzDecodeJobsMatchesReference hold
// decodeJob and decodeJobs to it.

func referenceNewJob(g *generated.EvaluationJob, raw json.RawMessage) *Job {
	j := &Job{
		ID:      g.WorkflowID,
		Type:    JobType(g.Type),
		Status:  Status(g.Status),
		Raw:     raw,
		results: g.Results,
	}
	if g.OwnerID != nil {
		j.OwnerID = *g.OwnerID
	}
	if g.CreatedAt != nil {
		j.CreatedAt = *g.CreatedAt
	}
	if g.UpdatedAt != nil {
		j.UpdatedAt = *g.UpdatedAt
	}
	if g.Parameters != nil && string(*g.Parameters) != "null" {
		j.Parameters = *g.Parameters
	}
	if g.StatusUpdates != nil {
		j.StatusUpdates = make([]StatusUpdate, len(*g.StatusUpdates))
		for i, u := range *g.StatusUpdates {
			if u.Status != nil {
				j.StatusUpdates[i].Status = Status(*u.Status)
			}
			if u.Message != nil {
				j.StatusUpdates[i].Message = *u.Message
			}
			if u.Timestamp != nil {
				j.StatusUpdates[i].Time = *u.Timestamp
			}
		}
	}
	return j
}

func referenceDecodeJob(body []byte) (*Job, error) {
	var g generated.EvaluationJob
	if err := json.Unmarshal(body, &g); err != nil {
		// The documented fallback: repair the job, decode it again, keep what was sent as Raw.
		fixed, notes, rerr := repairJob(body)
		if rerr != nil || len(notes) == 0 {
			return nil, err
		}
		var r generated.EvaluationJob
		if json.Unmarshal(fixed, &r) != nil {
			return nil, err
		}
		j := referenceNewJob(&r, body)
		j.warnings = &notes
		return j, nil
	}
	return referenceNewJob(&g, body), nil
}

func referenceDecodeJobs(body []byte) ([]*Job, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, err
	}
	jobs := make([]*Job, 0, len(raws))
	for i, raw := range raws {
		j, err := referenceDecodeJob(raw)
		if err != nil {
			return nil, fmt.Errorf("job %d: %w", i, err)
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// jobDiff describes how two views differ, or returns "". Times are compared by instant and
// offset, the rest exactly (nil and empty slices differ).
func jobDiff(got, want *Job) string {
	norm := func(j *Job) Job {
		c := *j
		at := func(t time.Time) time.Time {
			if t.IsZero() {
				return time.Time{}
			}
			_, off := t.Zone()
			return time.Unix(0, 0).Add(time.Duration(off) * time.Second).Add(time.Duration(t.UnixNano()))
		}
		c.CreatedAt, c.UpdatedAt = at(c.CreatedAt), at(c.UpdatedAt)
		if c.StatusUpdates != nil {
			c.StatusUpdates = append([]StatusUpdate{}, c.StatusUpdates...)
			for i := range c.StatusUpdates {
				c.StatusUpdates[i].Time = at(c.StatusUpdates[i].Time)
			}
		}
		return c
	}
	g, w := norm(got), norm(want)
	if !reflect.DeepEqual(g, w) {
		return fmt.Sprintf("got  %+v\n results %s\nwant %+v\n results %s", g, resultsString(g.results), w, resultsString(w.results))
	}
	return ""
}

func resultsString(r *generated.EvaluationResults) string {
	if r == nil {
		return "nil"
	}
	b, _ := json.Marshal(r)
	return string(b)
}

func checkJobMatchesReference(t *testing.T, body []byte) {
	t.Helper()
	got, err := decodeJob(body)
	want, wantErr := referenceDecodeJob(body)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q:\ndecodeJob error %v\nthe reference's %v", body, err, wantErr)
	}
	if err == nil {
		if d := jobDiff(got, want); d != "" {
			t.Fatalf("%q:\n%s", body, d)
		}
	}
}

func checkJobsMatchReference(t *testing.T, body []byte) {
	t.Helper()
	got, err := decodeJobs(body)
	want, wantErr := referenceDecodeJobs(body)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q:\ndecodeJobs error %v\nthe reference's %v", body, err, wantErr)
	}
	if err != nil {
		return
	}
	if len(got) != len(want) || got == nil {
		t.Fatalf("%q: %d jobs, the reference %d", body, len(got), len(want))
	}
	for i := range got {
		if d := jobDiff(got[i], want[i]); d != "" {
			t.Fatalf("%q: job %d:\n%s", body, i, d)
		}
	}
}

// jobSeeds are every job fixture and odd shapes of a job.
func jobSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, pattern := range []string{"testdata/documented_job.json", "testdata/responses/job_*.json", "testdata/invalid/job_*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			f.Fatalf("no fixtures for %s", pattern)
		}
		for _, name := range files {
			b, err := os.ReadFile(name) //nolint:gosec // test fixtures
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	for _, s := range []string{
		`{}`, `null`, `[]`, `1`, `{"workflow_id":"e"} x`, `{"workflow_id":"e"`,
		`{"WORKFLOW_ID":"e","Status_Updates":[{"STATUS":"queued"}],"Parameters":{"a":1},"RESULTS":{"Label_Counts":"{}"}}`,
		`{"workflow_id":"a","workflow_id":"b"}`,
		`{"status_updates":[{"status":"a","message":"m"}],"status_updates":[{"status":"b"}]}`,
		`{"parameters":{"a":1},"parameters":null}`, `{"parameters":null}`, `{"parameters":"x"}`,
		`{"results":{"label_counts":"{}","label_counts":null}}`, `{"results":null}`, `{"results":1}`,
		`{"results":{"label_counts":null,"pass_percentage":null,"A_wins":1e2}}`,
		`{"status_updates":null}`, `{"status_updates":[]}`, `{"status_updates":[null,{}]}`,
		`{"status_updates":[1]}`, `{"status_updates":{}}`, `{"status_updates":"x"}`,
		`{"status_updates":[{"status":"a","status":"b","message":null,"timestamp":null}]}`,
		`{"status_updates":[{"timestamp":"2025-07-23T17:10:04+02:00"},{"timestamp":"2025-07-23 17:10:04Z"}]}`,
		`{"created_at":"2025-07-23T17:10:04.837888-07:30","updated_at":null}`,
		`{"created_at":"2025-07-23T17:10:04Z","created_at":"2025-07-24T17:10:04Z"}`,
		"{\"owner_id\":\"\xff\xfe\",\"status_updates\":[{\"message\":\"a\xc3(\"}]}",
		`{"owner_id":"\ud800","type":"\u0063lassify"}`, `{"workflow_id":1}`, `{"status":null}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// FuzzDecodeJobMatchesReference holds decodeJob to encoding/json and the former view: the same
// view for every body that decodes, and an error for every body that does not.
func FuzzDecodeJobMatchesReference(f *testing.F) {
	for _, s := range jobSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkJobMatchesReference(t, body)
	})
}

// FuzzDecodeJobsMatchesReference does the same for lists, whose views slice their Raw from the
// body.
func FuzzDecodeJobsMatchesReference(f *testing.F) {
	for _, s := range jobSeeds(f) {
		f.Add(s)
		f.Add([]byte("[" + string(s) + "]"))
		f.Add([]byte("[ " + string(s) + " ,\n" + string(s) + "\t]"))
	}
	for _, s := range []string{`null`, `[]`, ` [ ] `, `[null]`, `[1]`, `{}`, `[{}] x`, `[{},]`, `[{}`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if strings.Count(string(body), "[") > 100 {
			return // deep nesting is the decoders' business, not the views'
		}
		checkJobsMatchReference(t, body)
	})
}
