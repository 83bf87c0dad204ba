package wrappers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The spec says what each field of a job holds, and answers are decoded strictly against it. When
// a job does not decode (a time stamp without a zone, a count sent as a string, an error sent as
// an object), the job is repaired instead of failing the whole call, or a whole list: repairJob
// rewrites the fields that break the spec into the form the spec gives them, or drops them, and
// says what it did; the job is then decoded again and carries those notes (Job.Warnings). A
// well-formed answer never comes here, so the strict, fast path costs nothing more.

// naiveTimeLayouts are the time stamp forms read as UTC when a stamp has no zone, tried in order.
var naiveTimeLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
}

// resultNumbers are the fields of results that hold numbers.
var resultNumbers = []string{
	"generation_fail_count", "judge_fail_count", "invalid_label_count", "pass_percentage",
	"invalid_score_count", "failed_samples", "num_samples", "A_wins", "B_wins", "Ties",
}

// repairJob returns raw (one job object) with the fields that break the spec repaired or dropped,
// and a note for each, naming the field. It fails only when raw is not a JSON object at all.
func repairJob(raw []byte) ([]byte, []string, error) {
	var job map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&job); err != nil {
		return nil, nil, err
	}
	if job == nil {
		return nil, nil, fmt.Errorf("the job is null")
	}
	r := repairer{}
	r.str(job, "", "workflow_id", true)
	r.str(job, "", "type", false)
	r.str(job, "", "status", false)
	r.str(job, "", "owner_id", false)
	r.stamp(job, "", "created_at")
	r.stamp(job, "", "updated_at")
	if v, ok := job["status_updates"]; ok && v != nil {
		updates, isList := v.([]any)
		if !isList {
			r.drop(job, "", "status_updates", "is not a list")
		}
		kept := updates[:0]
		for i, u := range updates {
			prefix := fmt.Sprintf("status_updates[%d].", i)
			m, isObj := u.(map[string]any)
			if !isObj {
				r.note(prefix[:len(prefix)-1], "is not an object; left out")
				continue
			}
			r.str(m, prefix, "status", false)
			r.str(m, prefix, "message", false)
			r.stamp(m, prefix, "timestamp")
			kept = append(kept, m)
		}
		if isList {
			job["status_updates"] = kept
		}
	}
	if v, ok := job["results"]; ok && v != nil {
		switch res := v.(type) {
		case map[string]any:
			r.results(res)
		case string:
			job["results"] = map[string]any{"error": res}
			r.note("results", "is a string; read as the error of a failed job")
		default:
			r.drop(job, "", "results", "is not an object")
		}
	}
	fixed, err := json.Marshal(job)
	if err != nil {
		return nil, nil, err
	}
	return fixed, r.notes, nil
}

// repairer collects the notes of one repair.
type repairer struct{ notes []string }

func (r *repairer) note(field, what string) { r.notes = append(r.notes, field+": "+what) }

func (r *repairer) drop(m map[string]any, prefix, key, why string) {
	delete(m, key)
	r.note(prefix+key, why+"; left out")
}

// str makes m[key] a string: a number is written out; anything else is dropped (or, for a
// required field, kept as its JSON text).
func (r *repairer) str(m map[string]any, prefix, key string, required bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	switch t := v.(type) {
	case string:
	case json.Number:
		m[key] = t.String()
		r.note(prefix+key, "is a number; read as the string "+strconv.Quote(t.String()))
	default:
		if required {
			b, _ := json.Marshal(t)
			m[key] = string(b)
			r.note(prefix+key, "is not a string; read as its JSON text")
			return
		}
		r.drop(m, prefix, key, "is not a string")
	}
}

// stamp makes m[key] an RFC 3339 time stamp: a stamp without a zone is read as UTC, a number as
// Unix seconds; anything else is dropped.
func (r *repairer) stamp(m map[string]any, prefix, key string) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	switch t := v.(type) {
	case string:
		if _, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return
		}
		for _, layout := range naiveTimeLayouts {
			if at, err := time.ParseInLocation(layout, t, time.UTC); err == nil {
				m[key] = at.UTC().Format(time.RFC3339Nano)
				r.note(prefix+key, fmt.Sprintf("%q is not an RFC 3339 time stamp; read as %s", t, at.UTC().Format(time.RFC3339Nano)))
				return
			}
		}
		r.drop(m, prefix, key, fmt.Sprintf("%q is not a time stamp", t))
	case json.Number:
		if secs, err := t.Float64(); err == nil && !math.IsInf(secs, 0) && math.Abs(secs) < 1e11 {
			at := time.Unix(0, int64(secs*1e9)).UTC()
			m[key] = at.Format(time.RFC3339Nano)
			r.note(prefix+key, "is a number; read as Unix seconds, "+at.Format(time.RFC3339Nano))
			return
		}
		r.drop(m, prefix, key, "is a number that is not a time")
	default:
		r.drop(m, prefix, key, "is not a time stamp")
	}
}

// num makes m[key] a finite JSON number: a string holding one is read as it; anything else is
// dropped.
func (r *repairer) num(m map[string]any, prefix, key string) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = strings.TrimSpace(t)
	default:
		r.drop(m, prefix, key, "is not a number")
		return
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		r.drop(m, prefix, key, fmt.Sprintf("%s is not a number a float64 holds", strconv.Quote(text)))
		return
	}
	if _, isNum := v.(json.Number); !isNum {
		r.note(prefix+key, fmt.Sprintf("is the string %q; read as the number", text))
	}
	m[key] = json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// results repairs a results object; label_counts is left alone (it has its own lazy decoding).
func (r *repairer) results(res map[string]any) {
	const prefix = "results."
	if v, ok := res["error"]; ok && v != nil {
		if _, isStr := v.(string); !isStr {
			msg := ""
			if m, isObj := v.(map[string]any); isObj {
				msg, _ = m["message"].(string)
			}
			if msg == "" {
				b, _ := json.Marshal(v)
				msg = string(b)
			}
			res["error"] = msg
			r.note(prefix+"error", "is not a string; read as "+strconv.Quote(msg))
		}
	}
	r.str(res, prefix, "result_file_id", false)
	for _, key := range resultNumbers {
		r.num(res, prefix, key)
	}
	if v, ok := res["aggregated_scores"]; ok && v != nil {
		agg, isObj := v.(map[string]any)
		if !isObj {
			r.drop(res, prefix, "aggregated_scores", "is not an object")
			return
		}
		for _, key := range []string{"mean_score", "std_score", "pass_percentage"} {
			r.num(agg, prefix+"aggregated_scores.", key)
		}
	}
}
