package api

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// checkJSONText looks at a JSON request body for what the spec's validator words poorly or lets
// through: text that is not valid UTF-8 (it would be stored and echoed back as invalid JSON) and
// numbers beyond a float64's range ("1e999"). It returns a fieldError naming the field, or nil;
// other faults are left to the validator.
func checkJSONText(body []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	badText := !utf8.Valid(body)
	for {
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var se *jsontext.SyntacticError
			if badText && errors.As(err, &se) {
				return fieldErrorf(dotted(se.JSONPointer), "not valid UTF-8 text; send JSON encoded as UTF-8")
			}
			return nil // the validator says what is wrong
		}
		if tok.Kind() != '0' {
			continue
		}
		f, err := strconv.ParseFloat(tok.String(), 64)
		if err != nil && math.IsInf(f, 0) {
			return fieldErrorf(dotted(dec.StackPointer()), "the number %s is out of range (at most about 1.8e308 in size)", shorten(tok.String()))
		}
	}
}

// dotted writes a JSON pointer (/parameters/labels/0) the way errors name fields
// (parameters.labels[0]).
func dotted(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// shorten keeps an echoed value short.
func shorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
