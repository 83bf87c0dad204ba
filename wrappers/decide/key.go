package decide

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"github.com/evalkit/together-evals/wrappers"
)

// MatchMode is how rows of two runs are paired.
type MatchMode uint8

// The ways rows are paired.
const (
	// ByKey pairs rows with the same values in the key columns ([WithKey]).
	ByKey MatchMode = iota + 1
	// ByLine pairs rows by their line, when both jobs read the same input file.
	ByLine
	// ByInput pairs rows with the same input fields: every field the service did not add.
	ByInput
)

// String says how rows were paired.
func (m MatchMode) String() string {
	switch m {
	case ByKey:
		return "key columns"
	case ByLine:
		return "line (both jobs read the same input file)"
	case ByInput:
		return "input fields"
	}
	return "unknown"
}

// serviceField reports whether key is a field the service (or the local API) adds to an input row
// in a result row.
func serviceField(key string) bool {
	switch key {
	case wrappers.RowKeySuccess, wrappers.RowKeyError, wrappers.RowKeyFeedback,
		wrappers.RowKeyInvalidJudgeOutput, wrappers.RowKeyLabel, wrappers.RowKeyScore,
		wrappers.RowKeyFinalDecision, wrappers.RowKeyModelOutput, wrappers.RowKeyModelAOutput,
		wrappers.RowKeyModelBOutput, rowKeyJudgeAnswer, rowKeyUsage:
		return true
	}
	return false
}

// Fields the project's local API (package api) adds to a result row besides the service's: the
// judge's answer when it was not an allowed verdict, and the tokens a real judge used.
const (
	rowKeyJudgeAnswer = "judge_answer"
	rowKeyUsage       = "usage"
)

// InputFields returns the row's input fields (every field the service did not add), in the
// order written.
func InputFields(row *wrappers.ResultRow) []Field {
	var out []Field
	for k, v := range row.All() {
		if !serviceField(k) {
			out = append(out, Field{Name: k, Value: v})
		}
	}
	return out
}

// Field is one field of a row: its name and its raw JSON value.
type Field struct {
	Name  string
	Value json.RawMessage
}

// Text is the field's value as a person reads it: a JSON string's text, anything else as JSON.
func (f Field) Text() string { return ValueText(f.Value) }

// ValueText is a raw JSON value as a person reads it: a string's text, anything else as written.
func ValueText(v json.RawMessage) string {
	if len(v) > 0 && v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			return s
		}
	}
	return string(v)
}

// KeyColumnError reports a row that lacks a key column of [WithKey]: the key names a column the
// rows do not have (a mistake in the key, not in the data, when it is the first row).
type KeyColumnError struct {
	// Key is the key columns, as given to WithKey.
	Key []string
	// Run is the run the row belongs to: "base" or "new".
	Run string
	// Line is the row's line in its result file, counted from 1.
	Line int
	// Column is the key column the row lacks.
	Column string
	// Columns is the row's input columns (the fields the service did not add), in its order.
	Columns []string
}

// Error names the key, the row and the column it lacks.
func (e *KeyColumnError) Error() string {
	return fmt.Sprintf("--key %s: the %s run's row at line %d has no column %q", strings.Join(e.Key, ","), e.Run, e.Line, e.Column)
}

// inputColumns returns the names of a row's input fields, in its order.
func inputColumns(row *wrappers.ResultRow) []string {
	var cols []string
	for name := range row.All() {
		if !serviceField(name) {
			cols = append(cols, name)
		}
	}
	return cols
}

// keyer hashes the part of a row that pairs it with a row of the other run. The seed is random
// per Diff, so a dataset cannot be built to make two different keys collide.
type keyer struct {
	mode    MatchMode
	cols    []string
	seed    maphash.Seed
	h       maphash.Hash
	fields  []Field
	compact bytes.Buffer
}

func newKeyer(mode MatchMode, cols []string) *keyer {
	k := &keyer{mode: mode, cols: cols, seed: maphash.MakeSeed()}
	k.h.SetSeed(k.seed)
	return k
}

// keyOf returns the hash the row is paired on: its key columns' values (ByKey), its line (ByLine)
// or its input fields (ByInput). which names the run in errors ("base", "new").
func (k *keyer) keyOf(row *wrappers.ResultRow, which string) (uint64, error) {
	switch k.mode {
	case ByLine:
		return uint64(row.Line()), nil //nolint:gosec // a line number is positive
	case ByKey:
		k.h.Reset()
		for _, c := range k.cols {
			v := row.Field(c)
			if v == nil {
				return 0, &KeyColumnError{Key: k.cols, Run: which, Line: row.Line(), Column: c, Columns: inputColumns(row)}
			}
			k.writeValue(v)
		}
		return k.h.Sum64(), nil
	}
	return k.inputHash(row), nil
}

// inputHash hashes the row's input fields, sorted by name, values compared as written with the
// white space between JSON tokens ignored.
func (k *keyer) inputHash(row *wrappers.ResultRow) uint64 {
	k.fields = k.fields[:0]
	for name, v := range row.All() {
		if !serviceField(name) {
			k.fields = append(k.fields, Field{Name: name, Value: v})
		}
	}
	slices.SortStableFunc(k.fields, func(a, b Field) int { return cmp.Compare(a.Name, b.Name) })
	k.h.Reset()
	for _, f := range k.fields {
		k.writeLen(len(f.Name))
		_, _ = k.h.WriteString(f.Name)
		k.writeValue(f.Value)
	}
	return k.h.Sum64()
}

func (k *keyer) writeLen(n int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n)) //nolint:gosec // a length is not negative
	_, _ = k.h.Write(b[:])
}

// writeValue hashes a JSON value: a string or a number as written; an object or an array
// compacted first, so that spacing does not matter.
func (k *keyer) writeValue(v json.RawMessage) {
	if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
		k.compact.Reset()
		if err := json.Compact(&k.compact, v); err == nil {
			v = k.compact.Bytes()
		}
	}
	k.writeLen(len(v))
	_, _ = k.h.Write(v)
}

// keyJSON is the row's pairing key as JSON: an object of the key columns (ByKey), {"line": N}
// (ByLine), or an object of the input fields (ByInput).
func keyJSON(mode MatchMode, cols []string, row *wrappers.ResultRow) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(i int, name string, v json.RawMessage) {
		if i > 0 {
			b.WriteByte(',')
		}
		n, _ := json.Marshal(name)
		b.Write(n)
		b.WriteByte(':')
		if err := json.Compact(&b, v); err != nil {
			b.WriteString("null")
		}
	}
	switch mode {
	case ByLine:
		write(0, "line", json.RawMessage(strconv.Itoa(row.Line())))
	case ByKey:
		for i, c := range cols {
			v := row.Field(c)
			if v == nil {
				v = json.RawMessage("null")
			}
			write(i, c, v)
		}
	default:
		i := 0
		for name, v := range row.All() {
			if !serviceField(name) {
				write(i, name, v)
				i++
			}
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// keyText is the row's pairing key as a person reads it: the key columns' values ("q1", or
// "id=q1, lang=en" for several), "line N", or "line N" of the row for input fields.
func keyText(mode MatchMode, cols []string, row *wrappers.ResultRow) string {
	switch mode {
	case ByKey:
		if len(cols) == 1 {
			return ValueText(row.Field(cols[0]))
		}
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = c + "=" + ValueText(row.Field(c))
		}
		return strings.Join(parts, ", ")
	}
	return "line " + strconv.Itoa(row.Line())
}
