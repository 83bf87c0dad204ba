package wrappers_test

import (
	"errors"
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
