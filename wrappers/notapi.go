package wrappers

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// ErrNotEvaluationsAPI matches a [*NotAPIError]: the base URL answered, but not as the Evaluations
// API does. It is a configuration problem, and never matches [ErrNotFound].
var ErrNotEvaluationsAPI = errors.New("wrappers: the base URL does not answer as the Evaluations API")

// NotAPIError reports an answer that cannot have come from the Evaluations API, so that the base
// URL most likely points at another server, or misses the version path (/v1):
//
//   - a 404 or 405 without the API's JSON error body (an HTML page, plain text, another
//     service's JSON; a JSON body cut off after {"error" still counts as the API's), or whose message says that the route itself is unknown ("Unknown request
//     URL", "Invalid URL", as OpenAI-compatible servers say);
//   - a successful answer that is not JSON at all, such as a web page;
//   - a successful JSON answer of another kind than the API sends (an array for a job, an
//     object for the job list), or without the field every answer of the API to the request
//     holds (a job's workflow_id, a status's status, a file's id, a list's data or model_list).
//
// A JSON answer that is broken, or that holds a field of another kind, is an
// [*AnswerDecodeError] instead: the API may have sent it, damaged.
//
// A 404 of the API itself (no such job or file) carries its JSON error body and stays an
// [*APIError] matching [ErrNotFound]. A NotAPIError matches [ErrNotEvaluationsAPI] only; it is not
// an [*APIError], and [Client.Wait] does not poll on after one.
type NotAPIError struct {
	// BaseURL is the client's base URL, which the request's Path was appended to.
	BaseURL string
	// Method and Path name the request, the path relative to the base URL.
	Method, Path string
	// StatusCode and ContentType are those of the answer.
	StatusCode  int
	ContentType string
	// Answer says in a few words what came back instead, such as "an HTML page".
	Answer string
}

// Error describes the answer and names the base URL.
func (e *NotAPIError) Error() string {
	return fmt.Sprintf("wrappers: the base URL %s does not answer as the Evaluations API: %s %s got %s",
		e.BaseURL, e.Method, e.Path, e.Answer)
}

// Is reports whether target is [ErrNotEvaluationsAPI].
func (e *NotAPIError) Is(target error) bool { return target == ErrNotEvaluationsAPI }

// routeUnknown reports whether an error answer's message says that no route matched: the words
// OpenAI-compatible servers (and this project's api package) use for a path they do not have.
func routeUnknown(message string) bool {
	m := strings.ToLower(strings.TrimSpace(message))
	return strings.HasPrefix(m, "unknown request url") || strings.HasPrefix(m, "invalid url (")
}

// notAPIAnswer returns a *NotAPIError for an error answer that the API cannot have sent: a 404 or
// 405 with no JSON error body, or one that says its route is unknown. apiErr is the answer as
// newAPIError read it. It returns nil for any other answer.
func (c *Client) notAPIAnswer(apiErr *APIError, resp *http.Response) *NotAPIError {
	if apiErr.StatusCode != http.StatusNotFound && apiErr.StatusCode != http.StatusMethodNotAllowed {
		return nil
	}
	ct := resp.Header.Get("Content-Type")
	status := strconv.Itoa(apiErr.StatusCode) + " " + http.StatusText(apiErr.StatusCode)
	var answer string
	switch {
	case apiErr.Message != "" || apiErr.Type != "":
		if !routeUnknown(apiErr.Message) {
			return nil
		}
		answer = status + ` for a path it does not have ("` + apiErr.Message + `")`
	case isJSONType(ct) && looksLikeErrorData(apiErr.Body):
		// The API's error, cut off: still the API.
		return nil
	default:
		answer = status + " with " + describeBody(ct, []byte(apiErr.Body)) + ", not the API's JSON error"
	}
	return &NotAPIError{
		BaseURL: c.baseURL, Method: apiErr.Method, Path: apiErr.Path,
		StatusCode: apiErr.StatusCode, ContentType: c.clean(ct, 200), Answer: answer,
	}
}

// looksLikeErrorData reports whether body starts as the API's error object does: {"error".
func looksLikeErrorData(body string) bool {
	rest, ok := strings.CutPrefix(strings.TrimSpace(body), "{")
	return ok && strings.HasPrefix(strings.TrimSpace(rest), `"error"`)
}

// notJSONAnswer returns a *NotAPIError for a successful answer that is not JSON at all (its
// Content-Type says so, or its body does not start like JSON), or nil.
func (c *Client) notJSONAnswer(method, path string, resp *http.Response, body []byte) *NotAPIError {
	ct := resp.Header.Get("Content-Type")
	if isJSONType(ct) {
		return nil
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return nil
	}
	return &NotAPIError{
		BaseURL: c.baseURL, Method: method, Path: path,
		StatusCode: resp.StatusCode, ContentType: c.clean(ct, 200),
		Answer: strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode) + " with " + describeBody(ct, body),
	}
}

// isJSONType reports whether a Content-Type names JSON (application/json, or a +json type).
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// describeBody names what a body is, for a NotAPIError: an HTML page, an empty body, JSON, or
// whatever its Content-Type says.
func describeBody(ct string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(ct)
	t := bytes.TrimSpace(body)
	switch {
	case mt == "text/html" || bytes.HasPrefix(bytes.ToLower(t), []byte("<!doctype html")) || bytes.HasPrefix(bytes.ToLower(t), []byte("<html")):
		return "an HTML page"
	case len(t) == 0:
		return "an empty body"
	case isJSONType(ct) || t[0] == '{' || t[0] == '[':
		return "another service's JSON"
	case mt != "":
		return "a " + mt + " body"
	default:
		return "a body that is not JSON"
	}
}
