package wrappers

import (
	"strings"
	"testing"
)

// TestDescribeInvalidJSONInWords checks that every kind of syntax error encoding/json reports on
// a line is said in a reader's words, with its column, and none of the decoder's own.
func TestDescribeInvalidJSONInWords(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"a": nul}`, `invalid JSON at column 10: expected null, found "}"`},
		{`{"a": no}`, `invalid JSON at column 8: expected null, found "o" (text is written in double quotes)`},
		{`{"a": yes}`, `invalid JSON at column 7: expected a value (an object, array, string, number, true, false or null), found "y" (text is written in double quotes)`},
		{`{"a": tru}`, `invalid JSON at column 10: expected true, found "}"`},
		{`{"a": fals}`, `invalid JSON at column 11: expected false, found "}"`},
		{`{"a": 1,}`, `invalid JSON at column 9: expected a field name in double quotes (a comma before "}" is not allowed), found "}"`},
		{`{a: 1}`, `invalid JSON at column 2: expected a field name in double quotes (a comma before "}" is not allowed), found "a"`},
		{`{"a" 1}`, `invalid JSON at column 6: expected ":" after the field name, found "1"`},
		{`{"a": 1 "b": 2}`, `invalid JSON at column 9: expected "," or "}" after the value, found '"'`},
		{`{"a": [1 2]}`, `invalid JSON at column 10: expected "," or "]" after the value, found "2"`},
		{`{"a": 1} x`, `invalid JSON at column 10: expected the end of the line, found "x"`},
		{"{\"a\": \"x\ty\"}", `invalid JSON at column 9: expected a character that may stand in a string (control characters are written as escapes such as \n), found a tab`},
		{"{\"a\": \"x\x01y\"}", `invalid JSON at column 9: expected a character that may stand in a string (control characters are written as escapes such as \n), found a control character (0x01)`},
		{`{"a": "\x"}`, `invalid JSON at column 9: expected an escape such as \", \\, \/, \b, \f, \n, \r, \t or \uXXXX, found "x"`},
		{`{"a": "\u12g4"}`, `invalid JSON at column 12: expected four hexadecimal digits after \u, found "g"`},
		{`{"a": -x}`, `invalid JSON at column 8: expected a digit, found "x"`},
		{`{"a": 1.}`, `invalid JSON at column 9: expected a digit after the decimal point, found "}"`},
		{`{"a": 1e}`, `invalid JSON at column 9: expected a digit in the exponent, found "}"`},
		{`{"a": 'x'}`, `invalid JSON at column 7: expected a value (an object, array, string, number, true, false or null), found "'"`},
		{`prompt,response`, `invalid JSON at column 1: expected "{" (each line is one JSON object), found "p"`},
		{`  <html>`, `invalid JSON at column 3: expected "{" (each line is one JSON object), found "<"`},
		{`{"a": 1}}`, `invalid JSON at column 9: expected the end of the line, found "}"`},
		{`{"a": ` + strings.Repeat("[", 10001), `invalid JSON at column 10006: expected less deeply nested values, found "["`},
	} {
		got := describeInvalidJSON([]byte(tc.line))
		if got != tc.want {
			t.Errorf("%.40q:\n got %s\nwant %s", tc.line, got, tc.want)
		}
		for _, goWords := range []string{"invalid character", "literal", "looking for", "top-level", "expecting", "json:"} {
			if strings.Contains(got, goWords) {
				t.Errorf("%.40q: %q says %q", tc.line, got, goWords)
			}
		}
	}
}

// TestSyntaxWordsOtherMessages checks what is said for a message that is not one of the
// scanner's "invalid character" errors: no decoder words either.
func TestSyntaxWordsOtherMessages(t *testing.T) {
	for msg, want := range map[string]string{
		"unexpected end of JSON input":       "not valid JSON",
		"invalid character 'x' in new place": `unexpected "x"`,
		"invalid character":                  "not valid JSON",
	} {
		if got := syntaxWords(msg, false); got != want {
			t.Errorf("syntaxWords(%q) = %q, want %q", msg, got, want)
		}
	}
}
