package jinja

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzRender: Parse never panics; a template it accepts renders from a row that has every field
// without error; a template with no '{' renders as itself; every field Parse reads, Scan reports
// (the pre-flight never lets through a row the engine would refuse). Seeds: testdata/fuzz/FuzzRender.
func FuzzRender(f *testing.F) {
	f.Add("Q: {{ q }} {{info.a}} {# c #} {{- x -}}")
	f.Fuzz(func(t *testing.T, text string) {
		tmpl, err := Parse(text)
		if err != nil {
			return
		}
		var fields []string
		for _, r := range Scan(text).Refs {
			fields = append(fields, r.Field)
		}
		r := row{}
		for _, p := range tmpl.parts {
			if p.path == nil {
				continue
			}
			if !slices.Contains(fields, p.path[0].name) {
				t.Fatalf("%q: Parse reads %q, Scan reports %q", text, p.path[0].name, fields)
			}
			if len(p.path) == 1 {
				r[p.path[0].name] = json.RawMessage(`"v"`)
			}
		}
		out, err := tmpl.Render(r)
		if err != nil {
			var missing *MissingError
			if !errors.As(err, &missing) {
				t.Fatalf("%q: %v", text, err)
			}
			return
		}
		if !strings.Contains(text, "{") && out != text {
			t.Fatalf("%q rendered as %q", text, out)
		}
	})
}
