package wrappers

import (
	"errors"
	"fmt"

	"github.com/evalkit/together-evals/generated"
)

// ModelSource is where a model is served.
type ModelSource string

// The model sources. An empty ModelSource in a [Judge] or [Model] means serverless.
// ModelSourceAll is only a filter for [Client.Models].
const (
	ModelSourceServerless = ModelSource(generated.ModelSourceServerless)
	ModelSourceDedicated  = ModelSource(generated.ModelSourceDedicated)
	ModelSourceExternal   = ModelSource(generated.ModelSourceExternal)
	ModelSourceAll        = ModelSource(generated.ModelSourceFilterAll)
)

// CreateRequest is a request to create an evaluation job: a [ClassifyRequest], [ScoreRequest] or
// [CompareRequest] (or a pointer to one). [Client.Create] validates it before sending.
type CreateRequest interface {
	// Type is the job type the request creates.
	Type() JobType
	// Validate checks every rule that can be checked before sending: it returns nil or one
	// [*ValidationError] per problem, joined with errors.Join.
	Validate() error

	toWire() (generated.EvaluationCreateRequest, error)
}

// Judge is the model that judges each row.
type Judge struct {
	// Model is the judge model's name, such as "openai/gpt-oss-120b" (required).
	Model string
	// SystemTemplate is the judge's system prompt; {{field}} placeholders name input columns
	// (required).
	SystemTemplate string
	// ModelSource is where the judge is served; empty means serverless.
	ModelSource ModelSource
	// ExternalAPIToken and ExternalBaseURL reach an external judge's OpenAI-compatible endpoint
	// (model source external only).
	ExternalAPIToken Secret
	ExternalBaseURL  string
	// NumWorkers is the number of concurrent requests to the judge; 0 keeps the model's default.
	NumWorkers int
	// MaxTokens is the most tokens the judge may generate per row; 0 keeps the service's default.
	MaxTokens int
	// Temperature is the judge's sampling temperature, 0 to 2; nil keeps the service's default.
	Temperature *float64
}

// Float64 returns a pointer to v, for the fields that tell "not set" from 0, such as
// [Judge.Temperature] and [Model.Temperature].
func Float64(v float64) *float64 { return &v }

// deref is *p, or 0 for nil (a nil the validation has already refused where it matters).
func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// Target is what a job evaluates: a [Column] of the input file that already holds the outputs, or a
// [Model] (or *Model) that the service runs on each row first.
type Target interface {
	toWire() (generated.ModelOrColumn, error)
}

// Column names a column of the input file that holds the outputs to evaluate.
type Column string

// Model is a model that generates the outputs to evaluate.
type Model struct {
	// Name is the model's name, such as "Qwen/Qwen3.5-9B" (required).
	Name string
	// SystemTemplate is the model's system prompt (may be empty).
	SystemTemplate string
	// InputTemplate is the user prompt; {{field}} placeholders name input columns (required).
	InputTemplate string
	// MaxTokens is the most tokens to generate per row (required, at least 1).
	MaxTokens int
	// Temperature is the sampling temperature, 0 to 2 (required: the service has no default for
	// a generating model, unlike [Judge.Temperature]). It is a pointer, like the judge's, so that a
	// temperature left unset is refused before anything is sent instead of being sent as 0; set
	// it with [Float64], as in Float64(0.7).
	Temperature *float64
	// ModelSource is where the model is served; empty means serverless.
	ModelSource ModelSource
	// ExternalAPIToken and ExternalBaseURL reach an external model's OpenAI-compatible endpoint
	// (model source external only).
	ExternalAPIToken Secret
	ExternalBaseURL  string
	// NumWorkers is the number of concurrent requests to the model; 0 keeps its default.
	NumWorkers int
}

// ClassifyRequest creates a job that gives each row one of a set of labels.
type ClassifyRequest struct {
	Judge Judge
	// Labels are the labels the judge chooses from (at least 2, distinct, not empty).
	Labels []string
	// PassLabels are the labels that count as a pass (at least 1, each one of Labels).
	PassLabels []string
	// ModelToEvaluate is what is judged; nil leaves it to the service.
	ModelToEvaluate Target
	// InputFileID is the id of the uploaded JSONL input file (wire: input_data_file_path).
	InputFileID string
}

// ScoreRequest creates a job that gives each row a score between MinScore and MaxScore.
type ScoreRequest struct {
	Judge Judge
	// MinScore and MaxScore bound the score (MinScore < MaxScore).
	MinScore, MaxScore float64
	// PassThreshold is the score at or above which a row passes (within the bounds).
	PassThreshold float64
	// ModelToEvaluate is what is judged; nil leaves it to the service.
	ModelToEvaluate Target
	// InputFileID is the id of the uploaded JSONL input file (wire: input_data_file_path).
	InputFileID string
}

// CompareRequest creates a job that asks, for each row, which of two outputs is better.
type CompareRequest struct {
	Judge Judge
	// ModelA and ModelB are the two outputs compared.
	ModelA, ModelB Target
	// DisablePositionBiasCorrection judges each pair once, in the order given; by default the
	// service judges both orders to cancel the judge's preference for a position.
	DisablePositionBiasCorrection bool
	// InputFileID is the id of the uploaded JSONL input file (wire: input_data_file_path).
	InputFileID string
}

// Type returns [TypeClassify].
func (ClassifyRequest) Type() JobType { return TypeClassify }

// Type returns [TypeScore].
func (ScoreRequest) Type() JobType { return TypeScore }

// Type returns [TypeCompare].
func (CompareRequest) Type() JobType { return TypeCompare }

func sourceOrDefault(s ModelSource) generated.ModelSource {
	if s == "" {
		return generated.ModelSourceServerless
	}
	return generated.ModelSource(s)
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func (j Judge) toWire() generated.JudgeConfig {
	return generated.JudgeConfig{
		Model:            j.Model,
		SystemTemplate:   j.SystemTemplate,
		ModelSource:      sourceOrDefault(j.ModelSource),
		ExternalAPIToken: optString(string(j.ExternalAPIToken)),
		ExternalBaseURL:  optString(j.ExternalBaseURL),
		NumWorkers:       optInt(j.NumWorkers),
		MaxTokens:        optInt(j.MaxTokens),
		Temperature:      j.Temperature,
	}
}

func (c Column) toWire() (generated.ModelOrColumn, error) {
	var m generated.ModelOrColumn
	err := m.FromColumnName(string(c))
	return m, err
}

func (m Model) toWire() (generated.ModelOrColumn, error) {
	var out generated.ModelOrColumn
	err := out.FromModelRequest(generated.ModelRequest{
		Model:            m.Name,
		SystemTemplate:   m.SystemTemplate,
		InputTemplate:    m.InputTemplate,
		MaxTokens:        m.MaxTokens,
		Temperature:      deref(m.Temperature),
		ModelSource:      sourceOrDefault(m.ModelSource),
		ExternalAPIToken: optString(string(m.ExternalAPIToken)),
		ExternalBaseURL:  optString(m.ExternalBaseURL),
		NumWorkers:       optInt(m.NumWorkers),
	})
	return out, err
}

// targetToWire converts an optional target.
func targetToWire(t Target) (*generated.ModelOrColumn, error) {
	if isNilTarget(t) {
		return nil, nil
	}
	w, err := t.toWire()
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// isNilTarget reports whether t is nil or a nil *Model.
func isNilTarget(t Target) bool {
	if t == nil {
		return true
	}
	m, ok := t.(*Model)
	return ok && m == nil
}

func (r ClassifyRequest) toWire() (generated.EvaluationCreateRequest, error) {
	var out generated.EvaluationCreateRequest
	mt, err := targetToWire(r.ModelToEvaluate)
	if err != nil {
		return out, err
	}
	err = out.FromClassifyEvaluationRequest(generated.ClassifyEvaluationRequest{
		Type: generated.ClassifyEvaluationRequestTypeClassify,
		Parameters: generated.ClassifyParameters{
			Judge:             r.Judge.toWire(),
			Labels:            r.Labels,
			PassLabels:        r.PassLabels,
			ModelToEvaluate:   mt,
			InputDataFilePath: r.InputFileID,
		},
	})
	return out, err
}

func (r ScoreRequest) toWire() (generated.EvaluationCreateRequest, error) {
	var out generated.EvaluationCreateRequest
	mt, err := targetToWire(r.ModelToEvaluate)
	if err != nil {
		return out, err
	}
	err = out.FromScoreEvaluationRequest(generated.ScoreEvaluationRequest{
		Type: generated.ScoreEvaluationRequestTypeScore,
		Parameters: generated.ScoreParameters{
			Judge:             r.Judge.toWire(),
			MinScore:          r.MinScore,
			MaxScore:          r.MaxScore,
			PassThreshold:     r.PassThreshold,
			ModelToEvaluate:   mt,
			InputDataFilePath: r.InputFileID,
		},
	})
	return out, err
}

func (r CompareRequest) toWire() (generated.EvaluationCreateRequest, error) {
	var out generated.EvaluationCreateRequest
	a, err := targetToWire(r.ModelA)
	if err != nil {
		return out, err
	}
	b, err := targetToWire(r.ModelB)
	if err != nil {
		return out, err
	}
	var disable *bool
	if r.DisablePositionBiasCorrection {
		disable = &r.DisablePositionBiasCorrection
	}
	err = out.FromCompareEvaluationRequest(generated.CompareEvaluationRequest{
		Type: generated.CompareEvaluationRequestTypeCompare,
		Parameters: generated.CompareParameters{
			Judge:                         r.Judge.toWire(),
			ModelA:                        a,
			ModelB:                        b,
			DisablePositionBiasCorrection: disable,
			InputDataFilePath:             r.InputFileID,
		},
	})
	return out, err
}

// Request decodes the job's parameters into the request that created it: a *ClassifyRequest,
// *ScoreRequest or *CompareRequest by the job's type. Fields the service did not echo are zero.
func (j *Job) Request() (CreateRequest, error) {
	if len(j.Parameters) == 0 {
		return nil, errors.New("wrappers: the job has no parameters")
	}
	fail := func(err error) (CreateRequest, error) {
		return nil, &ResultError{Field: "parameters", Problem: err.Error()}
	}
	switch j.Type {
	case TypeClassify:
		var p generated.ClassifyParameters
		if err := decodeJSON(j.Parameters, &p); err != nil {
			return fail(err)
		}
		mt, err := targetFromWire(p.ModelToEvaluate)
		if err != nil {
			return fail(err)
		}
		return &ClassifyRequest{
			Judge: judgeFromWire(p.Judge), Labels: p.Labels, PassLabels: p.PassLabels,
			ModelToEvaluate: mt, InputFileID: p.InputDataFilePath,
		}, nil
	case TypeScore:
		var p generated.ScoreParameters
		if err := decodeJSON(j.Parameters, &p); err != nil {
			return fail(err)
		}
		mt, err := targetFromWire(p.ModelToEvaluate)
		if err != nil {
			return fail(err)
		}
		return &ScoreRequest{
			Judge: judgeFromWire(p.Judge), MinScore: p.MinScore, MaxScore: p.MaxScore,
			PassThreshold: p.PassThreshold, ModelToEvaluate: mt, InputFileID: p.InputDataFilePath,
		}, nil
	case TypeCompare:
		var p generated.CompareParameters
		if err := decodeJSON(j.Parameters, &p); err != nil {
			return fail(err)
		}
		a, err := targetFromWire(p.ModelA)
		if err != nil {
			return fail(err)
		}
		b, err := targetFromWire(p.ModelB)
		if err != nil {
			return fail(err)
		}
		r := &CompareRequest{Judge: judgeFromWire(p.Judge), ModelA: a, ModelB: b, InputFileID: p.InputDataFilePath}
		if p.DisablePositionBiasCorrection != nil {
			r.DisablePositionBiasCorrection = *p.DisablePositionBiasCorrection
		}
		return r, nil
	}
	return nil, fmt.Errorf("%w: job %q has type %q, which this package does not know", ErrWrongJobType, j.ID, j.Type)
}

// Labels returns the labels of a classify job, from its parameters (nil if unavailable).
func (j *Job) Labels() []string {
	if r, err := j.Request(); err == nil {
		if c, ok := r.(*ClassifyRequest); ok {
			return c.Labels
		}
	}
	return nil
}

// PassLabels returns the pass labels of a classify job, from its parameters (nil if unavailable).
func (j *Job) PassLabels() []string {
	if r, err := j.Request(); err == nil {
		if c, ok := r.(*ClassifyRequest); ok {
			return c.PassLabels
		}
	}
	return nil
}

func judgeFromWire(g generated.JudgeConfig) Judge {
	j := Judge{
		Model:          g.Model,
		SystemTemplate: g.SystemTemplate,
		ModelSource:    ModelSource(g.ModelSource),
		Temperature:    g.Temperature,
	}
	if g.ExternalAPIToken != nil {
		j.ExternalAPIToken = Secret(*g.ExternalAPIToken)
	}
	if g.ExternalBaseURL != nil {
		j.ExternalBaseURL = *g.ExternalBaseURL
	}
	if g.NumWorkers != nil {
		j.NumWorkers = *g.NumWorkers
	}
	if g.MaxTokens != nil {
		j.MaxTokens = *g.MaxTokens
	}
	return j
}

// targetFromWire converts a model-or-column: a JSON string is a Column, an object a *Model.
func targetFromWire(g *generated.ModelOrColumn) (Target, error) {
	if g == nil {
		return nil, nil
	}
	if col, err := g.AsColumnName(); err == nil {
		return Column(col), nil
	}
	m, err := g.AsModelRequest()
	if err != nil {
		return nil, err
	}
	out := &Model{
		Name: m.Model, SystemTemplate: m.SystemTemplate, InputTemplate: m.InputTemplate,
		MaxTokens: m.MaxTokens, Temperature: Float64(m.Temperature), ModelSource: ModelSource(m.ModelSource),
	}
	if m.ExternalAPIToken != nil {
		out.ExternalAPIToken = Secret(*m.ExternalAPIToken)
	}
	if m.ExternalBaseURL != nil {
		out.ExternalBaseURL = *m.ExternalBaseURL
	}
	if m.NumWorkers != nil {
		out.NumWorkers = *m.NumWorkers
	}
	return out, nil
}
