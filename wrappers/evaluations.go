package wrappers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/evalkit/together-evals/generated"
)

// Retrieve returns the evaluation job with the given id (GET /evaluation/{id}): its type, status,
// status history, parameters and, once it has ended, its results. The id is checked and
// path-escaped first; see [ErrInvalidID]. A malformed label_counts or count does not fail
// Retrieve: the accessor that reads it does.
func (c *Client) Retrieve(ctx context.Context, id string) (*Job, error) {
	if err := checkID("evaluation", id); err != nil {
		return nil, err
	}
	path := "/evaluation/" + escapedID(id)
	resp, err := c.get(ctx, path) //nolint:bodyclose // receive closes it
	var job *Job
	_, err = c.receive(http.MethodGet, path, resp, err, func(body []byte) (err error) {
		job, err = decodeJob(body)
		return err
	})
	if err != nil {
		return nil, err
	}
	if job.ID == "" {
		return nil, c.notAResource(http.MethodGet, path, resp.StatusCode, resp.Header.Get("Content-Type"), "a job", "workflow_id")
	}
	c.scrubResults(job.results)
	return job, nil
}

// Status returns the status of the evaluation job with the given id and, once it has ended, its
// results (GET /evaluation/{id}/status). It is the light call meant for polling; see
// [JobStatus.Results] for how the kind of results is told without a job type.
func (c *Client) Status(ctx context.Context, id string) (*JobStatus, error) {
	if err := checkID("evaluation", id); err != nil {
		return nil, err
	}
	path := "/evaluation/" + escapedID(id) + "/status"
	resp, err := c.get(ctx, path) //nolint:bodyclose // checkResponse closes it
	g, raw, err := checkResponse[generated.EvaluationStatusResponse](c, http.MethodGet, path, resp, err)
	var warnings []string
	if err != nil && raw != nil {
		// An answer that breaks the spec is repaired as a job would be (see Job.Warnings).
		if fixed, notes, rerr := repairJob(raw); rerr == nil && len(notes) > 0 {
			var repaired generated.EvaluationStatusResponse
			if decodeJSON(fixed, &repaired) == nil {
				g, err, warnings = &repaired, nil, notes
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if g.Status == "" {
		return nil, c.notAResource(http.MethodGet, path, resp.StatusCode, resp.Header.Get("Content-Type"), "a job's status", "status")
	}
	c.scrubResults(g.Results)
	return &JobStatus{ID: id, Status: Status(g.Status), Raw: raw, warnings: warnings, results: g.Results}, nil
}

// ListOptions filters [Client.List].
type ListOptions struct {
	// Status keeps only jobs in this status; empty keeps all.
	Status Status
	// Limit is the largest number of jobs returned; 0 leaves it to the service (10).
	Limit int
}

// List returns the caller's evaluation jobs, newest first (GET /evaluation).
func (c *Client) List(ctx context.Context, opts ListOptions) ([]*Job, error) {
	var params generated.ListEvaluationsParams
	var p problems
	if opts.Status != "" {
		if !opts.Status.Known() {
			p.add("status", "must be one of pending, queued, running, completed, error, user_error, got %q", string(opts.Status))
		}
		s := generated.EvaluationStatus(opts.Status)
		params.Status = &s
	}
	if opts.Limit < 0 {
		p.add("limit", "must be at least 1, got %d", opts.Limit)
	} else if opts.Limit > 0 {
		params.Limit = &opts.Limit
	}
	if err := p.err(); err != nil {
		return nil, fmt.Errorf("wrappers: list: %w", err)
	}
	resp, err := c.api.ListEvaluations(withWholeBody(ctx), &params) //nolint:bodyclose // receive closes it
	var jobs []*Job
	_, err = c.receive(http.MethodGet, "/evaluation", resp, err, func(body []byte) (err error) {
		jobs, err = decodeJobs(body)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		c.scrubResults(j.results)
	}
	return jobs, nil
}

// scrubResults removes the API key from a failed job's reason, should the service echo it: the
// reason reaches users in errors ([JobFailedError]) and logs, where the key must never be.
func (c *Client) scrubResults(r *generated.EvaluationResults) {
	if r == nil || r.Error == nil {
		return
	}
	if k := c.key(); k != "" && strings.Contains(*r.Error, k) {
		msg := strings.ReplaceAll(*r.Error, k, redacted)
		r.Error = &msg
	}
}

// Models returns the names of the models evaluations can use (GET /evaluation/model-list), from
// the given source; "" or [ModelSourceAll] lists every source.
func (c *Client) Models(ctx context.Context, source ModelSource) ([]string, error) {
	var params generated.ListEvaluationModelsParams
	if filter := generated.ModelSourceFilter(source); filter.Valid() {
		params.ModelSource = &filter
	} else if source != "" {
		return nil, fmt.Errorf("wrappers: models: %w", &ValidationError{
			Field:   "model_source",
			Problem: fmt.Sprintf("must be one of all, serverless, dedicated, external, got %q", string(source)),
		})
	}
	resp, err := c.api.ListEvaluationModels(withWholeBody(ctx), &params) //nolint:bodyclose // checkResponse closes it
	list, raw, err := checkResponse[generated.EvaluationModelList](c, http.MethodGet, "/evaluation/model-list", resp, err)
	if err != nil {
		return nil, err
	}
	if list.ModelList == nil {
		if !hasMember(raw, "model_list") {
			// Every answer of the API holds the list, empty or not (null is read as empty).
			return nil, c.notAResource(http.MethodGet, "/evaluation/model-list", resp.StatusCode, resp.Header.Get("Content-Type"), "a model list", "model_list")
		}
		return []string{}, nil
	}
	return list.ModelList, nil
}

// Created is the answer to [Client.Create].
type Created struct {
	// ID is the new job's id; pass it to [Client.Wait] or [Client.Retrieve].
	ID string
	// Status is the new job's status, pending.
	Status Status
}

// Create starts an evaluation job (POST /evaluation) from a [ClassifyRequest], [ScoreRequest] or
// [CompareRequest]. The request is validated first and nothing is sent if it breaks a rule: the
// error then holds one [*ValidationError] per problem. A create is retried only where the service
// certainly did not act on it (429, or a connection that was never made), so it never creates two
// jobs; when the service may have acted without saying so, the error matches
// [ErrCreateOutcomeUnknown].
func (c *Client) Create(ctx context.Context, req CreateRequest) (*Created, error) {
	if req == nil || isNilRequest(req) {
		return nil, errors.New("wrappers: create: the request is nil")
	}
	if err := req.Validate(); err != nil {
		return nil, fmt.Errorf("wrappers: create %s: %w", req.Type(), err)
	}
	body, err := req.toWire()
	if err != nil {
		return nil, fmt.Errorf("wrappers: create %s: encode: %w", req.Type(), err)
	}
	ctx, outcome := withCreateOutcome(ctx)
	resp, err := c.api.CreateEvaluation(ctx, body) //nolint:bodyclose // checkResponse closes it
	out, _, err := checkResponse[generated.EvaluationCreateResponse](c, http.MethodPost, "/evaluation", resp, err)
	if err != nil {
		if outcome.unknown() {
			err = &outcomeUnknownError{err}
		}
		return nil, err
	}
	if out.WorkflowID == "" {
		return nil, &outcomeUnknownError{errors.New("wrappers: POST /evaluation: the answer has no workflow_id")}
	}
	return &Created{ID: out.WorkflowID, Status: Status(out.Status)}, nil
}

// isNilRequest reports whether req is a nil pointer to one of the request types.
func isNilRequest(req CreateRequest) bool {
	switch r := req.(type) {
	case *ClassifyRequest:
		return r == nil
	case *ScoreRequest:
		return r == nil
	case *CompareRequest:
		return r == nil
	}
	return false
}
