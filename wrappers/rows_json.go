package wrappers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonKind names the kind of a JSON value from its first byte, for messages
// such as "a JSON array, not an object".
func jsonKind(data []byte) string {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 {
		return "empty"
	}
	switch c := data[0]; {
	case c == '{':
		return "a JSON object"
	case c == '[':
		return "a JSON array"
	case c == '"':
		return "a JSON string"
	case c == 't' || c == 'f':
		return "a JSON boolean"
	case c == 'n':
		return "JSON null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a JSON number"
	default:
		return "not JSON"
	}
}

// describeInvalidJSON explains why data (for which json.Valid is false) is not
// one JSON value: truncated, followed by a second value, or a syntax error at a
// column (1-based byte position in the line).
func describeInvalidJSON(data []byte) string {
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		if err == nil {
			// json.Valid disagreed with json.Unmarshal; cannot happen, but say something true.
			return "not valid JSON"
		}
		return "not valid JSON"
	}
	msg := syn.Error()
	switch {
	case msg == "unexpected end of JSON input":
		return fmt.Sprintf("truncated JSON: the line ends before %s is closed", jsonKind(data))
	case strings.Contains(msg, "after top-level value"):
		// The offset is just past the offending character.
		col := int(syn.Offset)
		if col >= 1 && col <= len(data) && strings.IndexByte(`{["-0123456789tfn`, data[col-1]) >= 0 {
			return fmt.Sprintf("more than one JSON value on the line (another value starts at column %d); put each row on a line of its own", col)
		}
		return fmt.Sprintf("invalid JSON at column %d: %s", col, syntaxWords(msg, false))
	default:
		start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
		return fmt.Sprintf("invalid JSON at column %d: %s", syn.Offset, syntaxWords(msg, int(syn.Offset) == start+1))
	}
}

// jsonMember is one top-level member of a JSON object: its key, as it appears
// between the quotes (still escaped when escaped is true), and its value.
type jsonMember struct {
	key     []byte
	escaped bool
	value   []byte
}

// name returns the member's key as a string, decoding escapes.
func (m jsonMember) name() string {
	if !m.escaped {
		if utf8.Valid(m.key) {
			return string(m.key)
		}
		return string(bytes.ToValidUTF8(m.key, []byte("\uFFFD")))
	}
	var s string
	// Re-quote the escaped key and let encoding/json decode it.
	q := make([]byte, 0, len(m.key)+2)
	q = append(q, '"')
	q = append(q, m.key...)
	q = append(q, '"')
	if err := json.Unmarshal(q, &s); err != nil {
		return string(m.key)
	}
	return s
}

// walkObject calls fn for each top-level member of the JSON object in data, in
// order, until fn returns false. data must be valid JSON (json.Valid); it
// reports false when data is not an object. The slices passed to fn point into
// data: no member is copied.
func walkObject(data []byte, fn func(m jsonMember) bool) bool {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		return true
	}
	for i < len(data) {
		if data[i] != '"' {
			return true // not reached for valid JSON
		}
		end, escaped := scanString(data, i)
		m := jsonMember{key: data[i+1 : end-1], escaped: escaped}
		i = skipWS(data, end)
		if i >= len(data) || data[i] != ':' {
			return true
		}
		i = skipWS(data, i+1)
		start := i
		i = skipValue(data, i)
		m.value = data[start:i]
		if !fn(m) {
			return true
		}
		i = skipWS(data, i)
		if i >= len(data) || data[i] != ',' {
			return true
		}
		i = skipWS(data, i+1)
	}
	return true
}

// scanString returns the index just past the JSON string starting at data[i]
// (a '"'), and whether it holds any escape.
func scanString(data []byte, i int) (end int, escaped bool) {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(data), escaped
}

// skipValue returns the index just past the JSON value starting at data[i].
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		end, _ := scanString(data, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i, _ = scanString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
			i++
		}
		return i
	}
}

// decodeJSONString decodes a JSON string value; ok is false for any other
// value, null included.
func decodeJSONString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false
	}
	return s, true
}

// decodeJSONNumber decodes a JSON number, or a string holding one; ok is false
// for anything else, null included.
func decodeJSONNumber(v []byte) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	if v[0] == '"' {
		s, ok := decodeJSONString(v)
		if !ok {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// decodeJSONBool decodes a JSON boolean; ok is false for anything else.
func decodeJSONBool(v []byte) (value, ok bool) {
	switch string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	default:
		return false, false
	}
}
