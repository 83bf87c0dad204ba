package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/evalkit/together-evals/internal/jinja"
)

// Columns every job may carry without using them in a template.
const (
	// imageColumn holds image data URLs for multimodal judges; the service accepts it as is.
	imageColumn = "image_data_urls"
	// judgeHookColumn forces the stand-in judge's verdict on a row (see the package doc). It is
	// this implementation's own, not the service's.
	judgeHookColumn = "__judge"
)

// templates returns every template of a job: the judge's, and those of generating models.
func (spec jobSpec) templates() []string {
	var out []string
	for _, t := range spec.namedTemplates() {
		out = append(out, t.text)
	}
	return out
}

// namedTemplate is a template of a job and the parameter that holds it.
type namedTemplate struct {
	param string // "parameters.judge.system_template"
	text  string
}

// namedTemplates returns every template of a job with its parameter's name.
func (spec jobSpec) namedTemplates() []namedTemplate {
	out := []namedTemplate{{"parameters.judge.system_template", spec.judge.SystemTemplate}}
	for _, s := range spec.slots {
		if s.model != nil {
			out = append(out,
				namedTemplate{"parameters." + s.param + ".system_template", s.model.SystemTemplate},
				namedTemplate{"parameters." + s.param + ".input_template", s.model.InputTemplate})
		}
	}
	return out
}

// referencedColumns lists the input columns a job reads: placeholder columns of its templates and
// the columns named by model_to_evaluate / model_a / model_b.
func (spec jobSpec) referencedColumns() []string {
	seen := map[string]bool{}
	var out []string
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, t := range spec.templates() {
		for _, r := range jinja.Scan(t).Refs {
			add(r.Field)
		}
	}
	for _, s := range spec.slots {
		add(s.column)
	}
	return out
}

// columnProblem says why the service would fail a job on the columns present in its input, or ""
// if it would not: every input column must be used (by a template, as a model column, or as
// image_data_urls), and every column the job reads must exist. The wording is the service's.
func columnProblem(spec jobSpec, present map[string]bool) string {
	used := map[string]bool{imageColumn: true, judgeHookColumn: true}
	referenced := spec.referencedColumns()
	for _, c := range referenced {
		used[c] = true
	}
	var unsupported, missing []string
	for c := range present {
		if !used[c] {
			unsupported = append(unsupported, c)
		}
	}
	for _, c := range referenced {
		if !present[c] {
			missing = append(missing, c)
		}
	}
	sort.Strings(unsupported)
	if len(unsupported) > 0 {
		return "Unsupported dataset column(s): " + strings.Join(unsupported, ", ")
	}
	if len(missing) > 0 {
		return "Missing dataset column(s): " + strings.Join(missing, ", ")
	}
	return ""
}

// Field is the value of a field of the row as written (the last, if a name repeats): the row as
// a template reads it.
func (r inputRow) Field(name string) (json.RawMessage, bool) {
	for i := len(r.members) - 1; i >= 0; i-- {
		if r.members[i].key == name {
			return r.members[i].value, true
		}
	}
	return nil, false
}

// rowProblem says why the engine cannot fill a job's templates from row n (1-based), or "" when
// it can: a placeholder reads a field, or a part of one ({{info.q}}), that the row lacks. Templates
// the engine cannot parse are left to the judge's own check (see chatJudge.jobProblem); the
// stand-in renders them leniently.
func rowProblem(spec jobSpec, n int, row inputRow) string {
	for _, t := range spec.namedTemplates() {
		tmpl, err := parseTemplate(t.text)
		if err != nil {
			continue
		}
		if err := tmpl.Check(row); err != nil {
			return fmt.Sprintf("Row %d: %s in %s", n, err, t.param)
		}
	}
	return ""
}

// render fills a template from a row for the stand-in; a template the engine cannot parse or fill
// (rowProblem has failed such a job already) is kept as written.
func render(template string, row inputRow) string {
	tmpl, err := parseTemplate(template)
	if err != nil {
		return template
	}
	out, err := tmpl.Render(row)
	if err != nil {
		return template
	}
	return out
}

// templateCacheSize bounds the parsed templates kept: a job's rows render the same few templates,
// and jobs come and go.
const templateCacheSize = 256

var templateCache = struct {
	sync.RWMutex
	m map[string]parsedTemplate
}{m: map[string]parsedTemplate{}}

type parsedTemplate struct {
	t   *jinja.Template
	err error
}

// parseTemplate is jinja.Parse, remembered: every row of a job fills the same templates. A parsed
// template is never changed, so one may be shared.
func parseTemplate(text string) (*jinja.Template, error) {
	templateCache.RLock()
	p, ok := templateCache.m[text]
	templateCache.RUnlock()
	if ok {
		return p.t, p.err
	}
	templateCache.Lock()
	defer templateCache.Unlock()
	if len(templateCache.m) >= templateCacheSize {
		clear(templateCache.m)
	}
	t, err := jinja.Parse(text)
	templateCache.m[text] = parsedTemplate{t, err}
	return t, err
}
