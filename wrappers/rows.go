package wrappers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
)

// The keys of a result row that the service adds to the input fields (see
// ResultRow).
const (
	RowKeySuccess            = "success"
	RowKeyError              = "error"
	RowKeyFeedback           = "feedback"
	RowKeyInvalidJudgeOutput = "is_invalid_judge_output"
	RowKeyLabel              = "label"
	RowKeyScore              = "score"
	RowKeyFinalDecision      = "final_decision"
	RowKeyModelOutput        = "model_to_evaluate_output"
	RowKeyModelAOutput       = "model_a_output"
	RowKeyModelBOutput       = "model_b_output"
	// RowKeyJudgeAnswer is the judge's raw answer, kept by the local API when the answer was an
	// invalid verdict; the hosted service does not document it.
	RowKeyJudgeAnswer = "judge_answer"
	// RowKeyUsage is the tokens the row's model calls used, where the local API reports them.
	RowKeyUsage = "usage"
)

// The final decisions a result row can carry: pass or fail for classify and
// score jobs, A, B or Tie for compare jobs.
const (
	DecisionPass = "pass"
	DecisionFail = "fail"
	DecisionA    = "A"
	DecisionB    = "B"
	DecisionTie  = "Tie"
)

// ResultRow is one row of a job's result file: the input row's fields, as
// uploaded, plus the judgement the service added (success, error, feedback,
// label, score, final_decision, is_invalid_judge_output, and the outputs of the
// models that generated them).
//
// Every key is kept, in order, known or not: [ResultRow.Keys],
// [ResultRow.Field] and [ResultRow.Raw] reach all of them. The typed accessors
// read the known keys and report a missing, null or differently typed value
// as absent (false, "" or zero) instead of failing, so a row from a newer or
// older version of the service still reads.
type ResultRow struct {
	line   int
	raw    []byte
	fields []rowField
}

type rowField struct {
	key   string
	value json.RawMessage
}

// ParseResultRow decodes one result row from a JSON object. The row keeps its
// own copy of data.
func ParseResultRow(data []byte) (*ResultRow, error) {
	data = bytes.TrimSpace(data)
	if !json.Valid(data) {
		return nil, errors.New(describeInvalidJSON(data))
	}
	if kind := jsonKind(data); kind != "a JSON object" {
		return nil, fmt.Errorf("%s, not an object", kind)
	}
	return newResultRow(0, bytes.Clone(data)), nil
}

// newResultRow builds a row over raw, which must be a valid JSON object the
// row may keep.
func newResultRow(line int, raw []byte) *ResultRow {
	var k keyCache
	return k.row(line, raw)
}

// keyCache builds rows that share their key strings and size their field
// slices after the previous row: rows of one file have the same keys, so this
// saves an allocation per key per row.
type keyCache struct {
	keys   map[string]string
	fields int
}

// maxCachedKeys bounds the key cache, so that a file whose rows all have
// different keys cannot grow it without end.
const maxCachedKeys = 1024

func (k *keyCache) key(m jsonMember) string {
	if m.escaped {
		return m.name()
	}
	if s, ok := k.keys[string(m.key)]; ok {
		return s
	}
	s := m.name()
	if k.keys == nil {
		k.keys = map[string]string{}
	}
	if len(k.keys) < maxCachedKeys {
		k.keys[s] = s
	}
	return s
}

func (k *keyCache) row(line int, raw []byte) *ResultRow {
	row := &ResultRow{line: line, raw: raw, fields: make([]rowField, 0, max(k.fields, 8))}
	walkObject(raw, func(m jsonMember) bool {
		row.fields = append(row.fields, rowField{key: k.key(m), value: m.value})
		return true
	})
	k.fields = len(row.fields)
	return row
}

// Line is the row's line number in the result file, from 1 (0 for a row made
// by ParseResultRow).
func (r *ResultRow) Line() int { return r.line }

// Raw is the row exactly as read, without its line ending. It must not be
// modified.
func (r *ResultRow) Raw() []byte { return r.raw }

// MarshalJSON returns the row as read.
func (r *ResultRow) MarshalJSON() ([]byte, error) { return bytes.Clone(r.raw), nil }

// UnmarshalJSON decodes a row from a JSON object, as ParseResultRow does.
func (r *ResultRow) UnmarshalJSON(data []byte) error {
	row, err := ParseResultRow(data)
	if err != nil {
		return fmt.Errorf("result row: %w", err)
	}
	*r = *row
	return nil
}

// Keys returns the row's keys in the order written.
func (r *ResultRow) Keys() []string {
	keys := make([]string, len(r.fields))
	for i, f := range r.fields {
		keys[i] = f.key
	}
	return keys
}

// All iterates over the row's keys and raw values in the order written.
func (r *ResultRow) All() iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		for _, f := range r.fields {
			if !yield(f.key, f.value) {
				return
			}
		}
	}
}

// Field returns the raw JSON value of key, or nil when the row has no such
// key. When a key appears twice, the last one wins, as in encoding/json.
func (r *ResultRow) Field(key string) json.RawMessage {
	for i := len(r.fields) - 1; i >= 0; i-- {
		if r.fields[i].key == key {
			return r.fields[i].value
		}
	}
	return nil
}

// Has reports whether the row has key (even with a null value).
func (r *ResultRow) Has(key string) bool { return r.Field(key) != nil }

// StringField returns the value of key when it is a JSON string.
func (r *ResultRow) StringField(key string) (string, bool) { return decodeJSONString(r.Field(key)) }

// NumberField returns the value of key when it is a JSON number, or a string
// holding one.
func (r *ResultRow) NumberField(key string) (float64, bool) { return decodeJSONNumber(r.Field(key)) }

// BoolField returns the value of key when it is a JSON boolean.
func (r *ResultRow) BoolField(key string) (value, ok bool) { return decodeJSONBool(r.Field(key)) }

// String returns the row as read (JSON), so that printing a row shows it.
func (r *ResultRow) String() string { return string(r.raw) }

// Success reports whether generation and judging succeeded for the row. A row
// without a boolean success key counts as succeeded when it carries no error
// message.
func (r *ResultRow) Success() bool {
	if v, ok := r.BoolField(RowKeySuccess); ok {
		return v
	}
	return r.ErrorMessage() == ""
}

// ErrorMessage is the row's error: why generation or judging failed; empty
// when it did not. (It is not called Error so that a row is not an error.)
func (r *ResultRow) ErrorMessage() string {
	s, _ := r.StringField(RowKeyError)
	return s
}

// Failure says which stage failed for the row: "generation", "judge", "other"
// (an error the service did not attribute), or "" when the row succeeded.
func (r *ResultRow) Failure() string {
	if r.Success() {
		return ""
	}
	msg := strings.ToLower(strings.TrimSpace(r.ErrorMessage()))
	switch {
	case strings.HasPrefix(msg, "generation failed"):
		return "generation"
	case strings.HasPrefix(msg, "judge failed"):
		return "judge"
	default:
		return "other"
	}
}

// Feedback is the judge's explanation; empty when there is none.
func (r *ResultRow) Feedback() string {
	s, _ := r.StringField(RowKeyFeedback)
	return s
}

// InvalidJudgeOutput reports whether the judge answered but its verdict did
// not parse or was not allowed.
func (r *ResultRow) InvalidJudgeOutput() bool {
	v, _ := r.BoolField(RowKeyInvalidJudgeOutput)
	return v
}

// JudgeAnswer is the judge's raw answer where the row keeps it (the local API does for an invalid
// verdict); false when the row has none.
func (r *ResultRow) JudgeAnswer() (string, bool) { return r.StringField(RowKeyJudgeAnswer) }

// Label is the label a classify judge gave; false when there is none (the row
// failed, the verdict was invalid, or the job is not classify).
func (r *ResultRow) Label() (string, bool) { return r.StringField(RowKeyLabel) }

// Score is the score a score judge gave; false when there is none.
func (r *ResultRow) Score() (float64, bool) { return r.NumberField(RowKeyScore) }

// FinalDecision is "pass" or "fail" (classify, score) or "A", "B" or "Tie"
// (compare); empty when there is none.
func (r *ResultRow) FinalDecision() string {
	s, _ := r.StringField(RowKeyFinalDecision)
	return s
}

// ModelOutput is the text the model to evaluate generated for the row, when a
// model (not a column) was evaluated.
func (r *ResultRow) ModelOutput() (string, bool) { return r.StringField(RowKeyModelOutput) }

// ModelAOutput is the text model A generated, when a model was compared.
func (r *ResultRow) ModelAOutput() (string, bool) { return r.StringField(RowKeyModelAOutput) }

// ModelBOutput is the text model B generated, when a model was compared.
func (r *ResultRow) ModelBOutput() (string, bool) { return r.StringField(RowKeyModelBOutput) }

// RowError is the error [ReadResultRows] yields for a line that is not one
// JSON object, or that could not be read.
type RowError struct {
	// Line is the line of the result file, from 1.
	Line int
	// Err says what was wrong.
	Err error
}

// Error returns the line and what was wrong with it.
func (e *RowError) Error() string { return fmt.Sprintf("result row at line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *RowError) Unwrap() error { return e.Err }

// ReadResultRows reads a result file (JSONL) row by row. Memory is bounded by
// the longest line (at most [MaxLineBytes]) plus the rows the caller keeps,
// whatever the size of the file; lines longer than bufio.Scanner's 64 KiB
// limit are read like any other. Blank lines are skipped.
//
// The first line that cannot be read as one JSON object yields a nil row and
// a *[RowError] naming the line, and the iteration stops there: a result file
// that does not parse is damaged or truncated, and going on would hand out a
// silently incomplete set of rows. A read error from r is yielded the same
// way, so is a line longer than the limit.
//
// The sequence reads from r as it goes: it can be ranged over once.
func ReadResultRows(r io.Reader) iter.Seq2[*ResultRow, error] {
	return func(yield func(*ResultRow, error) bool) {
		lr := newLineReader(r, MaxLineBytes)
		var keys keyCache
		for {
			line, err := lr.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				n := lr.line
				var tooLong *lineTooLongError
				if !errors.As(err, &tooLong) {
					n = lr.line + 1
				}
				yield(nil, &RowError{Line: n, Err: err})
				return
			}
			if lr.line == 1 {
				line = bytes.TrimPrefix(line, utf8BOM)
			}
			trimmed := bytes.TrimSpace(line)
			if len(trimmed) == 0 {
				continue
			}
			if !json.Valid(trimmed) {
				yield(nil, &RowError{Line: lr.line, Err: errors.New(describeInvalidJSON(trimmed))})
				return
			}
			if kind := jsonKind(trimmed); kind != "a JSON object" {
				yield(nil, &RowError{Line: lr.line, Err: fmt.Errorf("%s, not an object", kind)})
				return
			}
			if !yield(keys.row(lr.line, bytes.Clone(trimmed)), nil) {
				return
			}
		}
	}
}
