package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/evalkit/together-evals/generated"
)

// member is one field of a JSON object, its value kept exactly as written.
type member struct {
	key   string
	value json.RawMessage
}

// inputRow is one line of an evaluation input file.
type inputRow struct {
	members []member // in the order written
}

// maxRowBytes bounds one line of an evaluation input file: what a request or the runner holds of
// a file at once.
const maxRowBytes = 4 << 20

// jsonlChecker checks an evaluation input file as it streams by (it is an io.Writer): valid UTF-8,
// every line one JSON object, at least one line. A last empty line (the file ends with a newline) is
// not a line. It holds at most one line, of at most maxRowBytes. The error names the first bad line.
type jsonlChecker struct {
	line []byte
	n    int // lines checked
	err  error
}

func (c *jsonlChecker) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	written := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if len(c.line)+len(part) > maxRowBytes {
			c.err = fmt.Errorf("line %d: longer than the limit of %d bytes", c.n+1, maxRowBytes)
			return 0, c.err
		}
		c.line = append(c.line, part...)
		if i < 0 {
			break
		}
		p = p[i+1:]
		if err := c.check(); err != nil {
			return 0, err
		}
	}
	return written, nil
}

// check checks the line held and starts the next.
func (c *jsonlChecker) check() error {
	c.n++
	line := bytes.TrimSuffix(c.line, []byte("\r"))
	c.line = c.line[:0]
	// The fast path: one JSON value that is an object. Only a bad line is parsed for the reason.
	if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '{' && utf8.Valid(t) && json.Valid(t) {
		return nil
	}
	if _, err := parseObject(line); err != nil {
		c.err = fmt.Errorf("line %d: %w", c.n, err)
		return c.err
	}
	return nil
}

// finish checks the last line, and that there was one.
func (c *jsonlChecker) finish() error {
	if c.err != nil {
		return c.err
	}
	if len(c.line) > 0 {
		if err := c.check(); err != nil {
			return err
		}
	}
	if c.n == 0 {
		c.err = errors.New("the file has no rows")
	}
	return c.err
}

// scanRows reads an input file that passed the checks row by row (1-based numbers), holding one
// line at a time.
func scanRows(r io.Reader, fn func(n int, row inputRow) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for n := 1; ; n++ {
		line = line[:0]
		for {
			frag, err := br.ReadSlice('\n')
			if len(line)+len(frag) > maxRowBytes+2 {
				return fmt.Errorf("line %d: longer than the limit of %d bytes", n, maxRowBytes)
			}
			line = append(line, frag...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if len(line) == 0 {
					return nil
				}
				break
			}
			if err != nil {
				return err
			}
			break
		}
		text := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		row, err := parseRow(text)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := fn(n, row); err != nil {
			return err
		}
	}
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

// parseRow reads one row of an input file.
func parseRow(line []byte) (inputRow, error) {
	if members, ok := fastMembers(line); ok {
		return inputRow{members: members}, nil
	}
	members, err := parseObject(line)
	if err != nil {
		return inputRow{}, err
	}
	return inputRow{members: members}, nil
}

// rowDecoders keeps jsontext decoders for reuse: a job reads every row of its input twice.
var rowDecoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewReader(nil)) }}

// fastMembers reads a line that holds one JSON object with jsontext, which streams a row several
// times faster than encoding/json's tokens; a line it refuses goes to parseObject, which says why.
func fastMembers(line []byte) ([]member, bool) {
	dec := rowDecoders.Get().(*jsontext.Decoder)
	defer rowDecoders.Put(dec)
	dec.Reset(bytes.NewReader(line), jsontext.AllowDuplicateNames(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	var members []member
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, false
		}
		key := tok.String() // before the next read voids the token
		value, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		members = append(members, member{key: key, value: bytes.Clone(value)})
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, false
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return members, true
}

// values decodes the row's fields (numbers as json.Number; a repeated name keeps its last value):
// what the stand-in judge reads.
func (r inputRow) values() map[string]any {
	values := make(map[string]any, len(r.members))
	for _, m := range r.members {
		dec := json.NewDecoder(bytes.NewReader(m.value))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			values[m.key] = v
		}
	}
	return values
}

// canon is the row's canonical JSON (keys sorted): what the stand-in judge hashes.
func (r inputRow) canon() []byte {
	b, _ := json.Marshal(r.values()) // decoded JSON always encodes
	return b
}

// encodeRow writes a result row: the input's fields as written (except those the result sets),
// then the result's own fields in order.
func encodeRow(in []member, out []member) ([]byte, error) {
	size := 2 + 1 // braces and the newline the caller appends
	for _, m := range in {
		size += len(m.key) + len(m.value) + 6
	}
	for _, m := range out {
		size += len(m.key) + len(m.value) + 6
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	first := true
	write := func(m member) error {
		if !first {
			b = append(b, ", "...)
		}
		first = false
		var err error
		if b, err = appendJSONString(b, m.key); err != nil {
			return err
		}
		b = append(b, ": "...)
		b = append(b, m.value...)
		return nil
	}
	for _, m := range in {
		if hasKey(out, m.key) {
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
	b = append(b, '}')
	return b, nil
}

// hasKey reports whether one of ms has the key (a result row adds a handful of fields, so a scan
// is cheaper than a set).
func hasKey(ms []member, key string) bool {
	for _, m := range ms {
		if m.key == key {
			return true
		}
	}
	return false
}

// appendJSONString appends s encoded as encoding/json encodes a string. A string of printable
// ASCII without the characters it escapes for HTML (the common key, label or feedback) is written
// here, '"' and '\\' escaped, without reflection; any other goes to encoding/json.
func appendJSONString(b []byte, s string) ([]byte, error) {
	if !plainJSONString(s) {
		q, err := json.Marshal(s)
		if err != nil {
			return b, err
		}
		return append(b, q...), nil
	}
	b = append(b, '"')
	for i := 0; i < len(s); {
		j := strings.IndexAny(s[i:], `"\`)
		if j < 0 {
			b = append(b, s[i:]...)
			break
		}
		b = append(b, s[i:i+j]...)
		b = append(b, '\\', s[i+j])
		i += j + 1
	}
	return append(b, '"'), nil
}

// plainJSONString reports whether appendJSONString writes s itself: printable ASCII without the
// characters encoding/json escapes for HTML ('<', '>', '&').
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// jsonValue encodes v for a result row.
func jsonValue(v any) json.RawMessage {
	switch x := v.(type) {
	case string:
		if plainJSONString(x) {
			b, _ := appendJSONString(make([]byte, 0, len(x)+2), x)
			return b
		}
	case nil:
		return json.RawMessage("null")
	case generated.TokenUsage:
		b := make([]byte, 0, 80)
		b = append(b, `{"completion_tokens":`...)
		b = strconv.AppendInt(b, int64(x.CompletionTokens), 10)
		b = append(b, `,"prompt_tokens":`...)
		b = strconv.AppendInt(b, int64(x.PromptTokens), 10)
		b = append(b, `,"total_tokens":`...)
		b = strconv.AppendInt(b, int64(x.TotalTokens), 10)
		return append(b, '}')
	case bool:
		if x {
			return json.RawMessage("true")
		}
		return json.RawMessage("false")
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings, numbers, booleans and nil are encoded here; none can fail.
		panic(fmt.Sprintf("api: encode %T: %v", v, err))
	}
	return b
}
