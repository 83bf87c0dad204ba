package jinja

import (
	"slices"
	"testing"
)

func TestScanTemplate(t *testing.T) {
	tests := []struct {
		text   string
		fields []string
		issues []string
	}{
		{"no placeholders", nil, nil},
		{"{{prompt}}", []string{"prompt"}, nil},
		{"{{ prompt }} and {{prompt}} again", []string{"prompt"}, nil},
		{"{{info.q}} {{ info.a.b }}", []string{"info"}, nil},
		{`{{ info["q"] }} {{ rows[0].text }}`, []string{"info", "rows"}, nil},
		{"{{ name | upper }} {{ x|default(y) }}", []string{"name", "x", "y"}, nil},
		{`{{ text | truncate(length=20, killwords=true) }}`, []string{"text"}, nil},
		{`{{ "literal {{" }} {{ 'q' ~ q }}`, []string{"q"}, nil},
		{"{{ a + b * 2 }} {{ -c }} {{ 1.5e3 }}", []string{"a", "b", "c"}, nil},
		{"{{ x if cond else y }}", []string{"x", "cond", "y"}, nil},
		{"{{ x is defined }} {{ y is not none }}", []string{"x", "y"}, nil},
		{"{{ range(3) }} {{ loop.index }}", nil, nil},
		{"{{- trimmed -}} {{+ kept +}}", []string{"trimmed", "kept"}, nil},
		{"{# {{ commented }} #}{{ live }}", []string{"live"}, nil},
		{"{% if flag %}{{ a }}{% elif other %}{{ b }}{% endif %}", []string{"flag", "a", "other", "b"}, nil},
		{"{% for m in messages %}{{ m.content }}{% endfor %}", []string{"messages"}, nil},
		{"{% for k, v in pairs.items() %}{{ k }}={{ v }}{% endfor %}", []string{"pairs"}, nil},
		{"{% set greeting = prefix ~ name %}{{ greeting }}", []string{"prefix", "name"}, nil},
		{"{% with total = count %}{{ total }}{% endwith %}", []string{"count"}, nil},
		{"{% raw %}{{ not_a_field }}{% endraw %}{{ field }}", []string{"field"}, nil},
		{"{{ café }}", []string{"café"}, nil},
		{"a { b } c", nil, nil},
		{"{{ open", nil, []string{`"{{" at byte 0 is never closed with "}}"`}},
		{"ok {{ a }} {% if b", []string{"a"}, []string{`"{%" at byte 11 is never closed with "%}"`}},
		{"{# never closed", nil, []string{`"{#" at byte 0 is never closed with "#}"`}},
	}
	for _, tt := range tests {
		s := Scan(tt.text)
		var fields []string
		for _, r := range s.Refs {
			fields = append(fields, r.Field)
		}
		if !slices.Equal(fields, tt.fields) || !slices.Equal(s.Issues, tt.issues) {
			t.Errorf("Scan(%q): fields %q issues %q, want %q %q", tt.text, fields, s.Issues, tt.fields, tt.issues)
		}
	}
	if s := Scan("x {{ a.b | upper }} y"); len(s.Refs) != 1 || s.Refs[0].Text != "{{ a.b | upper }}" {
		t.Errorf("ref text %+v", s.Refs)
	}
}
