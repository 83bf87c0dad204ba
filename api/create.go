package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/evalkit/together-evals/generated"
)

// jobSpec is what a job was asked to do, decoded from its create request.
type jobSpec struct {
	typ        generated.EvaluationType
	judge      generated.JudgeConfig
	labels     []string // classify
	passLabels []string // classify
	minScore   float64  // score
	maxScore   float64  // score
	threshold  float64  // score
	slots      []slot   // model_to_evaluate, or model_a and model_b
	onePass    bool     // compare: disable_position_bias_correction (judge A then B only)
	inputID    string
	limits     *callLimits // the job's model calls in flight, per model; set for each run
	instr      string      // the judge's answer instruction (see [instruction]); set for each run
}

// slot is one thing evaluated: a column of the input, or a model that generates the outputs.
type slot struct {
	param  string // "model_to_evaluate", "model_a", "model_b"
	column string
	model  *generated.ModelRequest
}

// outputKey is the result row field that holds a generating model's output.
func (s slot) outputKey() string { return s.param + "_output" }

// fieldError is a create request that breaks a rule of the service: a 400 naming the field.
type fieldError struct {
	param string
	msg   string
}

func (e *fieldError) Error() string { return e.param + ": " + e.msg }

func fieldErrorf(param, format string, args ...any) error {
	return &fieldError{param: param, msg: fmt.Sprintf(format, args...)}
}

// decodeCreate decodes a create request (already valid against the spec) into a jobSpec and the
// parameters to show on the job, and applies the checks the service makes beyond the schema.
func decodeCreate(body *generated.EvaluationCreateRequest) (jobSpec, json.RawMessage, error) {
	if body == nil {
		return jobSpec{}, nil, fieldErrorf("type", "the request has no body")
	}
	typ, err := body.Discriminator()
	if err != nil {
		return jobSpec{}, nil, fieldErrorf("type", "cannot read the job type: %v", err)
	}
	var spec jobSpec
	switch generated.EvaluationType(typ) {
	case generated.EvaluationTypeClassify:
		req, err := body.AsClassifyEvaluationRequest()
		if err != nil {
			return jobSpec{}, nil, fieldErrorf("parameters", "%v", err)
		}
		p := req.Parameters
		spec = jobSpec{typ: generated.EvaluationTypeClassify, judge: p.Judge, labels: p.Labels, passLabels: p.PassLabels, inputID: p.InputDataFilePath}
		if err := checkLabels(p.Labels, p.PassLabels); err != nil {
			return jobSpec{}, nil, err
		}
		if err := addSlot(&spec, "model_to_evaluate", p.ModelToEvaluate, false); err != nil {
			return jobSpec{}, nil, err
		}
	case generated.EvaluationTypeScore:
		req, err := body.AsScoreEvaluationRequest()
		if err != nil {
			return jobSpec{}, nil, fieldErrorf("parameters", "%v", err)
		}
		p := req.Parameters
		spec = jobSpec{typ: generated.EvaluationTypeScore, judge: p.Judge, minScore: p.MinScore, maxScore: p.MaxScore, threshold: p.PassThreshold, inputID: p.InputDataFilePath}
		if math.IsInf(p.MaxScore-p.MinScore, 0) {
			return jobSpec{}, nil, fieldErrorf("parameters.max_score", "the range from min_score (%v) to max_score (%v) is too large", p.MinScore, p.MaxScore)
		}
		if p.MinScore >= p.MaxScore {
			return jobSpec{}, nil, fieldErrorf("parameters.min_score", "min_score (%v) must be less than max_score (%v)", p.MinScore, p.MaxScore)
		}
		if p.PassThreshold < p.MinScore || p.PassThreshold > p.MaxScore {
			return jobSpec{}, nil, fieldErrorf("parameters.pass_threshold", "pass_threshold (%v) must lie between min_score (%v) and max_score (%v)", p.PassThreshold, p.MinScore, p.MaxScore)
		}
		if err := addSlot(&spec, "model_to_evaluate", p.ModelToEvaluate, false); err != nil {
			return jobSpec{}, nil, err
		}
	case generated.EvaluationTypeCompare:
		req, err := body.AsCompareEvaluationRequest()
		if err != nil {
			return jobSpec{}, nil, fieldErrorf("parameters", "%v", err)
		}
		p := req.Parameters
		spec = jobSpec{typ: generated.EvaluationTypeCompare, judge: p.Judge, inputID: p.InputDataFilePath}
		spec.onePass = p.DisablePositionBiasCorrection != nil && *p.DisablePositionBiasCorrection
		if err := addSlot(&spec, "model_a", p.ModelA, true); err != nil {
			return jobSpec{}, nil, err
		}
		if err := addSlot(&spec, "model_b", p.ModelB, true); err != nil {
			return jobSpec{}, nil, err
		}
	default:
		return jobSpec{}, nil, fieldErrorf("type", "must be one of classify, score, compare")
	}
	if err := checkExternal("parameters.judge", spec.judge.ModelSource, spec.judge.ExternalBaseURL); err != nil {
		return jobSpec{}, nil, err
	}
	params, err := shownParameters(body)
	if err != nil {
		return jobSpec{}, nil, fieldErrorf("parameters", "%v", err)
	}
	return spec, params, nil
}

func checkLabels(labels, pass []string) error {
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l] {
			return fieldErrorf("parameters.labels", "label %q is given more than once", l)
		}
		seen[l] = true
	}
	for _, l := range pass {
		if !seen[l] {
			return fieldErrorf("parameters.pass_labels", "pass label %q is not one of the labels (%s)", l, strings.Join(labels, ", "))
		}
	}
	return nil
}

// addSlot records what a model_to_evaluate / model_a / model_b parameter names. A compare job needs
// both of its sides: there is nothing to compare otherwise.
func addSlot(spec *jobSpec, name string, v *generated.ModelOrColumn, required bool) error {
	param := "parameters." + name
	if v == nil {
		if required {
			return fieldErrorf(param, "is required for a %s job", spec.typ)
		}
		return nil
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return fieldErrorf(param, "%v", err)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		col, err := v.AsColumnName()
		if err != nil {
			return fieldErrorf(param, "%v", err)
		}
		spec.slots = append(spec.slots, slot{param: name, column: col})
		return nil
	}
	m, err := v.AsModelRequest()
	if err != nil {
		return fieldErrorf(param, "%v", err)
	}
	if err := checkExternal(param, m.ModelSource, m.ExternalBaseURL); err != nil {
		return err
	}
	spec.slots = append(spec.slots, slot{param: name, model: &m})
	return nil
}

func checkExternal(param string, source generated.ModelSource, baseURL *string) error {
	if source == generated.ModelSourceExternal && (baseURL == nil || strings.TrimSpace(*baseURL) == "") {
		return fieldErrorf(param+".external_base_url", "is required when model_source is external")
	}
	return nil
}

// shownParameters is the job's parameters as sent, except that external API tokens are redacted
// (and so is a token's text wherever else the parameters hold it, and the user information of an
// external_base_url, which would be a credential): a job listing must not hand out secrets.
func shownParameters(body *generated.EvaluationCreateRequest) (json.RawMessage, error) {
	raw, err := body.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var envelope struct {
		Parameters json.RawMessage `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return nil, err
	}
	if len(envelope.Parameters) == 0 {
		return nil, errors.New("missing")
	}
	if !bytes.Contains(envelope.Parameters, []byte("external_api_token")) &&
		(!bytes.Contains(envelope.Parameters, []byte("external_base_url")) || !bytes.Contains(envelope.Parameters, []byte("@"))) {
		return envelope.Parameters, nil
	}
	dec := json.NewDecoder(bytes.NewReader(envelope.Parameters))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	redact(v)
	return json.Marshal(v)
}

func redact(v any) {
	var tokens []string
	collectTokens(v, &tokens)
	scrubParams(v, tokens)
}

// collectTokens appends the external_api_token strings of v.
func collectTokens(v any, tokens *[]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, isString := e.(string); isString && k == "external_api_token" {
				if len(s) >= 4 { // shorter text would mask what is not a secret
					*tokens = append(*tokens, s)
				}
				continue
			}
			collectTokens(e, tokens)
		}
	case []any:
		for _, e := range t {
			collectTokens(e, tokens)
		}
	}
}

// scrubParams masks the tokens and the user information of external base URLs in v.
func scrubParams(v any, tokens []string) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			s, isString := e.(string)
			switch {
			case isString && k == "external_api_token":
				t[k] = "REDACTED"
			case isString:
				if k == "external_base_url" {
					s = withoutUserinfo(s)
				}
				for _, tok := range tokens {
					s = strings.ReplaceAll(s, tok, "REDACTED")
				}
				t[k] = s
			default:
				scrubParams(e, tokens)
			}
		}
	case []any:
		for i, e := range t {
			if s, isString := e.(string); isString {
				for _, tok := range tokens {
					s = strings.ReplaceAll(s, tok, "REDACTED")
				}
				t[i] = s
				continue
			}
			scrubParams(e, tokens)
		}
	}
}

// withoutUserinfo is a URL with its user name and password (if any) shown as REDACTED.
func withoutUserinfo(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil && strings.Contains(raw, "@"):
		return "REDACTED" // not a URL, and what is before the @ may be a credential
	case err != nil || u.User == nil:
		return raw
	}
	u.User = url.User("REDACTED")
	return u.String()
}
