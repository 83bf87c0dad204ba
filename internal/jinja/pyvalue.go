package jinja

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// member is the value of key name in a raw JSON object (the last one, as Python's json keeps).
func member(raw json.RawMessage, name string) (json.RawMessage, bool) {
	dec, ok := open(raw, "{")
	if !ok {
		return nil, false
	}
	var found json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if key, _ := tok.(string); key == name {
			found = v
		}
	}
	return found, found != nil
}

// element is the i-th value of a raw JSON array.
func element(raw json.RawMessage, i int) (json.RawMessage, bool) {
	dec, ok := open(raw, "[")
	if !ok {
		return nil, false
	}
	for n := 0; dec.More(); n++ {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if n == i {
			return v, true
		}
	}
	return nil, false
}

// open starts decoding raw if it is an object ("{") or an array ("["), past the opening delimiter.
func open(raw json.RawMessage, delim string) (*json.Decoder, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != delim[0] {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	return dec, true
}

// Str is what a placeholder prints for a JSON value (see [Template.Render]).
func Str(raw json.RawMessage) (string, error) {
	var b strings.Builder
	if err := writeStr(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

// writeStr writes what Python's str() gives for a JSON value: a string as it is, anything else as
// its repr.
func writeStr(b *strings.Builder, raw json.RawMessage) error {
	// Fast paths for the values rows mostly hold: a string, a number, a literal.
	switch t := bytes.TrimSpace(raw); {
	case len(t) == 0:
		return errNotJSON
	case t[0] == '"':
		if bytes.IndexByte(t[1:], '\\') < 0 && bytes.IndexByte(t[1:], '"') == len(t)-2 && utf8.Valid(t) {
			b.Write(t[1 : len(t)-1])
			return nil
		}
		var s string
		if json.Unmarshal(t, &s) != nil {
			return errNotJSON
		}
		b.WriteString(s)
		return nil
	case t[0] == '-' || t[0] >= '0' && t[0] <= '9':
		if !json.Valid(t) {
			return errNotJSON
		}
		b.WriteString(pyNumber(json.Number(t)))
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return errNotJSON
	}
	if s, ok := tok.(string); ok {
		b.WriteString(s)
		return nil
	}
	return writeRepr(b, dec, tok)
}

// writeRepr writes Python's repr of the JSON value that starts with tok.
func writeRepr(b *strings.Builder, dec *json.Decoder, tok json.Token) error {
	switch t := tok.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if t {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		b.WriteString(pyQuote(t))
	case json.Number:
		b.WriteString(pyNumber(t))
	case json.Delim:
		opener, closer := "[", json.Delim(']')
		if t == '{' {
			opener, closer = "{", '}'
		}
		b.WriteString(opener)
		for n := 0; ; n++ {
			next, err := dec.Token()
			if err != nil {
				return errNotJSON
			}
			if next == closer {
				break
			}
			if n > 0 {
				b.WriteString(", ")
			}
			if t == '{' {
				key, _ := next.(string)
				b.WriteString(pyQuote(key))
				b.WriteString(": ")
				if next, err = dec.Token(); err != nil {
					return errNotJSON
				}
			}
			if err := writeRepr(b, dec, next); err != nil {
				return err
			}
		}
		b.WriteString(closer.String())
	}
	return nil
}

// pyNumber writes a JSON number as Python prints what json.loads makes of it: an int as its
// digits, a float (a number with a fraction or an exponent) by Python's float repr.
func pyNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			return "0"
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return s
	}
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// Python's repr: the shortest digits that read back, positional for exponents -4 to 15.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	p := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(p, ".") {
		p += ".0"
	}
	return p
}

// pyQuote is Python's repr of a string: single quotes unless the string holds a single quote and
// no double quote; backslash escapes for the quote, backslashes and control characters.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)+0x100, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
