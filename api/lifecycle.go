package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/evalkit/together-evals/generated"
)

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

// newJobRecord is a new job, its phases laid out from now.
func newJobRecord(spec jobSpec, request, params json.RawMessage, owner string, now time.Time, cfg config) jobRecord {
	created := stamp(now)
	j := jobRecord{request: request, params: params, typ: spec.typ, inputID: spec.inputID, owner: owner, created: created}
	j.queuedAt = stamp(created.Add(cfg.pending))
	j.runningAt = stamp(j.queuedAt.Add(cfg.queued))
	j.endsAt = stamp(j.runningAt.Add(cfg.running))
	return j
}

// msgProgress is the status update of a running job whose rows are being judged.
const msgProgress = "Judged %d of %d rows"

// view is the job as it stands at now. Its phases follow from the time elapsed since it was
// created; it is shown ended once its running phase has passed on the clock and the runner has
// recorded its end, whichever comes later. While it runs, a second "running" update, stamped with
// the time of the read, says how many rows have been judged so far.
func (s *Server) view(j jobRecord, now time.Time) generated.EvaluationJob {
	status, updates := j.history(now)
	var results *generated.EvaluationResults
	ended := j.state == jobEnded
	if status == "" && ended && !now.Before(j.endedShown()) {
		status = j.end.status
		msg := msgCompleted
		if j.end.results.Error != nil {
			msg = msgFailed + *j.end.results.Error
		}
		updates = append(updates, update(string(status), msg, j.endedShown()))
		res := j.end.results
		results = &res
	} else if !ended && j.state == jobWaiting && (status == "" || status == generated.EvaluationStatusRunning) {
		// Its time has come but the runner has not taken it yet: it waits for a free slot.
		status = generated.EvaluationStatusQueued
		updates = updates[:2]
	} else if status == "" || status == generated.EvaluationStatusRunning {
		status = generated.EvaluationStatusRunning
		judged, total := j.end.judged, j.end.total
		if !ended {
			judged, total = 0, 0
			if p, ok := s.runner.progressOf(j.id); ok {
				judged, total = p.get()
			}
		}
		if total > 0 {
			// How far the runner has got, as of this read.
			updates = append(updates, update(string(status), fmt.Sprintf(msgProgress, judged, total), later(j.runningAt, stamp(now))))
		}
	}
	updated := *updates[len(updates)-1].Timestamp
	owner, params := ownerID(j.owner), j.params
	return generated.EvaluationJob{
		WorkflowID:    j.id,
		Type:          j.typ,
		OwnerID:       &owner,
		Status:        status,
		StatusUpdates: &updates,
		Parameters:    &params,
		CreatedAt:     &j.created,
		UpdatedAt:     &updated,
		Results:       results,
	}
}

// endedShown is when an ended job is shown ended: at the end of its running phase, or when the
// runner ended it if that was later.
func (j jobRecord) endedShown() time.Time { return later(j.endsAt, j.end.at) }

// history is the job's status at now by its phases, and the updates that led to it. An empty
// status means its running phase has passed.
func (j jobRecord) history(now time.Time) (generated.EvaluationStatus, []generated.StatusUpdate) {
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
