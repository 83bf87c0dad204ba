package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/evalkit/together-evals/generated"
)

// CreateEvaluation checks a new job the way the service does and stores it, pending.
func (h handlers) CreateEvaluation(ctx context.Context, req generated.CreateEvaluationRequestObject) (generated.CreateEvaluationResponseObject, error) {
	spec, params, err := decodeCreate(req.Body)
	if err != nil {
		return generated.CreateEvaluation400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(createError(err))}, nil
	}
	const param = "parameters.input_data_file_path"
	input, ok := h.s.store.file(spec.inputID)
	if !ok {
		return generated.CreateEvaluation400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(
			badRequest(param, "file %q not found; upload the input file first", spec.inputID))}, nil
	}
	if input.purpose != generated.FilePurposeEval {
		return generated.CreateEvaluation400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(
			badRequest(param, "file %q has purpose %q; an evaluation input file must have purpose %q", spec.inputID, input.purpose, generated.FilePurposeEval))}, nil
	}
	j := newJob(spec, params, input, ownerOf(ctx), h.s.cfg.clock.Now(), h.s.cfg)
	h.s.store.addJob(j)
	return generated.CreateEvaluation200JSONResponse{WorkflowID: j.id, Status: generated.EvaluationCreateResponseStatusPending}, nil
}

func createError(err error) generated.ErrorData {
	var fe *fieldError
	if errors.As(err, &fe) {
		return badRequest(fe.param, "%s", fe.msg)
	}
	return badRequest("", "%v", err)
}

// GetEvaluation returns a job as it stands now.
func (h handlers) GetEvaluation(_ context.Context, req generated.GetEvaluationRequestObject) (generated.GetEvaluationResponseObject, error) {
	j, ok := h.s.store.job(req.ID)
	if !ok {
		return generated.GetEvaluation404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("Evaluation job", req.ID))}, nil
	}
	return generated.GetEvaluation200JSONResponse(h.s.view(j, h.s.cfg.clock.Now())), nil
}

// GetEvaluationStatus returns a job's status and, once it has ended, its results.
func (h handlers) GetEvaluationStatus(_ context.Context, req generated.GetEvaluationStatusRequestObject) (generated.GetEvaluationStatusResponseObject, error) {
	j, ok := h.s.store.job(req.ID)
	if !ok {
		return generated.GetEvaluationStatus404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("Evaluation job", req.ID))}, nil
	}
	v := h.s.view(j, h.s.cfg.clock.Now())
	return generated.GetEvaluationStatus200JSONResponse{Status: v.Status, Results: v.Results}, nil
}

// ListEvaluations lists jobs newest first, in one status if asked, at most limit (10 by default).
func (h handlers) ListEvaluations(_ context.Context, req generated.ListEvaluationsRequestObject) (generated.ListEvaluationsResponseObject, error) {
	limit := 10
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	if limit < 1 {
		return generated.ListEvaluations400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(
			badRequest("limit", "must be at least 1, not %d", limit))}, nil
	}
	now := h.s.cfg.clock.Now()
	out := generated.ListEvaluations200JSONResponse{}
	for _, j := range h.s.store.newestJobs() {
		if len(out) == limit {
			break
		}
		v := h.s.view(j, now)
		if req.Params.Status != nil && v.Status != *req.Params.Status {
			continue
		}
		out = append(out, v)
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
