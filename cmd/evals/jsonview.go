package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/evalkit/together-evals/wrappers"
)

// How an object looks in -o json: the API's objects as sent, label counts decoded beside them,
// credentials redacted.

// The values of --output.
const (
	outputTable = "table"
	outputJSON  = "json"
)

// redacted replaces the value of a credential in anything printed.
const redacted = "[REDACTED]"

// writeJSON writes v as indented JSON, without escaping <, > and &.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// objectJSON turns an object of the API (a job, or a /status answer) into what -o json prints: the
// object as sent, with results.label_counts_decoded holding the decoded label counts (null if they
// could not be decoded) next to results.label_counts, and credentials in parameters redacted.
func objectJSON(raw json.RawMessage, counts map[string]int, countsErr error) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("the API's answer is not a JSON object: %w", err)
	}
	if params, ok := obj["parameters"]; ok {
		redact(params)
	}
	if res, ok := obj["results"].(map[string]any); ok {
		if _, ok := res["label_counts"]; ok {
			if countsErr != nil || counts == nil {
				res["label_counts_decoded"] = nil
			} else {
				res["label_counts_decoded"] = counts
			}
		}
	}
	return obj, nil
}

// redact replaces credentials anywhere in v (decoded JSON) with redacted.
func redact(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if isSecretKey(k) {
				if c != nil {
					t[k] = redacted
				}
				continue
			}
			redact(c)
		}
	case []any:
		for _, c := range t {
			redact(c)
		}
	}
}

// jobJSON is objectJSON for a job.
func jobJSON(job *wrappers.Job) (any, error) {
	counts, err := job.LabelCounts()
	return objectJSON(job.Raw, counts, err)
}
