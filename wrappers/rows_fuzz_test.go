package wrappers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evalkit/together-evals/internal/jinja"
)

// oracleInputOK decides, with encoding/json and none of CheckInput's code,
// whether data passes the structural rules: no BOM, valid UTF-8, every line
// one JSON object with at least one field, every row with the fields of the
// first.
func oracleInputOK(data []byte) bool {
	if bytes.HasPrefix(data, utf8BOM) {
		return false
	}
	var first map[string]bool
	rows := 0
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // the newline after the last line ends it; no line follows
	}
	for _, line := range lines {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.Trim(line, " \t\r\n")) == 0 {
			return false // a blank line
		}
		if !utf8.Valid(line) {
			return false
		}
		trimmed := bytes.TrimLeft(line, " \t\r\n")
		if trimmed[0] != '{' {
			return false
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			return false
		}
		keys := map[string]bool{}
		for k := range m {
			keys[k] = true
		}
		if first == nil {
			if len(keys) == 0 {
				return false
			}
			first = keys
		} else if !maps.Equal(first, keys) {
			return false
		}
		rows++
	}
	return rows > 0
}

func FuzzCheckInput(f *testing.F) {
	f.Add([]byte("{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"c\", \"response\": \"d\"}\n"))
	f.Add([]byte("{\"a\": 1}\n[1]\n{\"b\": 2}\r\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := InputCheckOptions{
			Templates: []InputTemplate{{Name: "judge", Text: "{{ prompt }} {% for m in messages %}{{ m.x }}{% endfor %}"}},
			Columns:   []InputColumn{{Param: "model_to_evaluate", Name: "response"}},
		}
		for _, o := range []InputCheckOptions{{}, opts} {
			report, err := CheckInput(context.Background(), bytes.NewReader(data), "data.jsonl", o)
			if report == nil {
				t.Fatal("nil report")
			}
			if report.Bytes != int64(len(data)) {
				t.Fatalf("report.Bytes %d, input %d", report.Bytes, len(data))
			}
			var ie *InputError
			if err != nil && !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			if ie != nil {
				if ie.Total < len(ie.Problems) || len(ie.Problems) == 0 || len(ie.Problems) > DefaultMaxInputProblems {
					t.Fatalf("%d problems kept of %d", len(ie.Problems), ie.Total)
				}
				for _, p := range ie.Problems {
					if p.Line > report.Lines || p.Message == "" {
						t.Fatalf("problem %+v past the %d lines read", p, report.Lines)
					}
				}
			}
			if len(o.Templates) == 0 {
				if want := oracleInputOK(data); want != (err == nil) {
					t.Fatalf("CheckInput error %v, but encoding/json says the input is ok=%v", err, want)
				}
				if err == nil && report.Rows == 0 {
					t.Fatal("no error and no rows")
				}
			} else if err == nil && !oracleInputOK(data) {
				t.Fatal("usage check passed an input that fails the structural rules")
			}
		}
	})
}

func FuzzReadResultRows(f *testing.F) {
	f.Add([]byte(classifyRows))
	f.Add([]byte("{\"a\": 1}\n{\"a\": \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		for row, err := range ReadResultRows(bytes.NewReader(data)) {
			if err != nil {
				var re *RowError
				if row != nil || !errors.As(err, &re) || re.Line < 1 {
					t.Fatalf("row %v, error %v", row, err)
				}
				break
			}
			n++
			var m map[string]json.RawMessage
			if err := json.Unmarshal(row.Raw(), &m); err != nil {
				t.Fatalf("row at line %d does not decode: %v", row.Line(), err)
			}
			keys := slices.Clone(row.Keys())
			slices.Sort(keys)
			keys = slices.Compact(keys)
			if utf8.Valid(row.Raw()) && !slices.Equal(keys, slices.Sorted(maps.Keys(m))) {
				t.Fatalf("keys %q, encoding/json finds %q", keys, slices.Sorted(maps.Keys(m)))
			}
			for k, v := range m {
				got := row.Field(k)
				if got == nil && utf8.Valid(row.Raw()) {
					t.Fatalf("field %q missing", k)
				}
				var a, b bytes.Buffer
				if got != nil && (json.Compact(&a, got) != nil || json.Compact(&b, v) != nil || a.String() != b.String()) {
					t.Fatalf("field %q = %s, encoding/json finds %s", k, got, v)
				}
			}
			// Accessors never panic, whatever the values.
			_ = row.Success()
			_ = row.ErrorMessage()
			_ = row.Failure()
			_ = row.Feedback()
			_ = row.InvalidJudgeOutput()
			_, _ = row.Label()
			_, _ = row.Score()
			_ = row.FinalDecision()
			_, _ = row.ModelOutput()
			NewRowSummary().Add(row)
		}
		if n > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d rows from %d lines", n, bytes.Count(data, []byte("\n"))+1)
		}
	})
}

// naiveTag finds the template's tags the way a reader does, leftmost first, each ending at the
// first closer of its kind; naivePlaceholder reads a placeholder whose expression starts with a
// plain name followed by nothing, a path, a subscript or a filter: {{ x }}, {{ x.y }}, {{ x[0] }},
// {{ x | f }}. Together they are the oracle of placeholders scanTemplate must not miss.
var (
	naiveTag         = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}`)
	naivePlaceholder = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?:$|[.\[|])`)
	naiveRawEnd      = regexp.MustCompile(`(?s)endraw.*?%\}`)
)

// naiveFields returns the names that head simple placeholders ({{ name }}, {{ name.x }}, ...)
// outside comments and {% raw %} blocks, found with regular expressions alone.
func naiveFields(text string) []string {
	var names []string
	for pos := 0; pos < len(text); {
		loc := naiveTag.FindStringIndex(text[pos:])
		if loc == nil {
			break
		}
		tag := text[pos+loc[0] : pos+loc[1]]
		pos += loc[1]
		inner := strings.TrimSpace(strings.Trim(tag[2:len(tag)-2], "-+"))
		switch tag[:2] {
		case "{{":
			if m := naivePlaceholder.FindStringSubmatch(inner); m != nil {
				names = append(names, m[1])
			}
		case "{%":
			if f := strings.Fields(inner); len(f) > 0 && f[0] == "raw" {
				end := naiveRawEnd.FindStringIndex(text[pos:])
				if end == nil {
					return names
				}
				pos += end[1]
			}
		}
	}
	return names
}

func FuzzScanTemplate(f *testing.F) {
	f.Add("{{ prompt | upper }} {% for m in messages %}{{ m.content }}{% endfor %}")
	f.Add("{{ open")
	f.Add("{{a}}{{ b.c }}{{- d[0] -}}{{ e|f }}{# {{ g }} #}{% raw %}{{ h }}{% endraw %}{{ i }}")
	f.Fuzz(func(t *testing.T, text string) {
		s := scanTemplate(text)
		for _, r := range s.Refs {
			if !jinja.IsIdent(r.Field) || jinja.IsReserved(r.Field) || !bytes.Contains([]byte(text), []byte(r.Field)) {
				t.Fatalf("ref %+v from %q", r, text)
			}
		}
		if len(s.Issues) > 0 {
			return // the scan stopped at a tag that is never closed
		}
		for _, name := range naiveFields(text) {
			found := jinja.IsReserved(name) || slices.Contains(s.Locals, name) ||
				slices.ContainsFunc(s.Refs, func(r jinja.Ref) bool { return r.Field == name })
			if !found {
				t.Fatalf("%q: the placeholder naming %q was missed (refs %+v, locals %q)", text, name, s.Refs, s.Locals)
			}
		}
	})
}
