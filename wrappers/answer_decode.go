package wrappers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// AnswerDecodeError reports a successful answer (2xx, JSON) that the client could not read: not
// valid JSON, or a field whose value has another kind than the API sends. It says what is wrong
// in a reader's words (Problem); the decoder's own error stays reachable with errors.As through
// Unwrap.
type AnswerDecodeError struct {
	// Method and Path name the request, the path relative to the base URL.
	Method, Path string
	// StatusCode is the answer's status.
	StatusCode int
	// Problem says what is wrong, such as `"/status" is a number where the API sends a string`.
	Problem string
	// Err is the decoder's error.
	Err error
}

// Error says which request's answer could not be read, and why.
func (e *AnswerDecodeError) Error() string {
	return fmt.Sprintf("wrappers: %s %s: the answer (%d %s) cannot be read: %s",
		e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), e.Problem)
}

// Unwrap returns the decoder's error.
func (e *AnswerDecodeError) Unwrap() error { return e.Err }

// decodeProblem says in a reader's words why a successful answer's body did not decode.
func decodeProblem(body []byte, err error) string {
	var item *listItemError
	if errors.As(err, &item) {
		return fmt.Sprintf("job %d of %d: %s", item.index+1, item.n, decodeProblem(nil, item.err))
	}
	var syn *jsontext.SyntacticError
	var syn1 *json.SyntaxError
	var sem *jsonv2.SemanticError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syn1) && syn1.Error() == "unexpected end of JSON input"):
		return "its JSON ends early (the answer was cut off)"
	case errors.As(err, &syn) && syn.Err != nil && syn.Err.Error() == "exceeded max depth":
		// Valid JSON, nested deeper than the decoder goes (jsontext's limit; no answer of the API
		// comes near it).
		return "it nests values more than 10000 levels deep (at byte " + strconv.FormatInt(syn.ByteOffset+1, 10) + ")"
	case errors.As(err, &syn):
		return "it is not valid JSON: at byte " + strconv.FormatInt(syn.ByteOffset+1, 10) + ": " + syntaxWords(syn.Err.Error(), false)
	case errors.As(err, &syn1):
		return "it is not valid JSON: at byte " + strconv.FormatInt(syn1.Offset, 10) + ": " + syntaxWords(syn1.Error(), false)
	case errors.As(err, &sem) && sem.GoType != nil:
		where := "it"
		if sem.JSONPointer != "" {
			where = strconv.Quote(string(sem.JSONPointer))
		}
		if sem.JSONKind == 0 {
			return where + " holds a value the API does not send there"
		}
		return where + " is " + kindWords(sem.JSONKind) + " where the API sends " + goTypeWords(sem.GoType)
	case errors.As(err, &typ):
		where := "it"
		if typ.Field != "" {
			where = strconv.Quote(typ.Field)
		}
		return where + " is " + typ.Value + " where the API sends " + goTypeWords(typ.Type)
	default:
		if body != nil && !json.Valid(body) {
			return "it is not valid JSON"
		}
		return "its JSON does not have the shape the API sends"
	}
}

// kindWords names a JSON kind as jsontext reports it.
func kindWords(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	default:
		return "a value"
	}
}

// goTypeWords names the JSON kind that decodes into t.
func goTypeWords(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(reflect.TypeFor[jsonv2.UnmarshalerFrom]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[jsonv2.UnmarshalerFrom]()) ||
		t.Implements(reflect.TypeFor[json.Unmarshaler]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		if t.Kind() == reflect.Struct {
			return "an object"
		}
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "another kind of value"
	}
}

// wrongShapeAnswer returns a *NotAPIError for a successful JSON answer whose top-level value is of
// another kind than the API sends (an array for a job, an object for the job list): another
// service answered. It returns nil for anything else, a body that is not valid JSON included
// (the API's answer may have been damaged).
func (c *Client) wrongShapeAnswer(method, path string, resp *http.Response, body []byte, err error) *NotAPIError {
	var sem *jsonv2.SemanticError
	var item *listItemError
	if errors.As(err, &item) || !errors.As(err, &sem) || sem.JSONPointer != "" || sem.GoType == nil || sem.JSONKind == 0 || !json.Valid(body) {
		return nil
	}
	want := goTypeWords(sem.GoType)
	got := kindWords(sem.JSONKind)
	if want == got {
		return nil
	}
	return &NotAPIError{
		BaseURL: c.baseURL, Method: method, Path: path,
		StatusCode: resp.StatusCode, ContentType: c.clean(resp.Header.Get("Content-Type"), 200),
		Answer: strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode) + " with JSON that is " + got + ", where the API sends " + want,
	}
}

// notAResource returns a *NotAPIError for a successful answer that decoded but lacks the field
// that every answer of the API to this request holds (a job's workflow_id, a status's status, a
// file's id): another service answered, with JSON of its own.
func (c *Client) notAResource(method, path string, statusCode int, contentType, what, field string) *NotAPIError {
	return &NotAPIError{
		BaseURL: c.baseURL, Method: method, Path: path,
		StatusCode: statusCode, ContentType: c.clean(contentType, 200),
		Answer: strconv.Itoa(statusCode) + " " + http.StatusText(statusCode) + " with JSON that is not " + what + " (it has no " + field + ")",
	}
}

// hasMember reports whether the JSON object body has a top-level member named name, whatever
// its value (null included).
func hasMember(body []byte, name string) bool {
	found := false
	walkObject(body, func(m jsonMember) bool {
		found = m.name() == name
		return !found
	})
	return found
}
