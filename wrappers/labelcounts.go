package wrappers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// labelCountsField is the wire path every label_counts error names.
const labelCountsField = "results.label_counts"

// LabelCount is one label and the number of rows given it.
type LabelCount struct {
	Label string
	Count int
}

// LabelCounts decodes the job's results.label_counts: a JSON object serialised into a string
// ("{\"yes\": 10, \"no\": 0}") or, forward-compatibly, a plain object. Counts sent as 10 and 10.0
// are both 10. A fractional, negative, non-numeric or duplicated count, or a malformed value, gives
// a [*ResultError] naming results.label_counts. Only classify jobs have label counts: a score or
// compare job gives an error matching [ErrWrongJobType], a failed job a [*JobFailedError], and a
// job without results yet [ErrNoResults].
func (j *Job) LabelCounts() (map[string]int, error) {
	if err := j.checkResultsFor(TypeClassify); err != nil {
		return nil, err
	}
	return decodeLabelCounts(j.results.LabelCounts)
}

// LabelCountsOrdered returns the label counts for display: first the job's labels in the order they
// were created with (a label without a count has 0), then any other label by count, highest first,
// then by name.
func (j *Job) LabelCountsOrdered() ([]LabelCount, error) {
	counts, err := j.LabelCounts()
	if err != nil {
		return nil, err
	}
	return OrderLabelCounts(counts, j.Labels()), nil
}

// RawLabelCounts returns results.label_counts as sent (the text inside the JSON string, or the
// object's JSON), and whether it was present.
func (j *Job) RawLabelCounts() (string, bool) {
	if j.results == nil || j.results.LabelCounts == nil {
		return "", false
	}
	return labelCountsText(j.results.LabelCounts), true
}

// OrderLabelCounts orders counts for display: first labels in the given order (a label without a
// count has 0), then every other label by count, highest first, then by name.
func OrderLabelCounts(counts map[string]int, labels []string) []LabelCount {
	out := make([]LabelCount, 0, len(counts)+len(labels))
	seen := make(map[string]bool, len(labels))
	for _, l := range labels {
		if seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, LabelCount{Label: l, Count: counts[l]})
	}
	rest := make([]LabelCount, 0, len(counts))
	for l, n := range counts {
		if !seen[l] {
			rest = append(rest, LabelCount{Label: l, Count: n})
		}
	}
	sort.Slice(rest, func(a, b int) bool {
		if rest[a].Count != rest[b].Count {
			return rest[a].Count > rest[b].Count
		}
		return rest[a].Label < rest[b].Label
	})
	return append(out, rest...)
}

// labelCountsText returns the text of label_counts: the contents of a JSON string, or the JSON as
// sent for anything else.
func labelCountsText(raw *json.RawMessage) string {
	if raw == nil {
		return ""
	}
	b := bytes.TrimSpace(*raw)
	if len(b) > 0 && b[0] == '"' {
		if s, end, ok := unquoteJSON(b, 0); ok && end == len(b) {
			return s
		}
	}
	return string(b)
}

func labelCountsError(format string, args ...any) error {
	return &ResultError{Field: labelCountsField, Problem: fmt.Sprintf(format, args...)}
}

// decodeLabelCounts decodes label_counts; an absent or null value is a *ResultError saying so.
func decodeLabelCounts(raw *json.RawMessage) (map[string]int, error) {
	if raw == nil {
		return nil, labelCountsError("absent")
	}
	b := bytes.TrimSpace(*raw)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil, labelCountsError("absent")
	case b[0] == '"':
		s, end, ok := unquoteJSON(b, 0)
		if !ok || end != len(b) {
			return nil, labelCountsError("not a valid JSON string: %s", quoteSnippet(b))
		}
		return parseLabelCounts(s, true)
	case b[0] == '{':
		return parseLabelCounts(string(b), false)
	}
	return nil, labelCountsError("must be an object or a string holding one, got %s", quoteSnippet(b))
}

// parseLabelCounts parses s, a JSON object of label -> whole count, in one pass that catches
// duplicates, values that are not numbers, malformed JSON and trailing data. Labels are slices of s
// where they hold no escape, so the map costs no copy of them.
func parseLabelCounts(s string, inString bool) (map[string]int, error) {
	where := ""
	if inString {
		where = " in the string"
	}
	i := skipWS(s, 0)
	if i == len(s) || s[i] != '{' {
		return nil, labelCountsError("the value%s is not a JSON object: %s", where, quoteSnippet([]byte(s)))
	}
	counts := make(map[string]int)
	i = skipWS(s, i+1)
	if i < len(s) && s[i] == '}' {
		return endOfLabelCounts(counts, s, i+1, where)
	}
	for {
		if i == len(s) {
			return nil, labelCountsError("malformed JSON object%s", where)
		}
		if s[i] != '"' {
			return nil, labelCountsError("malformed JSON object%s: %s where a label was expected", where, describeByte(s[i]))
		}
		label, next, ok := unquoteJSON(s, i)
		if !ok {
			return nil, labelCountsError("malformed JSON object%s: a label is not a valid JSON string", where)
		}
		i = skipWS(s, next)
		if i == len(s) || s[i] != ':' {
			return nil, labelCountsError("label %q: malformed value: %s after the label", label, describeEnd(s, i))
		}
		i = skipWS(s, i+1)
		n, next, err := labelCountValue(s, i, label)
		if err != nil {
			return nil, err
		}
		if _, dup := counts[label]; dup {
			return nil, labelCountsError("label %q appears more than once", label)
		}
		counts[label] = n
		i = skipWS(s, next)
		switch {
		case i == len(s):
			return nil, labelCountsError("malformed JSON object%s", where)
		case s[i] == '}':
			return endOfLabelCounts(counts, s, i+1, where)
		case s[i] != ',':
			return nil, labelCountsError("malformed JSON object%s: %s after a count", where, describeByte(s[i]))
		}
		i = skipWS(s, i+1)
	}
}

// labelCountValue reads the count of label at s[i:] and returns it with the index after it.
func labelCountValue(s string, i int, label string) (int, int, error) {
	if i == len(s) {
		return 0, i, labelCountsError("label %q: malformed value: unexpected end of JSON input", label)
	}
	switch c := s[i]; {
	case c == '-' || ('0' <= c && c <= '9'):
		end, ok := scanNumber(s, i)
		if !ok {
			return 0, i, labelCountsError("label %q: malformed value: invalid number %s", label, quoteSnippet([]byte(s[i:end])))
		}
		n, problem := parseCount(s[i:end])
		if problem != "" {
			return 0, i, labelCountsError("label %q: count %s", label, problem)
		}
		return n, end, nil
	case c == '{':
		return 0, i, labelCountsError("label %q: the count is an object, not a number", label)
	case c == '[':
		return 0, i, labelCountsError("label %q: the count is an array, not a number", label)
	case c == '"':
		v, _, ok := unquoteJSON(s, i)
		if !ok {
			return 0, i, labelCountsError("label %q: malformed value: not a valid JSON string", label)
		}
		return 0, i, labelCountsError("label %q: the count is string %s, not a number", label, quoteSnippet([]byte(v)))
	case strings.HasPrefix(s[i:], "true"):
		return 0, i, labelCountsError("label %q: the count is bool \"true\", not a number", label)
	case strings.HasPrefix(s[i:], "false"):
		return 0, i, labelCountsError("label %q: the count is bool \"false\", not a number", label)
	case strings.HasPrefix(s[i:], "null"):
		return 0, i, labelCountsError("label %q: the count is null", label)
	}
	return 0, i, labelCountsError("label %q: malformed value: %s", label, describeByte(s[i]))
}

// endOfLabelCounts returns counts if only white space follows the object's end at s[i:].
func endOfLabelCounts(counts map[string]int, s string, i int, where string) (map[string]int, error) {
	if skipWS(s, i) != len(s) {
		return nil, labelCountsError("trailing data after the object%s", where)
	}
	return counts, nil
}

// skipWS returns the index of the first byte at or after i that is not JSON white space.
func skipWS[T string | []byte](s T, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func describeByte(c byte) string { return "invalid character " + strconv.QuoteRune(rune(c)) }

func describeEnd(s string, i int) string {
	if i == len(s) {
		return "unexpected end of JSON input"
	}
	return describeByte(s[i])
}

// scanNumber returns the end of the JSON number at s[i:] (-? (0 | [1-9][0-9]*) (.[0-9]+)?
// ([eE][+-]?[0-9]+)?), and false if the number breaks off before its grammar is complete. What
// follows the number is for the caller to check.
func scanNumber(s string, i int) (int, bool) {
	digits := func(i int) int {
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i
	}
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case j < len(s) && '1' <= s[j] && s[j] <= '9':
		j = digits(j + 1)
	default:
		return j, false
	}
	if j < len(s) && s[j] == '.' {
		k := digits(j + 1)
		if k == j+1 {
			return k, false
		}
		j = k
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := digits(j)
		if k == j {
			return k, false
		}
		j = k
	}
	return j, true
}

// unquoteJSON reads the JSON string that starts with the quote at s[i] and returns its value and the
// index after its closing quote, with encoding/json's semantics: invalid UTF-8 and lone surrogates
// become U+FFFD. The value is a slice of s (when s is a string) if the JSON string holds no escape
// and only valid UTF-8. ok is false for an unterminated string, a control character or a bad
// escape.
func unquoteJSON[T string | []byte](s T, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	start := i + 1
	j := start
	for j < len(s) {
		c := s[j]
		if c == '"' {
			return string(s[start:j]), j + 1, true
		}
		if c == '\\' || c < ' ' {
			break
		}
		if c < utf8.RuneSelf {
			j++
			continue
		}
		r, size := runeAt(s, j)
		if r == utf8.RuneError && size == 1 {
			break
		}
		j += size
	}
	var b strings.Builder
	b.Grow(len(s) - start)
	b.WriteString(string(s[start:j]))
	for j < len(s) {
		switch c := s[j]; {
		case c == '"':
			return b.String(), j + 1, true
		case c < ' ':
			return "", j, false
		case c == '\\':
			if j+1 >= len(s) {
				return "", j, false
			}
			switch e := s[j+1]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := hex4(s, j)
				if r < 0 {
					return "", j, false
				}
				j += 6
				if utf16.IsSurrogate(r) {
					if r2 := hex4(s, j); r2 >= 0 {
						if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
							b.WriteRune(d)
							j += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				b.WriteRune(r)
				continue
			default:
				return "", j, false
			}
			j += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			j++
		default:
			r, size := runeAt(s, j)
			b.WriteRune(r)
			j += size
		}
	}
	return "", j, false
}

// runeAt decodes the rune at s[j:].
func runeAt[T string | []byte](s T, j int) (rune, int) {
	return utf8.DecodeRuneInString(string(s[j:min(j+utf8.UTFMax, len(s))]))
}

// hex4 returns the code unit of the \uXXXX escape at s[i:], or -1.
func hex4[T string | []byte](s T, i int) rune {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return -1
	}
	var r rune
	for k := i + 2; k < i+6; k++ {
		c := rune(s[k])
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + c
	}
	return r
}

// parseCount parses a JSON number as a whole, non-negative count: "10", "10.0" and "1e1" are all
// 10. It works on the decimal text, so no rounding can make a fraction look whole. It returns the
// problem with s, or "".
func parseCount(s string) (int, string) {
	neg := strings.HasPrefix(s, "-")
	mant, exp := strings.TrimPrefix(s, "-"), 0
	if i := strings.IndexAny(mant, "eE"); i >= 0 {
		e, err := strconv.Atoi(mant[i+1:])
		if err != nil {
			// An exponent beyond int: the number is huge or tiny.
			if strings.HasPrefix(mant[i+1:], "-") {
				e = math.MinInt32
			} else {
				e = math.MaxInt32
			}
		}
		mant, exp = mant[:i], e
	}
	digits := mant
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		digits = mant[:i] + mant[i+1:]
		exp -= len(mant) - i - 1
	}
	digits = strings.TrimLeft(digits, "0")
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	switch {
	case digits == "":
		return 0, "" // zero, whatever its sign or exponent
	case neg:
		return 0, s + " is negative"
	case exp < 0:
		return 0, s + " is not a whole number"
	case len(digits)+exp > 16:
		return 0, s + " is too large"
	}
	n, err := strconv.ParseInt(digits+strings.Repeat("0", exp), 10, 64)
	if err != nil || n > maxCount {
		return 0, s + " is too large"
	}
	return int(n), ""
}

// quoteSnippet quotes the first bytes of b for an error message.
func quoteSnippet(b []byte) string {
	const show = 40
	if len(b) > show {
		return strconv.Quote(string(b[:show])) + "..."
	}
	return strconv.Quote(string(b))
}
