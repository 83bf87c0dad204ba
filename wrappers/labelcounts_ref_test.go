package wrappers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// The label_counts decoder before it was rewritten for speed, on encoding/json's token reader: the
// reference that FuzzLabelCountsMatchesReference holds the one-pass decoder to. It shares no code
// with the decoder: counts are read by referenceParseCount, on math/big, not by parseCount.

func referenceLabelCountsText(raw *json.RawMessage) string {
	if raw == nil {
		return ""
	}
	b := bytes.TrimSpace(*raw)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s
		}
	}
	return string(b)
}

func referenceDecodeLabelCounts(raw *json.RawMessage) (map[string]int, error) {
	if raw == nil {
		return nil, labelCountsError("absent")
	}
	b := bytes.TrimSpace(*raw)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil, labelCountsError("absent")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, labelCountsError("not a valid JSON string: %v", err)
		}
		return referenceParseLabelCounts([]byte(s), true)
	case b[0] == '{':
		return referenceParseLabelCounts(b, false)
	}
	return nil, labelCountsError("must be an object or a string holding one, got %s", quoteSnippet(b))
}

func referenceParseLabelCounts(b []byte, inString bool) (map[string]int, error) {
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
			n, problem = referenceParseCount(string(v))
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

// referenceParseCount is the reference's reading of a count, independent of parseCount: the JSON
// number as an exact rational (math/big), then zero, negative, not whole and too large decided on
// that value. An exponent larger in size than the mantissa's length plus 20 is not computed: a
// non-zero mantissa of d digits lies between 10^-d and 10^d, so the number is then below 10^-20 (not
// whole) or a whole number above 10^20 (too large).
func referenceParseCount(s string) (int, string) {
	mant, exp := s, "0"
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
	}
	m, ok := new(big.Rat).SetString(mant)
	if !ok {
		panic("reference: not a JSON number: " + s)
	}
	e, ok := new(big.Int).SetString(strings.TrimPrefix(exp, "+"), 10)
	if !ok {
		panic("reference: not a JSON exponent: " + s)
	}
	switch {
	case m.Sign() == 0:
		return 0, ""
	case m.Sign() < 0:
		return 0, s + " is negative"
	case e.CmpAbs(big.NewInt(int64(len(mant))+20)) > 0:
		if e.Sign() < 0 {
			return 0, s + " is not a whole number"
		}
		return 0, s + " is too large"
	}
	pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), new(big.Int).Abs(e), nil))
	if e.Sign() < 0 {
		pow.Inv(pow)
	}
	v := new(big.Rat).Mul(m, pow)
	switch {
	case !v.IsInt():
		return 0, s + " is not a whole number"
	case v.Num().Cmp(big.NewInt(maxCount)) > 0:
		return 0, s + " is too large"
	}
	return int(v.Num().Int64()), ""
}

// malformedHead returns the part of a "malformed" label_counts message that both decoders share:
// the reference's messages go on with encoding/json's own wording, and the two decoders may notice
// the same malformed input at a different token.
func malformedHead(msg string) (string, bool) {
	if i := strings.Index(msg, "malformed"); i >= 0 {
		return msg[:i] + "malformed", true
	}
	return msg, false
}

func checkLabelCountsMatchReference(t *testing.T, in json.RawMessage) {
	t.Helper()
	got, err := decodeLabelCounts(&in)
	want, wantErr := referenceDecodeLabelCounts(&in)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q: decodeLabelCounts = %v, %v; the reference = %v, %v", in, got, err, want, wantErr)
	}
	if err == nil {
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: counts %v, the reference %v", in, got, want)
		}
	} else if got != nil {
		t.Fatalf("%q: counts %v with error %v", in, got, err)
	} else if err.Error() != wantErr.Error() {
		g, gm := malformedHead(err.Error())
		w, wm := malformedHead(wantErr.Error())
		// Both say the JSON is malformed; where they say it may differ (label or object).
		if !gm || !wm || (g != w && !strings.HasPrefix(g, "wrappers: results.label_counts: label ") && !strings.HasPrefix(w, "wrappers: results.label_counts: label ")) {
			t.Fatalf("%q: error\n %v\nthe reference's\n %v", in, err, wantErr)
		}
	}
	if got, want := labelCountsText(&in), referenceLabelCountsText(&in); got != want {
		t.Fatalf("%q: labelCountsText = %q, the reference %q", in, got, want)
	}
}

// FuzzLabelCountsMatchesReference holds the one-pass label_counts decoder to the reference: the
// same counts, the same errors (the wording of malformed JSON aside), the same raw text, for any
// JSON value as label_counts and for any JSON value inside a JSON string.
func FuzzLabelCountsMatchesReference(f *testing.F) {
	for _, s := range []string{
		`{"yes": 10, "no": 0}`, `{"yes": 10.0, "no": 3}`, `{"a": 2.5}`, `{"a": -1}`, `{"a": 1, "a": 2}`,
		`{}`, `{"a": 1e400}`, `{"a": null}`, `{"a": "1"}`, `{"a": [1]}`, `[]`, `{"a": 1} x`, `{`, ``,
		`{"a\u00e9\ud83d\ude00": 1}`, `{"\ud800": 1, "\ud800\u0041": 2}`, "{\"\xff\": 1}", `{"a": true}`,
		`{"a": tru}`, `{"a": 01}`, `{"a": 1.}`, `{"a": 1e}`, `{"a": -}`, `{"a" 1}`, `{"a": 1,}`, `{,}`,
		`{"a": 1 "b": 2}`, `{"a":1}   `, "{\"a\":1}\t\n", `{"a": {"b": }}`, `{"a": "x\"y"}`, `{"a": "\q"}`,
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}`, `{"a": 1E+2}`, `{"a": -0.0e-5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		// As the raw value, when the whole body around it would be JSON.
		if json.Valid(b) {
			checkLabelCountsMatchReference(t, b)
		}
		// As the text of a JSON string, whatever it holds.
		quoted, err := json.Marshal(string(b))
		if err != nil {
			t.Fatal(err)
		}
		checkLabelCountsMatchReference(t, quoted)
		// Raw bytes inside quotes, as a service could send them (invalid UTF-8 included).
		if q := append(append([]byte{'"'}, b...), '"'); json.Valid(q) {
			checkLabelCountsMatchReference(t, q)
		}
	})
}
