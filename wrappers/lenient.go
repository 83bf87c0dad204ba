package wrappers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/evalkit/together-evals/generated/jobschema"
)

// The spec says what each field of a job holds, and answers are decoded strictly against it. When
// a job does not decode (a time stamp without a zone, a count sent as a string, an error sent as
// an object), it is repaired instead of failing the whole call, or a whole list: repairJob walks
// the job along the spec's own EvaluationJob schema (jobschema.EvaluationJob, a table that go
// generate writes from openapi.yaml, so no field is listed here by hand and no OpenAPI loader runs
// in the client), rewrites each value that breaks its schema into the form the schema gives
// it, or drops it, and says what it did; the job is then decoded again and carries those notes
// (Job.Warnings). A well-formed answer never comes here, so the strict, fast path costs nothing
// more.

// naiveTimeLayouts are the time stamp forms read as UTC when a stamp has no zone, tried in order.
var naiveTimeLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
}

// repairJob returns raw (one job object, or the answer of /status, whose fields are a job's) with
// the values that break the spec repaired or dropped, and a note for each, naming the field. It
// fails only when raw is not a JSON object at all.
func repairJob(raw []byte) ([]byte, []string, error) {
	var job map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&job); err != nil {
		return nil, nil, err
	}
	if job == nil {
		return nil, nil, errors.New("the job is null")
	}
	r := repairer{}
	// A failed job's results sent as a bare string: the results schema has a string `error`.
	if s, ok := job["results"].(string); ok {
		job["results"] = map[string]any{"error": s}
		r.note("results", "is a string; read as the error of a failed job")
	}
	r.object(job, jobschema.EvaluationJob, "")
	fixed, err := json.Marshal(job)
	if err != nil {
		return nil, nil, err
	}
	return fixed, r.notes, nil
}

// repairer collects the notes of one repair.
type repairer struct{ notes []string }

func (r *repairer) note(field, what string) { r.notes = append(r.notes, field+": "+what) }

// object repairs the properties of m that its schema describes, in name order; unknown ones are
// left as they are.
func (r *repairer) object(m map[string]any, s *jobschema.Schema, prefix string) {
	for _, p := range s.Properties {
		v, ok := m[p.Name]
		if !ok || v == nil {
			continue
		}
		fixed, keep := r.value(v, p.Schema, prefix+p.Name, p.Required)
		if keep {
			m[p.Name] = fixed
		} else {
			delete(m, p.Name)
		}
	}
}

// value repairs v against s; keep is false when v must be left out.
func (r *repairer) value(v any, s *jobschema.Schema, field string, required bool) (fixed any, keep bool) {
	switch s.Kind {
	case jobschema.Union:
		return v, true // label_counts: decoded lazily, its own errors reported where it is read
	case jobschema.Object:
		m, ok := v.(map[string]any)
		if !ok {
			r.note(field, "is not an object; left out")
			return nil, false
		}
		r.object(m, s, field+".")
		return m, true
	case jobschema.Array:
		list, ok := v.([]any)
		if !ok {
			r.note(field, "is not a list; left out")
			return nil, false
		}
		kept := list[:0]
		for i, item := range list {
			if item == nil {
				kept = append(kept, item)
				continue
			}
			if f, keep := r.value(item, s.Items, fmt.Sprintf("%s[%d]", field, i), false); keep {
				kept = append(kept, f)
			}
		}
		return kept, true
	case jobschema.DateTime:
		return r.stamp(v, field)
	case jobschema.String:
		return r.str(v, field, required)
	case jobschema.Number:
		return r.num(v, field)
	case jobschema.Boolean:
		if _, ok := v.(bool); !ok {
			r.note(field, "is not true or false; left out")
			return nil, false
		}
	}
	return v, true
}

// str reads a number as its text and an object as its "message" (or its JSON text); anything else
// is left out, unless the field is required, when its JSON text stands in.
func (r *repairer) str(v any, field string, required bool) (any, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		r.note(field, "is a number; read as the string "+strconv.Quote(t.String()))
		return t.String(), true
	case map[string]any:
		if msg, ok := t["message"].(string); ok {
			r.note(field, "is an object; read as its message "+strconv.Quote(msg))
			return msg, true
		}
	}
	if _, isBool := v.(bool); isBool && !required {
		r.note(field, "is not a string; left out")
		return nil, false
	}
	b, _ := json.Marshal(v)
	r.note(field, "is not a string; read as its JSON text")
	return string(b), true
}

// stamp reads an RFC 3339 time stamp as it is, one without a zone as UTC, and a number as Unix
// seconds; anything else is left out.
func (r *repairer) stamp(v any, field string) (any, bool) {
	switch t := v.(type) {
	case string:
		if _, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return t, true
		}
		for _, layout := range naiveTimeLayouts {
			if at, err := time.ParseInLocation(layout, t, time.UTC); err == nil {
				s := at.UTC().Format(time.RFC3339Nano)
				r.note(field, fmt.Sprintf("%q is not an RFC 3339 time stamp; read as %s", t, s))
				return s, true
			}
		}
		r.note(field, fmt.Sprintf("%q is not a time stamp; left out", t))
	case json.Number:
		if secs, err := t.Float64(); err == nil && math.Abs(secs) < 1e11 {
			s := time.Unix(0, int64(secs*1e9)).UTC().Format(time.RFC3339Nano)
			r.note(field, "is a number; read as Unix seconds, "+s)
			return s, true
		}
		r.note(field, "is a number that is not a time; left out")
	default:
		r.note(field, "is not a time stamp; left out")
	}
	return nil, false
}

// num reads a string holding a finite number as that number; anything else that is not a finite
// number is left out.
func (r *repairer) num(v any, field string) (any, bool) {
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = strings.TrimSpace(t)
	default:
		r.note(field, "is not a number; left out")
		return nil, false
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		r.note(field, strconv.Quote(text)+" is not a number a float64 holds; left out")
		return nil, false
	}
	if _, isNum := v.(json.Number); !isNum {
		r.note(field, fmt.Sprintf("is the string %q; read as the number", text))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
}
