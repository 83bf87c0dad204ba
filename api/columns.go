package api

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// Columns every job may carry without using them in a template.
const (
	// imageColumn holds image data URLs for multimodal judges; the service accepts it as is.
	imageColumn = "image_data_urls"
	// judgeHookColumn forces the stand-in judge's verdict on a row (see the package doc). It is
	// this implementation's own, not the service's.
	judgeHookColumn = "__judge"
)

// placeholder matches a {{ expression }} of a template; group 1 is the expression.
var placeholder = regexp.MustCompile(`\{\{\s*(.*?)\s*\}\}`)

// placeholderColumn is the input column a placeholder expression reads: the part before the first
// '.', '[' or '|' ({{info.q}} reads info).
func placeholderColumn(expr string) string {
	if i := strings.IndexAny(expr, ".[| "); i >= 0 {
		expr = expr[:i]
	}
	return expr
}

// templates returns every template of a job: the judge's, and those of generating models.
func (spec jobSpec) templates() []string {
	out := []string{spec.judge.SystemTemplate}
	for _, s := range spec.slots {
		if s.model != nil {
			out = append(out, s.model.SystemTemplate, s.model.InputTemplate)
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
		for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
			add(placeholderColumn(m[1]))
		}
	}
	for _, s := range spec.slots {
		add(s.column)
	}
	return out
}

// columnProblem says why the service would fail a job on its input columns, or "" if it would not:
// every input column must be used (by a template, as a model column, or as image_data_urls), and
// every column the job reads must exist. The wording is the service's.
func columnProblem(spec jobSpec, rows []inputRow) string {
	present := map[string]bool{}
	for _, r := range rows {
		for _, m := range r.members {
			present[m.key] = true
		}
	}
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

// render fills a template's placeholders from a row: strings as they are, other values as JSON,
// missing ones as nothing.
func render(template string, values map[string]any) string {
	return placeholder.ReplaceAllStringFunc(template, func(m string) string {
		expr := placeholder.FindStringSubmatch(m)[1]
		if i := strings.IndexByte(expr, '|'); i >= 0 {
			expr = strings.TrimSpace(expr[:i])
		}
		var v any = values
		for _, part := range strings.Split(expr, ".") {
			obj, ok := v.(map[string]any)
			if !ok {
				return ""
			}
			if v, ok = obj[part]; !ok {
				return ""
			}
		}
		if s, ok := v.(string); ok {
			return s
		}
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	})
}
