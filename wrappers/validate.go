package wrappers

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"unicode"
)

// The rules checked before a create is sent. Each problem is a *ValidationError whose Field is the
// wire path. The spec's rules: required fields, at least two labels and one pass label, the model
// source enum, temperatures within 0..2, max_tokens and num_workers at least 1. The obvious ones:
// labels distinct and not empty, pass labels among the labels, min_score < max_score with
// pass_threshold between them, finite numbers, external settings only with the external source and
// an absolute http(s) external base URL, model_a and model_b not the same column.

// problems collects validation errors.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return errors.Join(p...) }

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Validate checks the request; see [CreateRequest].
func (r ClassifyRequest) Validate() error {
	var p problems
	r.Judge.check(&p, "parameters.judge")
	if len(r.Labels) < 2 {
		p.add("parameters.labels", "at least 2 labels are required, got %d", len(r.Labels))
	}
	labels := make(map[string]bool, len(r.Labels))
	for i, l := range r.Labels {
		field := fmt.Sprintf("parameters.labels[%d]", i)
		switch {
		case l == "":
			p.add(field, "must not be empty")
		case labels[l]:
			p.add(field, "%q appears more than once", l)
		}
		labels[l] = true
	}
	if len(r.PassLabels) < 1 {
		p.add("parameters.pass_labels", "at least 1 pass label is required")
	}
	passes := make(map[string]bool, len(r.PassLabels))
	for i, l := range r.PassLabels {
		field := fmt.Sprintf("parameters.pass_labels[%d]", i)
		switch {
		case l == "":
			p.add(field, "must not be empty")
		case passes[l]:
			p.add(field, "%q appears more than once", l)
		case !labels[l]:
			p.add(field, "%q is not one of the labels", l)
		}
		passes[l] = true
	}
	checkTarget(&p, "parameters.model_to_evaluate", r.ModelToEvaluate)
	checkFileID(&p, r.InputFileID)
	return p.err()
}

// Validate checks the request; see [CreateRequest].
func (r ScoreRequest) Validate() error {
	var p problems
	r.Judge.check(&p, "parameters.judge")
	finite := true
	for _, f := range []struct {
		name string
		v    float64
	}{{"min_score", r.MinScore}, {"max_score", r.MaxScore}, {"pass_threshold", r.PassThreshold}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			p.add("parameters."+f.name, "must be a finite number, got %s", fmtNum(f.v))
			finite = false
		}
	}
	if finite {
		if r.MinScore >= r.MaxScore {
			p.add("parameters.max_score", "must be greater than min_score (%s), got %s", fmtNum(r.MinScore), fmtNum(r.MaxScore))
		} else if r.PassThreshold < r.MinScore || r.PassThreshold > r.MaxScore {
			p.add("parameters.pass_threshold", "must be between min_score (%s) and max_score (%s), got %s",
				fmtNum(r.MinScore), fmtNum(r.MaxScore), fmtNum(r.PassThreshold))
		}
	}
	checkTarget(&p, "parameters.model_to_evaluate", r.ModelToEvaluate)
	checkFileID(&p, r.InputFileID)
	return p.err()
}

// Validate checks the request; see [CreateRequest].
func (r CompareRequest) Validate() error {
	var p problems
	r.Judge.check(&p, "parameters.judge")
	if r.ModelA == nil {
		p.add("parameters.model_a", "is required for a compare job: a column of the input file or a model")
	}
	if r.ModelB == nil {
		p.add("parameters.model_b", "is required for a compare job: a column of the input file or a model")
	}
	checkTarget(&p, "parameters.model_a", r.ModelA)
	checkTarget(&p, "parameters.model_b", r.ModelB)
	if a, ok := r.ModelA.(Column); ok {
		if b, ok := r.ModelB.(Column); ok && a == b && a != "" {
			p.add("parameters.model_b", "names the same column as model_a (%q)", string(a))
		}
	}
	checkFileID(&p, r.InputFileID)
	return p.err()
}

func (j Judge) check(p *problems, field string) {
	if j.Model == "" {
		p.add(field+".model", "is required")
	}
	if j.SystemTemplate == "" {
		p.add(field+".system_template", "is required")
	}
	checkSource(p, field, j.ModelSource, string(j.ExternalAPIToken) != "", j.ExternalBaseURL)
	if j.MaxTokens < 0 {
		p.add(field+".max_tokens", "must be at least 1, got %d", j.MaxTokens)
	}
	if j.NumWorkers < 0 {
		p.add(field+".num_workers", "must be at least 1, got %d", j.NumWorkers)
	}
	if j.Temperature != nil {
		checkTemperature(p, field+".temperature", *j.Temperature)
	}
}

func (m Model) check(p *problems, field string) {
	if m.Name == "" {
		p.add(field+".model", "is required")
	}
	if m.InputTemplate == "" {
		p.add(field+".input_template", "is required")
	}
	if m.MaxTokens < 1 {
		p.add(field+".max_tokens", "is required and must be at least 1, got %d", m.MaxTokens)
	}
	if m.Temperature == nil {
		p.add(field+".temperature", "is required (0 to 2)")
	} else {
		checkTemperature(p, field+".temperature", *m.Temperature)
	}
	checkSource(p, field, m.ModelSource, string(m.ExternalAPIToken) != "", m.ExternalBaseURL)
	if m.NumWorkers < 0 {
		p.add(field+".num_workers", "must be at least 1, got %d", m.NumWorkers)
	}
}

func checkTemperature(p *problems, field string, t float64) {
	if math.IsNaN(t) || t < 0 || t > 2 {
		p.add(field, "must be between 0 and 2, got %s", fmtNum(t))
	}
}

func checkSource(p *problems, field string, s ModelSource, hasToken bool, baseURL string) {
	switch s {
	case "", ModelSourceServerless, ModelSourceDedicated:
		if hasToken {
			p.add(field+".external_api_token", "is only used with model_source %q", ModelSourceExternal)
		}
		if baseURL != "" {
			p.add(field+".external_base_url", "is only used with model_source %q", ModelSourceExternal)
		}
	case ModelSourceExternal:
		if baseURL == "" {
			p.add(field+".external_base_url", "is required when model_source is %q", ModelSourceExternal)
		} else {
			u, err := url.Parse(baseURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				p.add(field+".external_base_url", "must be an absolute http(s) URL, got %q", baseURL)
			}
		}
	default:
		p.add(field+".model_source", "must be one of serverless, dedicated, external, got %q", string(s))
	}
}

func checkTarget(p *problems, field string, t Target) {
	switch v := t.(type) {
	case nil:
	case Column:
		if v == "" {
			p.add(field, "the column name must not be empty")
		}
	case Model:
		v.check(p, field)
	case *Model:
		if v == nil {
			p.add(field, "is a nil *Model")
			return
		}
		v.check(p, field)
	}
}

func checkFileID(p *problems, id string) {
	const field = "parameters.input_data_file_path"
	if id == "" {
		p.add(field, "is required: the id of the uploaded input file")
		return
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			p.add(field, "holds a control character: %q", id)
			return
		}
	}
}
