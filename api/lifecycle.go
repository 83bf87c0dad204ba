package api

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// job is an evaluation job. Everything but end is fixed at creation; end is computed once, when a
// read first finds the job past its running phase.
type job struct {
	id      string
	seq     int
	owner   string
	spec    jobSpec
	params  json.RawMessage
	input   *storedFile
	created time.Time
	// the moments the job becomes queued, running, and ends
	queuedAt, runningAt, endsAt time.Time

	once sync.Once
	end  jobEnd
}

// jobEnd is how a job ended.
type jobEnd struct {
	status  generated.EvaluationStatus
	results generated.EvaluationResults
}

// Status update messages, as the service writes them.
const (
	msgPending   = "Job is pending evaluation"
	msgQueued    = "Job is queued"
	msgRunning   = "Job is running"
	msgCompleted = "Job completed"
	msgFailed    = "Job failed: "
)

// failJudgePrefix makes a job end in `error`: a judge model named "fail/..." always fails.
const failJudgePrefix = "fail/"

func newJob(spec jobSpec, params json.RawMessage, input *storedFile, owner string, now time.Time, cfg config) *job {
	created := stamp(now)
	j := &job{spec: spec, params: params, input: input, owner: owner, created: created}
	j.queuedAt = stamp(created.Add(cfg.pending))
	j.runningAt = stamp(j.queuedAt.Add(cfg.queued))
	j.endsAt = stamp(j.runningAt.Add(cfg.running))
	return j
}

// view is the job as it stands at now: its status and history follow from the time elapsed since
// it was created; once it has ended, its results.
func (s *Server) view(j *job, now time.Time) generated.EvaluationJob {
	status, updates := j.history(now)
	var results *generated.EvaluationResults
	if status == "" {
		end := s.finish(j)
		status = end.status
		msg := msgCompleted
		if end.results.Error != nil {
			msg = msgFailed + *end.results.Error
		}
		updates = append(updates, update(string(status), msg, j.endsAt))
		results = &end.results
	}
	updated := *updates[len(updates)-1].Timestamp
	owner, params := j.owner, j.params
	return generated.EvaluationJob{
		WorkflowID:    j.id,
		Type:          j.spec.typ,
		OwnerID:       &owner,
		Status:        status,
		StatusUpdates: &updates,
		Parameters:    &params,
		CreatedAt:     &j.created,
		UpdatedAt:     &updated,
		Results:       results,
	}
}

// history is the job's status at now and the updates that led to it. An empty status means the
// job has ended: the caller finishes it.
func (j *job) history(now time.Time) (generated.EvaluationStatus, []generated.StatusUpdate) {
	updates := []generated.StatusUpdate{update(string(generated.EvaluationStatusPending), msgPending, j.created)}
	if now.Before(j.queuedAt) {
		return generated.EvaluationStatusPending, updates
	}
	updates = append(updates, update(string(generated.EvaluationStatusQueued), msgQueued, j.queuedAt))
	if now.Before(j.runningAt) {
		return generated.EvaluationStatusQueued, updates
	}
	updates = append(updates, update(string(generated.EvaluationStatusRunning), msgRunning, j.runningAt))
	if now.Before(j.endsAt) {
		return generated.EvaluationStatusRunning, updates
	}
	return "", updates
}

func update(status, message string, at time.Time) generated.StatusUpdate {
	return generated.StatusUpdate{Status: &status, Message: &message, Timestamp: &at}
}

// finish computes how the job ended, once: the stand-in judge goes over the input file, the result
// file is stored, and the results are kept.
func (s *Server) finish(j *job) jobEnd {
	j.once.Do(func() { j.end = s.run(j) })
	return j.end
}

func (s *Server) run(j *job) jobEnd {
	failed := func(status generated.EvaluationStatus, msg string) jobEnd {
		return jobEnd{status: status, results: generated.EvaluationResults{Error: &msg}}
	}
	if strings.HasPrefix(j.spec.judge.Model, failJudgePrefix) {
		return failed(generated.EvaluationStatusError, "judge model "+j.spec.judge.Model+" is not available")
	}
	rows, err := parseRows(j.input.data)
	if err != nil {
		// Uploads are checked, so this is a bug; the job fails rather than the request.
		return failed(generated.EvaluationStatusError, "cannot read the input file: "+err.Error())
	}
	if problem := columnProblem(j.spec, rows); problem != "" {
		return failed(generated.EvaluationStatusUserError, problem)
	}
	t := newTally(j.spec)
	var out bytes.Buffer
	for _, row := range rows {
		v := s.cfg.judge.judgeRow(context.Background(), j.spec, row)
		t.add(v)
		line, err := encodeRow(row.members, resultFields(j.spec, row, v))
		if err != nil {
			return failed(generated.EvaluationStatusError, "cannot write the result file: "+err.Error())
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	file := s.store.addFile(&storedFile{
		name:     j.id + "-results.jsonl",
		purpose:  generated.FilePurposeEvalOutput,
		fileType: generated.FileTypeJsonl,
		created:  j.endsAt,
		data:     out.Bytes(),
	})
	return jobEnd{status: generated.EvaluationStatusCompleted, results: t.results(file.id)}
}
