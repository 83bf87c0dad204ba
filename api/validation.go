package api

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/evalkit/together-evals/generated"
)

// requestErrorAnswer turns a failed request validation into the answer the service gives: 400
// ErrorData whose param names the field (parameters.labels, limit, purpose...), 413 for an upload
// over the bound, and 404 for a malformed id on an operation that has no 400 (an id that cannot
// exist names no job or file).
func requestErrorAnswer(op operation, err error, maxUpload int64) (int, generated.ErrorData) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		if op.id == OpUploadFile {
			return http.StatusRequestEntityTooLarge, apiError(errTypeInvalidRequest, "", "file_too_large",
				fmt.Sprintf("the upload is larger than the limit of %d bytes", maxUpload))
		}
		return http.StatusBadRequest, badRequest("", "the request body is larger than the limit of %d bytes", tooBig.Limit)
	}
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return http.StatusBadRequest, badRequest("", "request body: %s", firstLine(err.Error()))
	}
	if p := re.Parameter; p != nil {
		if p.In == openapi3.ParameterInPath && !op.has400 {
			what := "Evaluation job"
			if op.id == OpGetFile || op.id == OpGetFileContent || op.id == OpDeleteFile {
				what = "File"
			}
			return http.StatusNotFound, apiError(errTypeNotFound, "", "", fmt.Sprintf("%s not found: the id is not valid (%s)", what, reasonOf(re)))
		}
		return http.StatusBadRequest, badRequest(p.Name, "%s", reasonOf(re))
	}
	param, reason := bodyFault(re)
	if param == "" {
		return http.StatusBadRequest, badRequest("", "request body: %s", reason)
	}
	return http.StatusBadRequest, badRequest(param, "%s", reason)
}

// reasonOf is the short reason of a parameter error, without the schema dump.
func reasonOf(re *openapi3filter.RequestError) string {
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		return se.Reason
	}
	var pe *openapi3filter.ParseError
	if errors.As(re.Err, &pe) {
		return "not a valid value: " + firstLine(pe.Error())
	}
	if re.Err != nil {
		return firstLine(re.Err.Error())
	}
	return firstLine(re.Reason)
}

// bodyFault finds the field at fault in a body validation error and says what is wrong with it.
func bodyFault(re *openapi3filter.RequestError) (param, reason string) {
	var se *openapi3.SchemaError
	if !errors.As(re.Err, &se) {
		var pe *openapi3filter.ParseError
		if errors.As(re.Err, &pe) {
			return "", "not valid JSON: " + firstLine(pe.Error())
		}
		if re.Err != nil {
			return "", firstLine(re.Error())
		}
		return "", firstLine(re.Reason)
	}
	if se.SchemaField == "discriminator" {
		return "type", discriminatorReason(se)
	}
	leaves := schemaLeaves(se, nil)
	best := deepest(leaves)
	return pointerParam(best[0].JSONPointer()), joinReasons(best)
}

// discriminatorReason explains a missing or unknown `type`, listing the known ones.
func discriminatorReason(se *openapi3.SchemaError) string {
	var known []string
	if se.Schema != nil && se.Schema.Discriminator != nil {
		for k := range se.Schema.Discriminator.Mapping {
			known = append(known, k)
		}
	}
	sort.Strings(known)
	if strings.Contains(se.Reason, "does not contain") {
		return "is required; one of " + strings.Join(known, ", ")
	}
	return "must be one of " + strings.Join(known, ", ")
}

// schemaLeaves collects the innermost schema errors below se: a oneOf/anyOf/allOf failure carries
// the failures of its branches in its Origin.
func schemaLeaves(se *openapi3.SchemaError, out []*openapi3.SchemaError) []*openapi3.SchemaError {
	var me openapi3.MultiError
	if se.Origin != nil && errors.As(se.Origin, &me) {
		n := len(out)
		for _, e := range me {
			var inner *openapi3.SchemaError
			if errors.As(e, &inner) {
				out = schemaLeaves(inner, out)
			}
		}
		if len(out) > n {
			return out
		}
	}
	return append(out, se)
}

// deepest keeps the leaves with the longest path: the most precise account of what is wrong.
func deepest(leaves []*openapi3.SchemaError) []*openapi3.SchemaError {
	depth := -1
	var best []*openapi3.SchemaError
	for _, l := range leaves {
		switch d := len(l.JSONPointer()); {
		case d > depth:
			depth, best = d, []*openapi3.SchemaError{l}
		case d == depth:
			best = append(best, l)
		}
	}
	return best
}

// joinReasons says every distinct reason of errors at the same place ("value must be a string or
// value must be an object").
func joinReasons(errs []*openapi3.SchemaError) string {
	var reasons []string
	seen := map[string]bool{}
	for _, e := range errs {
		if !seen[e.Reason] {
			seen[e.Reason] = true
			reasons = append(reasons, e.Reason)
		}
	}
	return strings.Join(reasons, ", or ")
}

// pointerParam writes a JSON pointer as the service writes params: parameters.judge.model,
// parameters.labels[1].
func pointerParam(ptr []string) string {
	var b strings.Builder
	for _, p := range ptr {
		if _, err := strconv.Atoi(p); err == nil && b.Len() > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
