package wrappers

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func raw(s string) *json.RawMessage {
	m := json.RawMessage(s)
	return &m
}

func TestDecodeLabelCounts(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      map[string]int
		wantErr   string // the problem after "wrappers: results.label_counts: "
	}{
		{"documented string", `"{\"yes\": 10, \"no\": 0}"`, map[string]int{"yes": 10, "no": 0}, ""},
		{"object", `{"yes": 3, "no": 1}`, map[string]int{"yes": 3, "no": 1}, ""},
		{"floats", `"{\"yes\": 10.0, \"no\": 3}"`, map[string]int{"yes": 10, "no": 3}, ""},
		{"exponent", `{"a": 1e2, "b": 2.50e1, "c": 0.0}`, map[string]int{"a": 100, "b": 25, "c": 0}, ""},
		{"negative zero", `{"a": -0, "b": -0.0}`, map[string]int{"a": 0, "b": 0}, ""},
		{"empty object", `"{}"`, map[string]int{}, ""},
		{"spaces", " \"  { \\\"a\\\" : 1 }  \" ", map[string]int{"a": 1}, ""},
		{"unicode labels", `{"oui ✓": 2, "": 1}`, map[string]int{"oui ✓": 2, "": 1}, ""},
		{"large", `{"a": 9007199254740992}`, map[string]int{"a": 1 << 53}, ""},

		{"absent", ``, nil, "absent"},
		{"null", `null`, nil, "absent"},
		{"fractional", `"{\"yes\": 2.5}"`, nil, `label "yes": count 2.5 is not a whole number`},
		{"negative", `{"no": -1}`, nil, `label "no": count -1 is negative`},
		{"negative float", `{"no": -1.0}`, nil, `label "no": count -1.0 is negative`},
		{"too large", `{"a": 9007199254740993}`, nil, `label "a": count 9007199254740993 is too large`},
		{"huge float", `{"a": 1e400}`, nil, `label "a": count 1e400 is too large`},
		{"tiny float", `{"a": 1e-400}`, nil, `label "a": count 1e-400 is not a whole number`},
		{"string count", `"{\"yes\": \"10\"}"`, nil, `label "yes": the count is string "10", not a number`},
		{"bool count", `{"yes": true}`, nil, `label "yes": the count is bool "true", not a number`},
		{"null count", `{"yes": null}`, nil, `label "yes": the count is null`},
		{"nested object", `{"yes": {"n": 1}}`, nil, `label "yes": the count is an object, not a number`},
		{"nested array", `{"yes": [1]}`, nil, `label "yes": the count is an array, not a number`},
		{"duplicate", `"{\"yes\": 1, \"yes\": 2}"`, nil, `label "yes" appears more than once`},
		{"trailing data", `"{\"yes\": 1} {}"`, nil, `trailing data after the object in the string`},
		{"not an object in the string", `"[1, 2]"`, nil, `the value in the string is not a JSON object: "[1, 2]"`},
		{"not JSON in the string", `"yes=10"`, nil, `the value in the string is not a JSON object: "yes=10"`},
		{"empty string", `""`, nil, `the value in the string is not a JSON object: ""`},
		{"truncated", `"{\"yes\": 1"`, nil, `malformed JSON object in the string`},
		{"number", `42`, nil, `must be an object or a string holding one, got "42"`},
		{"array", `[{"yes": 1}]`, nil, `must be an object or a string holding one, got "[{\"yes\": 1}]"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in *json.RawMessage
			if tc.raw != "" {
				in = raw(tc.raw)
			}
			got, err := decodeLabelCounts(in)
			if tc.wantErr == "" {
				if err != nil || !reflect.DeepEqual(got, tc.want) {
					t.Errorf("= %v, %v; want %v", got, err, tc.want)
				}
				return
			}
			var re *ResultError
			if !errors.As(err, &re) || re.Field != "results.label_counts" {
				t.Fatalf("error = %v, want a *ResultError naming results.label_counts", err)
			}
			if want := "wrappers: results.label_counts: " + tc.wantErr; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error = %s\nwant  %s", err, want)
			}
			if got != nil {
				t.Errorf("counts = %v with an error", got)
			}
		})
	}
}

func TestOrderLabelCounts(t *testing.T) {
	counts := map[string]int{"no": 3, "yes": 10, "maybe": 3, "other": 7}
	got := OrderLabelCounts(counts, []string{"yes", "no", "unused", "yes"})
	want := []LabelCount{{"yes", 10}, {"no", 3}, {"unused", 0}, {"other", 7}, {"maybe", 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OrderLabelCounts() = %v, want %v", got, want)
	}
	if got := OrderLabelCounts(map[string]int{"b": 1, "a": 1, "c": 2}, nil); !reflect.DeepEqual(got, []LabelCount{{"c", 2}, {"a", 1}, {"b", 1}}) {
		t.Errorf("OrderLabelCounts(nil labels) = %v", got)
	}
}

// FuzzLabelCounts feeds any bytes to the decoder, both as the raw label_counts and as the text of
// a JSON string. It must never panic; success means whole, non-negative counts that survive a round
// trip; failure means a *ResultError naming results.label_counts.
func FuzzLabelCounts(f *testing.F) {
	for _, s := range []string{
		`{"yes": 10, "no": 0}`, `{"yes": 10.0, "no": 3}`, `{"a": 2.5}`, `{"a": -1}`, `{"a": 1, "a": 2}`,
		`{}`, `{"a": 1e400}`, `{"a": null}`, `{"a": "1"}`, `{"a": [1]}`, `[]`, `{"a": 1} x`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		inputs := []json.RawMessage{json.RawMessage(b)}
		if json.Valid(b) {
			inputs = append(inputs, json.RawMessage(strconv.Quote(string(b))))
		}
		for _, in := range inputs {
			if !json.Valid(in) {
				continue // a body that is not JSON never reaches the decoder: the response fails first
			}
			counts, err := decodeLabelCounts(&in)
			if err != nil {
				var re *ResultError
				if !errors.As(err, &re) || re.Field != "results.label_counts" {
					t.Fatalf("error %v is not a *ResultError naming results.label_counts", err)
				}
				if counts != nil {
					t.Fatalf("counts %v with error %v", counts, err)
				}
				continue
			}
			for l, n := range counts {
				if n < 0 || n > maxCount {
					t.Fatalf("label %q has count %d", l, n)
				}
			}
			again, err := json.Marshal(counts)
			if err != nil {
				t.Fatal(err)
			}
			// Quoted as JSON: strconv.Quote writes escapes such as \x7f that JSON does not have.
			quoted, err := json.Marshal(string(again))
			if err != nil {
				t.Fatal(err)
			}
			back, err := decodeLabelCounts(raw(string(quoted)))
			if err != nil || !reflect.DeepEqual(back, counts) {
				t.Fatalf("round trip of %v gave %v, %v", counts, back, err)
			}
		}
	})
}
