// Package jinja holds the template rules that the client's pre-flight (wrappers) and the local
// engine (api) share: which input fields a Jinja-like template uses (Scan), and how the engine fills
// a template from a row (Parse, Template.Render). One set of rules, so that what the pre-flight
// accepts is what the engine renders.
package jinja

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ref is one input field a template names: the head of a placeholder path
// ({{info.q}} names "info") and the placeholder as written.
type Ref struct {
	Field string
	Text  string
}

// Scanned is what [Scan] finds in a template.
type Scanned struct {
	Refs   []Ref    // fields named, in order of first use
	Locals []string // names the template defines itself ({% for x in ... %}, {% set x = ... %})
	Issues []string // syntax the scan could not follow (an unclosed "{{"), with the byte offset
}

// IsReserved reports whether name is a word of the template language (a keyword, a constant or a
// variable Jinja defines itself), never an input field.
func IsReserved(name string) bool { return jinjaReserved[name] }

// jinjaReserved are words of the template language that are never input
// fields: keywords, constants and the variables Jinja defines itself.
var jinjaReserved = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true, "if": true, "else": true,
	"true": true, "false": true, "none": true, "True": true, "False": true, "None": true,
	"loop": true, "self": true, "super": true, "caller": true, "varargs": true, "kwargs": true,
}

// Scan finds the input fields a Jinja-like template uses. It reads
// "{{ expression }}" placeholders and the expressions of "{% if %}", "{% elif %}",
// "{% for %}", "{% set %}" and "{% with %}" statements; "{# comments #}" and
// "{% raw %}" blocks are skipped. In an expression, the fields are the names
// that head a path (info in info.q or info["q"]), filter and test names
// (x | upper, x is defined), function names, keyword arguments, literals and
// language keywords excluded. Names the template defines ({% for m in rows %}
// defines m) are locals, not fields. Scoping is not modelled: a name defined
// anywhere is local everywhere.
func Scan(text string) Scanned {
	var s Scanned
	seen := map[string]bool{}
	locals := map[string]bool{}
	add := func(names []string, raw string) {
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				s.Refs = append(s.Refs, Ref{Field: n, Text: raw})
			}
		}
	}
	i := 0
	for i < len(text) {
		j := strings.IndexByte(text[i:], '{')
		if j < 0 || i+j+1 >= len(text) {
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
			i = start + 1
			continue
		}
		end := strings.Index(text[start+2:], closer)
		if end < 0 {
			s.Issues = append(s.Issues, fmt.Sprintf("%q at byte %d is never closed with %q", text[start:start+2], start, closer))
			break
		}
		inner := text[start+2 : start+2+end]
		raw := text[start : start+2+end+2]
		i = start + 2 + end + 2
		inner = strings.Trim(inner, "-+")
		switch closer {
		case "}}":
			add(exprNames(inner), raw)
		case "%}":
			word, rest := firstWord(inner)
			switch word {
			case "if", "elif":
				add(exprNames(rest), raw)
			case "for":
				targets, expr, ok := strings.Cut(rest, " in ")
				if !ok {
					continue
				}
				for _, t := range strings.Split(targets, ",") {
					if t = strings.Trim(strings.TrimSpace(t), "()"); t != "" {
						locals[t] = true
					}
				}
				add(exprNames(expr), raw)
			case "set":
				// {% set x = expr %}, {% set a, b = expr %}, {% set x %}...{% endset %}
				targets, expr, _ := strings.Cut(rest, "=")
				for _, t := range strings.Split(targets, ",") {
					if t = strings.TrimSpace(t); IsIdent(t) {
						locals[t] = true
					}
				}
				add(exprNames(expr), raw)
			case "with":
				// {% with a = 1, b = c %}
				for _, part := range strings.Split(rest, ",") {
					name, expr, ok := strings.Cut(part, "=")
					if !ok {
						add(exprNames(part), raw)
						continue
					}
					if name = strings.TrimSpace(name); IsIdent(name) {
						locals[name] = true
					}
					add(exprNames(expr), raw)
				}
			case "raw":
				k := strings.Index(text[i:], "endraw")
				if k < 0 {
					s.Issues = append(s.Issues, fmt.Sprintf("{%% raw %%} at byte %d has no {%% endraw %%}", start))
					i = len(text)
					continue
				}
				if e := strings.Index(text[i+k:], "%}"); e >= 0 {
					i += k + e + 2
				} else {
					i = len(text)
				}
			}
		}
	}
	for name := range locals {
		s.Locals = append(s.Locals, name)
	}
	if len(locals) > 0 {
		refs := s.Refs[:0]
		for _, r := range s.Refs {
			if !locals[r.Field] {
				refs = append(refs, r)
			}
		}
		s.Refs = refs
	}
	return s
}

func firstWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	k := strings.IndexFunc(s, unicode.IsSpace)
	if k < 0 {
		return s, ""
	}
	return s[:k], s[k+1:]
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// IsIdent reports whether s is a name a template can use as a field: a letter or '_', then
// letters, digits and '_'.
func IsIdent(s string) bool {
	for k, r := range s {
		if k == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return false
		}
	}
	return s != ""
}

// exprNames returns the names an expression reads from its context: every
// identifier that heads a path, except keywords, filter and test names,
// function names and keyword-argument names.
func exprNames(expr string) []string {
	var names []string
	prev := byte(0) // last significant byte before the current token
	afterIs := false
	i := 0
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '"' || c == '\'':
			k := i + 1
			for k < len(expr) && expr[k] != c {
				if expr[k] == '\\' {
					k++
				}
				k++
			}
			i = k + 1
			prev = c
			afterIs = false
			continue
		case c >= '0' && c <= '9':
			for i < len(expr) && (isASCIIAlnum(expr[i]) || expr[i] == '.' || expr[i] == '_') {
				i++
			}
			prev = '0'
			afterIs = false
			continue
		}
		r, size := utf8.DecodeRuneInString(expr[i:])
		if !isIdentStart(r) {
			prev = c
			afterIs = false
			i += size
			continue
		}
		k := i
		for k < len(expr) {
			r, size := utf8.DecodeRuneInString(expr[k:])
			if !isIdentPart(r) {
				break
			}
			k += size
		}
		name := expr[i:k]
		next := skipSpaceString(expr, k)
		var nextByte byte
		if next < len(expr) {
			nextByte = expr[next]
		}
		keywordArg := nextByte == '=' && (next+1 >= len(expr) || expr[next+1] != '=')
		switch {
		case name == "is":
			afterIs = true
		case name == "not" && afterIs:
			// "x is not defined": the test name follows.
		case afterIs:
			afterIs = false // a test name
		case prev == '.' || prev == '|':
		case nextByte == '(':
		case keywordArg:
		case jinjaReserved[name]:
		default:
			names = append(names, name)
		}
		prev = 'a'
		i = k
	}
	return names
}

func skipSpaceString(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
