package wrappers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/evalkit/together-evals/generated"
)

// InputCheckOptionsFor returns the options that check an input file against the job a create
// request describes: the judge's system template, the system and input templates of every
// [Model] that generates outputs, and the [Column] named by ModelToEvaluate, ModelA or ModelB.
// Templates and columns are named by their place in the request on the wire
// ("parameters.judge.system_template", "parameters.model_a"). Use it before uploading the file
// the job will read (see [WithUploadRequest]), or before a create that names a local file.
func InputCheckOptionsFor(req CreateRequest) (InputCheckOptions, error) {
	if req == nil || isNilRequest(req) {
		return InputCheckOptions{}, errors.New("input check options: the request is nil")
	}
	wire, err := req.toWire()
	if err != nil {
		return InputCheckOptions{}, fmt.Errorf("input check options: encode %s request: %w", req.Type(), err)
	}
	return inputCheckOptionsForWire(wire)
}

// inputCheckOptionsForWire is InputCheckOptionsFor for a request in its wire form.
func inputCheckOptionsForWire(req generated.EvaluationCreateRequest) (InputCheckOptions, error) {
	typ, err := req.Discriminator()
	if err != nil {
		return InputCheckOptions{}, fmt.Errorf("input check options: request type: %w", err)
	}
	var (
		opts   InputCheckOptions
		judge  generated.JudgeConfig
		models []namedModel
	)
	switch typ {
	case string(generated.EvaluationTypeClassify):
		v, err := req.AsClassifyEvaluationRequest()
		if err != nil {
			return InputCheckOptions{}, fmt.Errorf("input check options: classify request: %w", err)
		}
		judge = v.Parameters.Judge
		models = []namedModel{{"model_to_evaluate", v.Parameters.ModelToEvaluate}}
	case string(generated.EvaluationTypeScore):
		v, err := req.AsScoreEvaluationRequest()
		if err != nil {
			return InputCheckOptions{}, fmt.Errorf("input check options: score request: %w", err)
		}
		judge = v.Parameters.Judge
		models = []namedModel{{"model_to_evaluate", v.Parameters.ModelToEvaluate}}
	case string(generated.EvaluationTypeCompare):
		v, err := req.AsCompareEvaluationRequest()
		if err != nil {
			return InputCheckOptions{}, fmt.Errorf("input check options: compare request: %w", err)
		}
		judge = v.Parameters.Judge
		models = []namedModel{{"model_a", v.Parameters.ModelA}, {"model_b", v.Parameters.ModelB}}
	default:
		return InputCheckOptions{}, fmt.Errorf("input check options: unknown evaluation type %q", typ)
	}
	opts.Templates = append(opts.Templates, InputTemplate{Name: "parameters.judge.system_template", Text: judge.SystemTemplate})
	for _, m := range models {
		if err := m.addTo(&opts); err != nil {
			return InputCheckOptions{}, err
		}
	}
	return opts, nil
}

// namedModel is a ModelOrColumn parameter with its name.
type namedModel struct {
	param string
	value *generated.ModelOrColumn
}

// addTo adds the column the parameter names, or the templates of the model it
// describes.
func (m namedModel) addTo(opts *InputCheckOptions) error {
	if m.value == nil {
		return nil
	}
	raw, err := m.value.MarshalJSON()
	if err != nil {
		return fmt.Errorf("input check options: parameters.%s: %w", m.param, err)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] == '"' {
		var col string
		if err := json.Unmarshal(raw, &col); err != nil {
			return fmt.Errorf("input check options: parameters.%s: %w", m.param, err)
		}
		opts.Columns = append(opts.Columns, InputColumn{Param: "parameters." + m.param, Name: col})
		return nil
	}
	model, err := m.value.AsModelRequest()
	if err != nil {
		return fmt.Errorf("input check options: parameters.%s: neither a column name nor a model: %w", m.param, err)
	}
	opts.Templates = append(opts.Templates,
		InputTemplate{Name: "parameters." + m.param + ".system_template", Text: model.SystemTemplate},
		InputTemplate{Name: "parameters." + m.param + ".input_template", Text: model.InputTemplate},
	)
	return nil
}
