// Package contract checks HTTP requests and responses against the project's OpenAPI document with
// kin-openapi. The api package uses it in front of its handlers, and the tests of every package use it
// to prove that what crosses the wire is what openapi.yaml says.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/evalkit/together-evals/generated/spec"
)

// Validator validates requests and responses against one OpenAPI document. It is safe for
// concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	base   string
}

// ErrNoRoute reports a request that matches no operation of the document.
var ErrNoRoute = errors.New("no operation of the spec matches the request")

// ErrTrailingData reports a JSON request body with more than one value in it.
var ErrTrailingData = errors.New("the request body holds more than one JSON value")

// isJSON reports whether a Content-Type is JSON (application/json, or a +json type).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

var (
	embeddedOnce sync.Once
	embedded     *Validator
	embeddedErr  error
)

// Embedded returns a Validator for the spec embedded in package generated/spec (openapi.yaml as it
// was when the code was generated), for paths under basePath "/v1".
func Embedded() (*Validator, error) {
	embeddedOnce.Do(func() {
		doc, err := spec.GetSpec()
		if err != nil {
			embeddedErr = fmt.Errorf("contract: load embedded spec: %w", err)
			return
		}
		embedded, embeddedErr = New(doc, "/v1")
	})
	return embedded, embeddedErr
}

// Load parses and validates an OpenAPI document given as YAML or JSON.
func Load(ctx context.Context, spec []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("contract: parse spec: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("contract: invalid spec: %w", err)
	}
	return doc, nil
}

// New returns a Validator for doc whose operations are served under basePath (for example "/v1"),
// on any host. The document's own servers are ignored for routing.
func New(doc *openapi3.T, basePath string) (*Validator, error) {
	basePath = strings.TrimRight(basePath, "/")
	routed := *doc
	// A server even for the root: without one the router matches the unescaped path, and an id
	// holding an escaped "/" would match no route.
	routed.Servers = openapi3.Servers{{URL: basePath + "/"}}
	router, err := legacy.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("contract: build router: %w", err)
	}
	return &Validator{doc: doc, router: router, base: basePath}, nil
}

// Doc returns the document the Validator checks against.
func (v *Validator) Doc() *openapi3.T { return v.doc }

func (v *Validator) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            false,
	}
}

// Route finds the operation r is for, ignoring the scheme and host of its URL.
func (v *Validator) Route(r *http.Request) (*routers.Route, map[string]string, error) {
	u := *r.URL
	u.Scheme, u.Host = "", ""
	if u.RawPath == "" {
		u.RawPath = u.EscapedPath()
	}
	rr := r.Clone(r.Context())
	rr.URL = &u
	route, params, err := v.router.FindRoute(rr)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s %s: %w", ErrNoRoute, r.Method, r.URL.Path, err)
	}
	// The legacy router leaves path parameters escaped; hand them over unescaped.
	for k, p := range params {
		if s, err := url.PathUnescape(p); err == nil {
			params[k] = s
		}
	}
	return route, params, nil
}

// ValidateRequest checks r (method, path, parameters, body) against the spec. The body, if any, is
// read and put back, so r can still be sent or served.
func (v *Validator) ValidateRequest(ctx context.Context, r *http.Request) error {
	route, params, err := v.Route(r)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: v.options()}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return fmt.Errorf("contract: read request body: %w", err)
		}
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		defer func() { r.Body = io.NopCloser(bytes.NewReader(body)) }()
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return fmt.Errorf("contract: %s %s: %w", r.Method, r.URL.Path, err)
	}
	// kin-openapi reads the first JSON value of a body and ignores what follows it; a body is one
	// value, nothing after it.
	if len(body) > 0 && isJSON(r.Header.Get("Content-Type")) && !json.Valid(body) {
		return fmt.Errorf("contract: %s %s: %w", r.Method, r.URL.Path, ErrTrailingData)
	}
	return nil
}

// ValidateResponse checks a response (status, headers, body) given to request r against the spec.
func (v *Validator) ValidateResponse(ctx context.Context, r *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.Route(r)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: v.options()},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                v.options(),
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return fmt.Errorf("contract: response %d to %s %s: %w", status, r.Method, r.URL.Path, err)
	}
	return nil
}
