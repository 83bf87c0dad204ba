package wrappers_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/wrappers"
)

// TestNullsEverywhereDecode: a job whose optional fields are all null decodes; the views report
// absence instead of failing.
func TestNullsEverywhereDecode(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "../../testdata/responses/job_nulls.json"))
	job, err := newClient(t, s).Retrieve(ctxT(t), "eval-nulls")
	if err != nil {
		t.Fatal(err)
	}
	if !job.Succeeded() || job.OwnerID != "" || len(job.Parameters) > 0 && string(job.Parameters) != "null" {
		t.Errorf("job = %+v", job)
	}
	if _, err := job.LabelCounts(); err == nil {
		t.Error("LabelCounts of null: no error")
	} else {
		var re *wrappers.ResultError
		if !errors.As(err, &re) || re.Field != "results.label_counts" {
			t.Errorf("LabelCounts error = %v, want a ResultError naming results.label_counts", err)
		}
	}
	if _, ok := job.PassPercentage(); ok {
		t.Error("PassPercentage of null reported present")
	}
}

// TestFailedJobReasonNeverHoldsTheKey: a service that echoes the key into a failed job's reason
// does not get it into the errors the job's accessors return.
func TestFailedJobReasonNeverHoldsTheKey(t *testing.T) {
	body := `{"workflow_id":"eval-1","type":"classify","status":"error","results":{"error":"bad key ` + testKey + `"}}`
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, []byte(body)) })
	c := newClient(t, s)
	job, err := c.Retrieve(ctxT(t), "eval-1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = job.ClassifyResults()
	msg, _ := job.ErrorResult()
	if err == nil || strings.Contains(err.Error(), testKey) || strings.Contains(msg, testKey) {
		t.Errorf("error %v, reason %q", err, msg)
	}
}
