package wrappers

import "github.com/evalkit/together-evals/internal/jinja"

// The pre-flight reads templates with the rules the local engine renders them by (internal/jinja).
type templateScan = jinja.Scanned

// scanTemplate finds the input fields a template uses; see [jinja.Scan].
func scanTemplate(text string) templateScan { return jinja.Scan(text) }
