package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// member is one field of a JSON object, its value kept exactly as written.
type member struct {
	key   string
	value json.RawMessage
}

// inputRow is one line of an evaluation input file.
type inputRow struct {
	members []member       // in the order written
	values  map[string]any // decoded, numbers as json.Number
	canon   []byte         // canonical JSON (sorted keys): what the stand-in judge hashes
}

// forEachLine calls fn with each line of a JSONL file (1-based numbers), without its line end.
// A last empty line (the file ends with a newline) is not a line.
func forEachLine(data []byte, fn func(n int, line []byte) error) error {
	n := 0
	for len(data) > 0 {
		n++
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if err := fn(n, bytes.TrimSuffix(line, []byte("\r"))); err != nil {
			return err
		}
	}
	return nil
}

// checkJSONL checks an evaluation input file: valid UTF-8, every line one JSON object, at least one
// line. The error names the first bad line.
func checkJSONL(data []byte) error {
	rows := 0
	err := forEachLine(data, func(n int, line []byte) error {
		rows++
		// The fast path: one JSON value that is an object. Only a bad line is parsed for the reason.
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '{' && utf8.Valid(t) && json.Valid(t) {
			return nil
		}
		if _, err := parseObject(line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if rows == 0 {
		return errors.New("the file has no rows")
	}
	return nil
}

// parseObject reads one line that must hold exactly one JSON object.
func parseObject(line []byte) ([]member, error) {
	if !utf8.Valid(line) {
		return nil, errors.New("not valid UTF-8")
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, errors.New("empty line; every line must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object (starts with %s)", describeToken(tok))
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		members = append(members, member{key: key, value: value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value on the line")
	}
	return members, nil
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return string(t)
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// parseRows reads every row of an input file that passed checkJSONL.
func parseRows(data []byte) ([]inputRow, error) {
	var rows []inputRow
	err := forEachLine(data, func(n int, line []byte) error {
		members, err := parseObject(line)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var values map[string]any
		if err := dec.Decode(&values); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		canon, err := json.Marshal(values)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		rows = append(rows, inputRow{members: members, values: values, canon: canon})
		return nil
	})
	return rows, err
}

// encodeRow writes a result row: the input's fields as written (except those the result sets),
// then the result's own fields in order.
func encodeRow(in []member, out []member) ([]byte, error) {
	set := make(map[string]bool, len(out))
	for _, m := range out {
		set[m.key] = true
	}
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	write := func(m member) error {
		key, err := json.Marshal(m.key)
		if err != nil {
			return err
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.Write(key)
		b.WriteString(": ")
		b.Write(m.value)
		return nil
	}
	for _, m := range in {
		if set[m.key] {
			continue
		}
		if err := write(m); err != nil {
			return nil, err
		}
	}
	for _, m := range out {
		if err := write(m); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// jsonValue encodes v for a result row.
func jsonValue(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings, numbers, booleans and nil are encoded here; none can fail.
		panic(fmt.Sprintf("api: encode %T: %v", v, err))
	}
	return b
}
