package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/evalkit/together-evals/generated"
)

// CreateEvaluation (POST /evaluation) checks a new job the way the service does, stores it,
// pending, and hands it to the background runner.
func (h handlers) CreateEvaluation(ctx context.Context, req generated.CreateEvaluationRequestObject) (generated.CreateEvaluationResponseObject, error) {
	spec, params, err := decodeCreate(req.Body)
	if err != nil {
		return generated.CreateEvaluation400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(createError(err))}, nil
	}
	const param = "parameters.input_data_file_path"
	owner := ownerOf(ctx)
	missing := generated.CreateEvaluation400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(
		badRequest(param, "file %q not found; upload the input file first", spec.inputID))}
	input, err := h.s.store.file(ctx, owner, spec.inputID)
	if errors.Is(err, errNotFound) {
		return missing, nil
	}
	if err != nil {
		return nil, err
	}
	if input.purpose != generated.FilePurposeEval {
		return generated.CreateEvaluation400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(
			badRequest(param, "file %q has purpose %q; an evaluation input file must have purpose %q", spec.inputID, input.purpose, generated.FilePurposeEval))}, nil
	}
	raw, err := req.Body.MarshalJSON()
	if err != nil {
		return nil, err
	}
	rec := newJobRecord(spec, raw, params, owner, h.s.cfg.clock.Now(), h.s.cfg)
	if err := h.s.store.addJob(ctx, &rec); err != nil {
		if errors.Is(err, errNotFound) {
			return missing, nil // deleted since it was looked up
		}
		return nil, err
	}
	h.s.enqueue(rec.id, owner)
	return generated.CreateEvaluation200JSONResponse{WorkflowID: rec.id, Status: generated.EvaluationCreateResponseStatusPending}, nil
}

func createError(err error) generated.ErrorData {
	var fe *fieldError
	if errors.As(err, &fe) {
		return badRequest(fe.param, "%s", fe.msg)
	}
	return badRequest("", "%v", err)
}

// GetEvaluation (GET /evaluation/{id}) returns one of the caller's jobs as it stands now.
func (h handlers) GetEvaluation(ctx context.Context, req generated.GetEvaluationRequestObject) (generated.GetEvaluationResponseObject, error) {
	j, err := h.s.store.job(ctx, ownerOf(ctx), req.ID)
	if errors.Is(err, errNotFound) {
		return generated.GetEvaluation404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("Evaluation job", req.ID))}, nil
	}
	if err != nil {
		return nil, err
	}
	return generated.GetEvaluation200JSONResponse(h.s.view(j, h.s.cfg.clock.Now())), nil
}

// GetEvaluationStatus (GET /evaluation/{id}/status) returns a job's status and, once it has
// ended, its results.
func (h handlers) GetEvaluationStatus(ctx context.Context, req generated.GetEvaluationStatusRequestObject) (generated.GetEvaluationStatusResponseObject, error) {
	j, err := h.s.store.job(ctx, ownerOf(ctx), req.ID)
	if errors.Is(err, errNotFound) {
		return generated.GetEvaluationStatus404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("Evaluation job", req.ID))}, nil
	}
	if err != nil {
		return nil, err
	}
	v := h.s.view(j, h.s.cfg.clock.Now())
	return generated.GetEvaluationStatus200JSONResponse{Status: v.Status, Results: v.Results}, nil
}

// Bounds of a list answer.
const (
	// MaxListLimit is the largest `limit` of GET /evaluation (openapi.yaml says so); more is a 400.
	MaxListLimit = 1000
	// maxListParamBytes bounds the parameters a list answer carries: past it the list stops early,
	// so that one answer (and its check against the spec) holds a bounded amount.
	maxListParamBytes = 4 << 20
	listPage          = 100
)

// ListEvaluations (GET /evaluation) lists the caller's jobs newest first, in one status if asked,
// at most limit (10 by default, MaxListLimit at most). An answer stops early once the jobs in it
// carry more than 4 MiB of parameters.
func (h handlers) ListEvaluations(ctx context.Context, req generated.ListEvaluationsRequestObject) (generated.ListEvaluationsResponseObject, error) {
	limit := 10
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	if limit < 1 || limit > MaxListLimit {
		return generated.ListEvaluations400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(
			badRequest("limit", "must be between 1 and %d, not %d", MaxListLimit, limit))}, nil
	}
	now := h.s.cfg.clock.Now()
	owner := ownerOf(ctx)
	out := generated.ListEvaluations200JSONResponse{}
	held := 0
	var before int64
	for len(out) < limit && held <= maxListParamBytes {
		page, err := h.s.store.jobsBefore(ctx, owner, before, listPage)
		if err != nil {
			return nil, err
		}
		for _, j := range page {
			before = j.seq
			if len(out) == limit || held > maxListParamBytes {
				break
			}
			v := h.s.view(j, now)
			if req.Params.Status != nil && v.Status != *req.Params.Status {
				continue
			}
			held += len(j.params)
			out = append(out, v)
		}
		if len(page) < listPage {
			break
		}
	}
	return out, nil
}

// catalogue is the fixed list of models /evaluation/model-list offers, by source.
var catalogue = []struct {
	name   string
	source generated.ModelSource
}{
	{"openai/gpt-oss-120b", generated.ModelSourceServerless},
	{"Qwen/Qwen3.5-9B", generated.ModelSourceServerless},
	{"deepseek-ai/DeepSeek-V3", generated.ModelSourceServerless},
	{"meta-llama/Llama-3.3-70B-Instruct-Turbo", generated.ModelSourceServerless},
	{"Qwen/Qwen2.5-72B-Instruct", generated.ModelSourceDedicated},
	{"meta-llama/Meta-Llama-3.1-8B-Instruct", generated.ModelSourceDedicated},
	{"openai/gpt-4.1-mini", generated.ModelSourceExternal},
}

// ListEvaluationModels returns the catalogue, filtered by model_source (all by default).
func (h handlers) ListEvaluationModels(_ context.Context, req generated.ListEvaluationModelsRequestObject) (generated.ListEvaluationModelsResponseObject, error) {
	filter := generated.ModelSourceFilterAll
	if req.Params.ModelSource != nil {
		filter = *req.Params.ModelSource
	}
	if !filter.Valid() {
		return generated.ListEvaluationModels400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(
			badRequest("model_source", "%s", fmt.Sprintf("unknown model source %q", filter)))}, nil
	}
	list := []string{}
	for _, m := range catalogue {
		if filter == generated.ModelSourceFilterAll || string(filter) == string(m.source) {
			list = append(list, m.name)
		}
	}
	return generated.ListEvaluationModels200JSONResponse{ModelList: list}, nil
}
