package specdrift

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// WriteText writes one line per finding and per stale deviation: where (operations, place), what
// changed, the kind, and a JSON pointer into each document, with the line of openapi.yaml.
func (r *Report) WriteText(w io.Writer) error {
	spec := filepath.Base(r.Spec)
	for _, f := range r.Findings {
		where := f.Where[0]
		if n := len(f.Where) - 1; n > 0 {
			where += fmt.Sprintf(" (and %d more)", n)
		}
		ours := f.Ours
		if f.OursLine > 0 {
			ours += fmt.Sprintf(" (%s:%d)", spec, f.OursLine)
		}
		if _, err := fmt.Fprintf(w, "%s %s: %s [%s] upstream %s; ours %s\n",
			strings.Join(f.Operations, ", "), where, f.Detail, f.Kind, f.Upstream, ours); err != nil {
			return err
		}
	}
	for _, d := range r.Stale {
		if _, err := fmt.Fprintf(w, "%s:%d: stale deviation (%s): no difference matches it any more; remove it or correct it [stale]\n",
			r.Deviations, d.Line, d.selectors()); err != nil {
			return err
		}
	}
	return nil
}

// selectors says what a deviation matches, for messages.
func (d Deviation) selectors() string {
	parts := []string{"kind " + d.Kind}
	for _, s := range [][2]string{{"operation", d.Operation}, {"ours", d.Ours}, {"upstream", d.Upstream}, {"value", d.Value}} {
		if s[1] != "" {
			parts = append(parts, s[0]+" "+s[1])
		}
	}
	return strings.Join(parts, ", ")
}

// WriteJSON writes the report as one JSON object (findings, stale, covered and the file names).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
