package wrappers

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/evalkit/together-evals/generated"
)

// Status is where a job is in its life. Statuses this package does not know decode as they are;
// they are not terminal.
type Status string

// The statuses of the API (the spec's EvaluationStatus enum). Completed, Error and UserError are
// terminal.
const (
	StatusPending   = Status(generated.EvaluationStatusPending)
	StatusQueued    = Status(generated.EvaluationStatusQueued)
	StatusRunning   = Status(generated.EvaluationStatusRunning)
	StatusCompleted = Status(generated.EvaluationStatusCompleted)
	StatusError     = Status(generated.EvaluationStatusError)
	StatusUserError = Status(generated.EvaluationStatusUserError)
)

// Done reports whether s is terminal: completed, error or user_error. It is false for a status this
// package does not know.
func (s Status) Done() bool { return s == StatusCompleted || s.Failed() }

// Succeeded reports whether s is completed.
func (s Status) Succeeded() bool { return s == StatusCompleted }

// Failed reports whether s is error or user_error (the job failed on its input).
func (s Status) Failed() bool { return s == StatusError || s == StatusUserError }

// Known reports whether s is one of the statuses above.
func (s Status) Known() bool { return generated.EvaluationStatus(s).Valid() }

// JobType is the kind of evaluation. Types this package does not know decode as they are.
type JobType string

// The job types of the API (the spec's EvaluationType enum).
const (
	TypeClassify = JobType(generated.EvaluationTypeClassify)
	TypeScore    = JobType(generated.EvaluationTypeScore)
	TypeCompare  = JobType(generated.EvaluationTypeCompare)
)

// StatusUpdate is one change in a job's status history.
type StatusUpdate struct {
	Status  Status
	Message string
	// Time is when it happened; zero if the service did not say.
	Time time.Time
}

// Job is an evaluation job as returned by [Client.Retrieve] and [Client.List]. Its results are
// read through typed accessors chosen by its type ([Job.ClassifyResults], [Job.ScoreResults],
// [Job.CompareResults], [Job.ErrorResult], or [Job.Results] for whichever applies). Its methods
// are safe for concurrent use. Use it through the *Job the client returns: a Job must not be
// copied (go vet says so), since it caches its decoded status history.
type Job struct {
	// ID is the job's id (its workflow_id).
	ID string
	// Type is classify, score or compare.
	Type JobType
	// Status is where the job is; see [Status.Done].
	Status Status
	// OwnerID is the owner's id, where the service shows it.
	OwnerID string
	// CreatedAt and UpdatedAt are zero if the service did not send them.
	CreatedAt, UpdatedAt time.Time
	// Parameters is the parameters object the job was created with, as sent by the service (nil
	// if absent). [Job.Request] decodes it.
	Parameters json.RawMessage
	// Raw is the whole job as the service sent it, unknown fields included.
	//
	// Raw and Parameters are slices of the answer's body, not copies: treat them as read-only
	// (the status history, decoded on first use, is read from the same body). A job from
	// [Client.List] therefore keeps the whole list's answer in memory while it is kept; to keep
	// little of a large list, keep what you need from it (IDs, statuses) rather than the jobs.
	Raw json.RawMessage
	// warnings, if not nil, points at what was repaired; see [Job.Warnings]. A pointer keeps the
	// view small on the fast path, where it is always nil.
	warnings *[]string
	// history is status_updates as sent (checked when the job was decoded), or nil; updates
	// points at its decoded form once [Job.StatusUpdates] has made it (or at once, when the job
	// was decoded with its history).
	history json.RawMessage
	updates atomic.Pointer[[]StatusUpdate]

	results *generated.EvaluationResults
}

// StatusUpdates returns the status history, oldest first, or nil where the service does not show
// it. It was checked when the job was decoded (an answer with a malformed history is repaired or
// fails then, as any other field), and is decoded on the first call: a list of jobs decodes about
// twice as fast when histories are not read. It is safe for concurrent use. The slice is shared by
// every call and caller; treat it as read-only.
func (j *Job) StatusUpdates() []StatusUpdate {
	if u := j.updates.Load(); u != nil {
		return *u
	}
	if j.history == nil {
		return nil
	}
	h, ok := decodeCheckedHistory(j.history)
	if !ok {
		// Unreachable (the history passed checkHistory): the eager path's decoder, which
		// cannot fail on it either.
		if err := jsonv2.Unmarshal(j.history, &h, decodeOptions); err != nil {
			return nil
		}
	}
	u := []StatusUpdate(h)
	j.updates.CompareAndSwap(nil, &u)
	return *j.updates.Load()
}

// Warnings is nil for a job that matches the spec. For one that does not (a time stamp without
// a zone, a count sent as a string, an error sent as an object), the client repairs the fields
// at fault instead of failing the call, and says here what it did, one entry per field, such as
// `created_at: "2025-07-23 17:10:04" is not an RFC 3339 time stamp; read as ...`. Raw is still
// the job as sent; Parameters is then re-encoded.
func (j *Job) Warnings() []string {
	if j.warnings == nil {
		return nil
	}
	return *j.warnings
}

// Done reports whether the job is in a terminal status (completed, error, user_error).
func (j *Job) Done() bool { return j.Status.Done() }

// Succeeded reports whether the job completed.
func (j *Job) Succeeded() bool { return j.Status.Succeeded() }

// HasResults reports whether the service sent results (they are null until the job ends).
func (j *Job) HasResults() bool { return j.results != nil }

// LastMessage returns the message of the last status update, or "".
func (j *Job) LastMessage() string {
	updates := j.StatusUpdates()
	for i := len(updates) - 1; i >= 0; i-- {
		if m := updates[i].Message; m != "" {
			return m
		}
	}
	return ""
}

// JobStatus is the light answer of [Client.Status]: a status and, once the job has ended, its
// results. The answer carries no job type, so [JobStatus.Results] infers the kind of results from
// the fields present.
type JobStatus struct {
	// ID is the id the status was asked for.
	ID string
	// Status is where the job is; see [Status.Done].
	Status Status
	// Raw is the answer as the service sent it.
	Raw json.RawMessage
	// warnings is what was repaired; see [JobStatus.Warnings].
	warnings []string

	results *generated.EvaluationResults
}

// Warnings says what the client repaired in an answer that breaks the spec, as [Job.Warnings]
// does; nil for an answer that matches it.
func (s *JobStatus) Warnings() []string { return s.warnings }

// Done reports whether the job is in a terminal status.
func (s *JobStatus) Done() bool { return s.Status.Done() }

// Succeeded reports whether the job completed.
func (s *JobStatus) Succeeded() bool { return s.Status.Succeeded() }

// HasResults reports whether the answer carried results.
func (s *JobStatus) HasResults() bool { return s.results != nil }

// Results returns the results, or [ErrNoResults]. The /status answer carries no job type, so the
// kind of results is inferred from the fields present, in this order:
//
//   - "error" present: [*ErrorResults];
//   - label_counts, invalid_label_count or pass_percentage present (not null): [*ClassifyResults];
//   - aggregated_scores, invalid_score_count or failed_samples present: [*ScoreResults];
//   - A_wins, B_wins, Ties or num_samples present: [*CompareResults];
//   - otherwise: [*UnknownResults] with the fields common to every type.
//
// A classify job whose classify fields are all null is therefore seen as unknown; use
// [Client.Retrieve], whose answer carries the type, where that matters. Count errors are as for
// [Job.Results].
func (s *JobStatus) Results() (Results, error) {
	if s.results == nil {
		return nil, ErrNoResults
	}
	return inferResults(s.results)
}

// ErrorResult returns the reason a failed job gave in its results, and whether there was one.
func (s *JobStatus) ErrorResult() (string, bool) { return errorOf(s.results) }

// LabelCounts decodes results.label_counts; see [Job.LabelCounts]. The status carries no job type:
// results without label_counts that hold a score or compare job's fields give an error matching
// [ErrWrongJobType].
func (s *JobStatus) LabelCounts() (map[string]int, error) {
	if s.results == nil {
		return nil, ErrNoResults
	}
	if s.results.LabelCounts == nil {
		switch r, _ := inferResults(s.results); r.(type) {
		case *ScoreResults, *CompareResults:
			return nil, fmt.Errorf("%w: these are a score or compare job's results, which have no label counts", ErrWrongJobType)
		}
	}
	return decodeLabelCounts(s.results.LabelCounts)
}
