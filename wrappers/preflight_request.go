package wrappers

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/evalkit/together-evals/generated"
)

// InputCheckOptionsFor returns the options that check an input file against
// a create request: the judge's system template, the system and input
// templates of every model that generates outputs, and the columns named by
// model_to_evaluate, model_a or model_b when they name a column. Templates are
// named by their place in the request ("parameters.judge.system_template").
// It fails when the request's type is unknown or its parameters do not
// decode.
func InputCheckOptionsFor(req generated.EvaluationCreateRequest) (InputCheckOptions, error) {
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
