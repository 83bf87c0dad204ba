package wrappers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
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
// a [*ResultError] naming results.label_counts; [ErrNoResults] means the job has no results yet.
func (j *Job) LabelCounts() (map[string]int, error) {
	if j.results == nil {
		return nil, ErrNoResults
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
		var s string
		if decodeJSON(b, &s) == nil {
			return s
		}
	}
	return string(b)
}

func labelCountsError(format string, args ...any) error {
	return &ResultError{Field: labelCountsField, Problem: fmt.Sprintf(format, args...)}
}

// decodeLabelCounts decodes label_counts (nil when absent).
func decodeLabelCounts(raw *json.RawMessage) (map[string]int, error) {
	if raw == nil {
		return nil, labelCountsError("absent")
	}
	b := bytes.TrimSpace(*raw)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil, labelCountsError("absent")
	case b[0] == '"':
		var s string
		if err := decodeJSON(b, &s); err != nil {
			return nil, labelCountsError("not a valid JSON string: %v", err)
		}
		return parseLabelCounts([]byte(s), true)
	case b[0] == '{':
		return parseLabelCounts(b, false)
	}
	return nil, labelCountsError("must be an object or a string holding one, got %s", quoteSnippet(b))
}

// parseLabelCounts parses a JSON object of label -> whole count, reading it token by token so that
// duplicates, nested values and trailing data are caught.
func parseLabelCounts(b []byte, inString bool) (map[string]int, error) {
	where := ""
	if inString {
		where = " in the string"
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, labelCountsError("the value%s is not a JSON object: %s", where, quoteSnippet(b))
	}
	counts := make(map[string]int)
	for dec.More() {
		tok, err = dec.Token()
		if err != nil {
			return nil, labelCountsError("malformed JSON object%s: %v", where, err)
		}
		label, ok := tok.(string)
		if !ok {
			return nil, labelCountsError("malformed JSON object%s", where)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, labelCountsError("label %q: malformed value: %v", label, err)
		}
		var n int
		switch v := tok.(type) {
		case json.Number:
			var problem string
			n, problem = parseCount(string(v))
			if problem != "" {
				return nil, labelCountsError("label %q: count %s", label, problem)
			}
		case json.Delim:
			return nil, labelCountsError("label %q: the count is an %s, not a number", label, map[json.Delim]string{'{': "object", '[': "array"}[v])
		case nil:
			return nil, labelCountsError("label %q: the count is null", label)
		default:
			return nil, labelCountsError("label %q: the count is %T %s, not a number", label, v, quoteSnippet([]byte(fmt.Sprint(v))))
		}
		if _, dup := counts[label]; dup {
			return nil, labelCountsError("label %q appears more than once", label)
		}
		counts[label] = n
	}
	if tok, err = dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, labelCountsError("malformed JSON object%s", where)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, labelCountsError("trailing data after the object%s", where)
	}
	return counts, nil
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
