package wrappers

import (
	"net/url"
	"unicode"
)

// maxIDBytes is the longest id accepted, as in the spec's EvaluationID and FileID parameters.
const maxIDBytes = 256

// checkID refuses an id that must never reach the API: empty, "." or ".." (which would climb the
// URL path), holding a control character, or longer than 256 bytes. Every other id is sent
// path-escaped by the generated client (url.PathEscape), so "a/../../files/x" travels as the one
// path segment "a%2F..%2F..%2Ffiles%2Fx". kind names what the id is for, such as "evaluation".
func checkID(kind, id string) error {
	problem := ""
	switch {
	case id == "":
		problem = "the id is empty"
	case id == "." || id == "..":
		problem = `"." and ".." are not ids`
	case len(id) > maxIDBytes:
		problem = "longer than 256 bytes"
	default:
		for _, r := range id {
			if unicode.IsControl(r) {
				problem = "holds a control character"
				break
			}
		}
	}
	if problem == "" {
		return nil
	}
	return &InvalidIDError{Kind: kind, ID: id, Problem: problem}
}

// escapedID is id as it appears in a request path, for error messages.
func escapedID(id string) string { return url.PathEscape(id) }
