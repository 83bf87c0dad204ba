package jinja

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Row is what a template is filled from: a row's fields as written (raw JSON), by name.
type Row interface {
	Field(name string) (json.RawMessage, bool)
}

// Template is a template parsed for rendering: text with {{ path }} placeholders.
type Template struct {
	parts []part
}

// part is a literal (path nil) or a placeholder.
type part struct {
	lit  string
	path []step
	raw  string // the placeholder as written
}

// step is one step of a placeholder's path: a field name, or an index into a list.
type step struct {
	name  string
	index int // when name is ""
}

// UnsupportedError is a template with something Jinja has and the engine does not render.
type UnsupportedError struct {
	Offset int    // byte offset of the construct in the template
	Text   string // the construct as written (shortened)
	Reason string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s at byte %d: %s", e.Text, e.Offset, e.Reason)
}

// MissingError is a row that lacks what a placeholder reads.
type MissingError struct {
	Placeholder string // as written: "{{ info.q }}"
	Path        string // what was missing: "info.q"
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s reads %s, which the row does not have", e.Placeholder, e.Path)
}

// Parse reads a template for rendering. The engine renders what a judge prompt needs and nothing
// more: placeholders {{ field }}, {{ field.name }}, {{ field["name"] }} and {{ field[0] }} (with
// any spacing, and "{{-" / "-}}" trimming the whitespace beside them); {# comments #} are dropped.
// Anything else of the language (statements such as {% if %}, filters, expressions) is an
// [*UnsupportedError] naming it and where it is: rendering it wrongly would judge with a prompt the
// user did not write.
func Parse(text string) (*Template, error) {
	t := &Template{}
	lit := strings.Builder{}
	trimNext := false
	flush := func() {
		s := lit.String()
		lit.Reset()
		if trimNext {
			s = strings.TrimLeft(s, " \t\r\n")
			trimNext = false
		}
		if s != "" {
			t.parts = append(t.parts, part{lit: s})
		}
	}
	i := 0
	for i < len(text) {
		j := strings.IndexByte(text[i:], '{')
		if j < 0 || i+j+1 >= len(text) {
			lit.WriteString(text[i:])
			break
		}
		start := i + j
		var closer string
		switch text[start+1] {
		case '{':
			closer = "}}"
		case '%':
			closer = "%}"
		case '#':
			closer = "#}"
		default:
			lit.WriteString(text[i : start+1])
			i = start + 1
			continue
		}
		lit.WriteString(text[i:start])
		end := strings.Index(text[start+2:], closer)
		if end < 0 {
			return nil, &UnsupportedError{Offset: start, Text: text[start : start+2], Reason: "never closed with " + closer}
		}
		raw := text[start : start+2+end+2]
		inner := text[start+2 : start+2+end]
		i = start + 2 + end + 2
		if strings.HasPrefix(inner, "-") {
			s := strings.TrimRight(lit.String(), " \t\r\n")
			lit.Reset()
			lit.WriteString(s)
		}
		flush()
		trimNext = strings.HasSuffix(inner, "-")
		switch closer {
		case "#}":
			continue
		case "%}":
			return nil, &UnsupportedError{Offset: start, Text: shorten(raw), Reason: "statements ({% ... %}) are not rendered by the local engine; use {{ field }} placeholders"}
		}
		path, ok := parsePath(strings.TrimSpace(strings.Trim(inner, "-+")))
		if !ok {
			return nil, &UnsupportedError{Offset: start, Text: shorten(raw), Reason: `the local engine renders only a field and its parts ({{ field }}, {{ field.name }}, {{ field["name"] }}, {{ field[0] }}), not filters or expressions`}
		}
		t.parts = append(t.parts, part{path: path, raw: raw})
	}
	flush()
	return t, nil
}

func shorten(s string) string {
	if len(s) <= 60 {
		return s
	}
	cut := 57
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// parsePath reads field(.name | .digits | ["name"] | ['name'] | [digits])*.
func parsePath(expr string) ([]step, bool) {
	var path []step
	k := identEnd(expr, 0)
	if k == 0 || IsReserved(expr[:k]) {
		return nil, false
	}
	path = append(path, step{name: expr[:k]})
	i := k
	for i < len(expr) {
		switch expr[i] {
		case '.':
			i++
			if k := identEnd(expr, i); k > i {
				path = append(path, step{name: expr[i:k]})
				i = k
			} else if k := digitsEnd(expr, i); k > i {
				n, err := strconv.Atoi(expr[i:k])
				if err != nil {
					return nil, false
				}
				path = append(path, step{index: n})
				i = k
			} else {
				return nil, false
			}
		case '[':
			close := strings.IndexByte(expr[i:], ']')
			if close < 0 {
				return nil, false
			}
			inner := strings.TrimSpace(expr[i+1 : i+close])
			i += close + 1
			switch {
			case len(inner) >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[len(inner)-1] == inner[0]:
				name := inner[1 : len(inner)-1]
				if strings.ContainsAny(name, `\"'`) {
					return nil, false
				}
				path = append(path, step{name: name})
			case inner != "" && digitsEnd(inner, 0) == len(inner):
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, false
				}
				path = append(path, step{index: n})
			default:
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return path, true
}

func identEnd(s string, i int) int {
	k := i
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if k == i && !isIdentStart(r) || k > i && !isIdentPart(r) {
			break
		}
		k += size
	}
	return k
}

func digitsEnd(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// Render fills the template from row. A string field is written as it is; any other value as
// Python's str() writes it (the service's templates are Jinja2): True, False, None, numbers as
// Python prints them, lists and objects as Python's repr in the order written. A placeholder whose
// path the row lacks is a [*MissingError].
func (t *Template) Render(row Row) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.path == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := p.lookup(row)
		if err != nil {
			return "", err
		}
		if err := writeStr(&b, v); err != nil {
			return "", fmt.Errorf("%s: %w", p.raw, err)
		}
	}
	return b.String(), nil
}

// Check reports the first placeholder whose path row lacks, as Render would, without rendering.
func (t *Template) Check(row Row) error {
	for _, p := range t.parts {
		if p.path != nil {
			if _, err := p.lookup(row); err != nil {
				return err
			}
		}
	}
	return nil
}

// lookup follows the placeholder's path through row.
func (p part) lookup(row Row) (json.RawMessage, error) {
	v, ok := row.Field(p.path[0].name)
	where := p.path[0].name
	for _, s := range p.path[1:] {
		if !ok {
			break
		}
		if s.name != "" {
			where += "." + s.name
			v, ok = member(v, s.name)
		} else {
			where += "[" + strconv.Itoa(s.index) + "]"
			v, ok = element(v, s.index)
		}
	}
	if !ok {
		return nil, &MissingError{Placeholder: p.raw, Path: where}
	}
	return v, nil
}

// errNotJSON is a row value that is not valid JSON (rows are checked before they reach a template).
var errNotJSON = errors.New("the row holds a value that is not valid JSON")
