package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/evalkit/together-evals/generated"
)

// Error types of ErrorData, as the service names them.
const (
	errTypeInvalidRequest = "invalid_request_error"
	errTypeNotFound       = "not_found_error"
	errTypeRateLimit      = "rate_limit_error"
	errTypeServer         = "server_error"
)

// apiError builds an ErrorData. param and code are left out when empty.
func apiError(typ, param, code, message string) generated.ErrorData {
	d := generated.ErrorDetail{Type: typ, Message: message}
	if param != "" {
		d.Param = &param
	}
	if code != "" {
		d.Code = &code
	}
	return generated.ErrorData{Error: d}
}

// badRequest is a 400 ErrorData naming the field at fault; the message starts with the field.
func badRequest(param, format string, args ...any) generated.ErrorData {
	msg := fmt.Sprintf(format, args...)
	if param != "" {
		msg = param + ": " + msg
	}
	return apiError(errTypeInvalidRequest, param, "", msg)
}

func notFound(what, id string) generated.ErrorData {
	return apiError(errTypeNotFound, "", "", fmt.Sprintf("%s %s not found", what, quoteID(id)))
}

// quoteID quotes an id for a message people read: in double quotes, or in single quotes when it
// holds a double quote (`'eval"x'`, not `"eval"x"`); Go-quoted only when it holds a character
// that cannot be shown as it is.
func quoteID(id string) string {
	for _, r := range id {
		if r == utf8.RuneError || !unicode.IsGraphic(r) {
			return strconv.QuoteToGraphic(id)
		}
	}
	switch {
	case !strings.ContainsRune(id, '"'):
		return `"` + id + `"`
	case !strings.ContainsRune(id, '\''):
		return "'" + id + "'"
	default:
		return strconv.QuoteToGraphic(id)
	}
}

// errorTypeFor is the ErrorData type that goes with an HTTP status.
func errorTypeFor(status int) string {
	switch {
	case status == http.StatusNotFound:
		return errTypeNotFound
	case status == http.StatusTooManyRequests:
		return errTypeRateLimit
	case status >= 500:
		return errTypeServer
	default:
		return errTypeInvalidRequest
	}
}

// writeError writes an ErrorData answer outside the strict handler (middleware, fallbacks).
func writeError(w http.ResponseWriter, status int, data generated.ErrorData) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// firstLine shortens an error text to its first line: kin-openapi appends the schema and the value
// on the lines after, which are noise in an answer.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
