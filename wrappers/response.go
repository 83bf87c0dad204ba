package wrappers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/evalkit/together-evals/generated"
)

// Bounds on what is read from an answer.
const (
	// maxErrorBody is how much of an error answer is read.
	maxErrorBody = 256 << 10
	// maxBody is how much of a successful answer is read (a long job list fits many times over).
	maxBody = 64 << 20
	// maxSnippet is how much of a non-JSON error body an APIError keeps.
	maxSnippet = 512
	// maxErrorMessage is how much of a failed job's reason a JobFailedError keeps.
	maxErrorMessage = 4096
)

// decodeJSON decodes a response body (or a part of one) with the decoder and options of decode.go,
// where jobs and job lists, which have decoders of their own, are decoded too.
func decodeJSON(data []byte, v any) error {
	return jsonv2.Unmarshal(data, v, decodeOptions)
}

// checkResponse turns the answer to one generated-client call into a decoded value (with the raw
// body) or an error: a transport error wrapped with the request, an [*APIError] for any status
// outside 2xx (a [*NotAPIError] for an answer the API cannot have sent), or a decoding error. It always closes the body.
func checkResponse[T any](c *Client, method, path string, resp *http.Response, err error) (*T, []byte, error) {
	var v T
	body, err := c.receive(method, path, resp, err, func(body []byte) error { return decodeJSON(body, &v) })
	if err != nil {
		return nil, body, err
	}
	return &v, body, nil
}

// receive reads the answer to one generated-client call and hands its body to decode: it returns a
// transport error wrapped with the request, an [*APIError] for any status outside 2xx (a
// [*NotAPIError] for an answer the API cannot have sent, a web page or JSON of another kind
// included), or an [*AnswerDecodeError] that says why decode failed. It always closes the body, and
// returns the body whenever it was read.
func (c *Client) receive(method, path string, resp *http.Response, err error, decode func([]byte) error) ([]byte, error) {
	if err != nil {
		if resp != nil {
			drainAndClose(resp.Body)
		}
		return nil, fmt.Errorf("wrappers: %s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.answerError(method, path, resp)
	}
	body, read := bodyOf(resp)
	if !read {
		if body, err = readBounded(resp.Body, resp.ContentLength, maxBody); err != nil {
			return nil, fmt.Errorf("wrappers: %s %s: read response: %w", method, path, err)
		}
	}
	if err := decode(body); err != nil {
		if na := c.notJSONAnswer(method, path, resp, body); na != nil {
			return body, na
		}
		if na := c.wrongShapeAnswer(method, path, resp, body, err); na != nil {
			return body, na
		}
		return body, &AnswerDecodeError{Method: method, Path: path, StatusCode: resp.StatusCode, Problem: decodeProblem(body, err), Err: err}
	}
	return body, nil
}

// errBodyTooLarge is readBounded's error for a body over its limit.
var errBodyTooLarge = errors.New("the body is larger than the limit")

// readBounded reads all of r, failing if it holds more than limit bytes. size is the length the
// answer announced (Content-Length), or -1: when it is known the body is read into one buffer of
// that size instead of a growing one.
func readBounded(r io.Reader, size, limit int64) ([]byte, error) {
	if size < 0 || size > limit {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%w (%d bytes)", errBodyTooLarge, limit)
		}
		return b, nil
	}
	// One byte more than announced, so that reading to the end needs no second buffer; net/http
	// fails the read if the body is longer or shorter than announced.
	b := make([]byte, 0, size+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			// More than announced: go on with a growing buffer, still bounded.
			rest, err := readBounded(r, -1, limit-int64(len(b)))
			if err != nil {
				return nil, err
			}
			return append(b, rest...), nil
		}
	}
}

// answerError is the error for an answer outside 2xx: a [*NotAPIError] if the API cannot have
// sent it (see notAPIAnswer), else the [*APIError] of newAPIError.
func (c *Client) answerError(method, path string, resp *http.Response) error {
	e := c.newAPIError(method, path, resp)
	if na := c.notAPIAnswer(e, resp); na != nil {
		return na
	}
	return e
}

// newAPIError builds the error for an answer outside 2xx from at most maxErrorBody bytes of its
// body. A body that is not a JSON error object still gives an APIError, with a snippet of it. The
// API key is removed from every text taken from the answer.
func (c *Client) newAPIError(method, path string, resp *http.Response) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		RequestID:  c.clean(firstHeader(resp.Header, "X-Request-Id", "Request-Id"), 200),
	}
	if d, ok := retryAfter(resp.Header, c.now()); ok {
		e.RetryAfter = d
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var data generated.ErrorData
	if len(body) > 0 && decodeJSON(body, &data) == nil && (data.Error.Message != "" || data.Error.Type != "") {
		e.Type = c.clean(data.Error.Type, 200)
		e.Message = c.clean(data.Error.Message, 2000)
		if data.Error.Param != nil {
			e.Param = c.clean(*data.Error.Param, 200)
		}
		if data.Error.Code != nil {
			e.Code = c.clean(*data.Error.Code, 200)
		}
		return e
	}
	e.Body = c.clean(string(body), maxSnippet)
	if readErr != nil && e.Body == "" {
		e.Body = "(reading the body failed: " + c.clean(readErr.Error(), 200) + ")"
	}
	return e
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// clean makes text from the service safe to print: the API key removed, invalid UTF-8 and control
// characters replaced, surrounding space trimmed, and at most limit bytes kept.
func (c *Client) clean(s string, limit int) string {
	if key := c.key(); key != "" {
		s = strings.ReplaceAll(s, key, redacted)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
