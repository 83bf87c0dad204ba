package jinja

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// row is a Row read from one JSON object line.
type row map[string]json.RawMessage

func (r row) Field(name string) (json.RawMessage, bool) {
	v, ok := r[name]
	return v, ok
}

func mustRow(t *testing.T, line string) row {
	t.Helper()
	var r row
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRender(t *testing.T) {
	r := `{"q": "Is the sky blue?", "n": 10, "f": 1.0, "big": 1e16, "small": 0.00001, "neg0": -0,
		"ok": true, "no": false, "nil": null,
		"info": {"a": {"b": "deep"}, "z": 1, "list": [1, "two", {"k": null}]}, "quote": "it's",
		"arr": ["x", "y"], "weird key": "w"}`
	tests := []struct{ template, want string }{
		{"{{q}}", "Is the sky blue?"},
		{"Q: {{ q }}!", "Q: Is the sky blue?!"},
		{"{{info.a.b}} {{ info['a']['b'] }} {{ info[\"a\"].b }}", "deep deep deep"},
		{"{{ arr[1] }} {{ arr.0 }}", "y x"},
		{"{{n}} {{f}} {{big}} {{small}} {{neg0}}", "10 1.0 1e+16 1e-05 0"},
		{"{{ok}} {{no}} {{nil}}", "True False None"},
		{"{{ info }}", `{'a': {'b': 'deep'}, 'z': 1, 'list': [1, 'two', {'k': None}]}`},
		{`{{ info["list"] }} [{{ quote }}]`, `[1, 'two', {'k': None}] [it's]`},
		{"a {# a comment {{ q }} #}b", "a b"},
		{"a  {{- n -}}  b", "a10b"},
		{"{ not a placeholder } {{ q }}", "{ not a placeholder } Is the sky blue?"},
	}
	for _, tt := range tests {
		tmpl, err := Parse(tt.template)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.template, err)
			continue
		}
		got, err := tmpl.Render(mustRow(t, r))
		if err != nil || got != tt.want {
			t.Errorf("Render(%q) = %q, %v; want %q", tt.template, got, err, tt.want)
		}
	}
	esc := mustRow(t, `{"e": "a\"b\\n\u00e9", "u": "caf\u00e9 ok", "n": -1.5e3}`)
	escTmpl, _ := Parse("{{e}}|{{u}}|{{n}}")
	if got, err := escTmpl.Render(esc); err != nil || got != "a\"b\\né|café ok|-1500.0" {
		t.Errorf("escapes: %q, %v", got, err)
	}
	obj := mustRow(t, `{"s": {"q": "it's \"x\"", "c": "a\nb\\"}}`)
	tmpl, _ := Parse("{{ s }}")
	if got, _ := tmpl.Render(obj); got != `{'q': 'it\'s "x"', 'c': 'a\nb\\'}` {
		t.Errorf("quoting: %s", got)
	}
}

func TestRenderMissing(t *testing.T) {
	r := mustRow(t, `{"q": "x", "info": {"a": 1}, "arr": [1]}`)
	for template, path := range map[string]string{
		"{{ reference }}":      "reference",
		"{{ q }} {{ info.b }}": "info.b",
		"{{ info.a.c }}":       "info.a.c",
		"{{ arr[3] }}":         "arr[3]",
		"{{ q.x }}":            "q.x",
	} {
		tmpl, err := Parse(template)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tmpl.Render(r)
		var me *MissingError
		if !errors.As(err, &me) || me.Path != path {
			t.Errorf("Render(%q): %v, want a missing %s", template, err, path)
			continue
		}
		if cerr := tmpl.Check(r); cerr == nil || cerr.Error() != err.Error() {
			t.Errorf("Check(%q) = %v, Render said %v", template, cerr, err)
		}
		if !strings.Contains(err.Error(), path+", which the row does not have") {
			t.Errorf("message %q", err)
		}
	}
}

func TestParseRefusesWhatItCannotRender(t *testing.T) {
	for template, want := range map[string]string{
		"{% if x %}a{% endif %}":        "{% if x %} at byte 0: statements",
		"ok {{ name | upper }}":         "{{ name | upper }} at byte 3: the local engine renders only",
		"{{ a + b }}":                   "{{ a + b }} at byte 0",
		"{{ f(x) }}":                    "{{ f(x) }} at byte 0",
		"{{ true }}":                    "{{ true }} at byte 0",
		"text {{ open":                  "{{ at byte 5: never closed with }}",
		"{# open":                       "{# at byte 0: never closed with #}",
		`{{ a["b\"c"] }}`:               `at byte 0`,
		"{{ }}":                         "{{ }} at byte 0",
		"{{ a[b] }}":                    "{{ a[b] }} at byte 0",
		"{{ a. }}":                      "{{ a. }} at byte 0",
		"{{ a[99999999999999999999] }}": "at byte 0",
	} {
		_, err := Parse(template)
		var ue *UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", template, err, want)
		}
	}
}

// TestParseAgreesWithScan: every field a renderable template reads is a field Scan reports, so the
// pre-flight (Scan) and the engine (Render) never disagree on what a row needs.
func TestParseAgreesWithScan(t *testing.T) {
	for _, template := range []string{"{{q}} {{ info.a }} {{ arr[0] }}", "{{ a['b'] }}{# {{ c }} #}", "x {{- y -}} z"} {
		tmpl, err := Parse(template)
		if err != nil {
			t.Fatal(err)
		}
		var heads []string
		for _, p := range tmpl.parts {
			if p.path != nil {
				heads = append(heads, p.path[0].name)
			}
		}
		var scanned []string
		for _, r := range Scan(template).Refs {
			scanned = append(scanned, r.Field)
		}
		if strings.Join(heads, ",") != strings.Join(scanned, ",") {
			t.Errorf("%q: Parse reads %v, Scan reports %v", template, heads, scanned)
		}
	}
}
