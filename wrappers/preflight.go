package wrappers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultMaxInputProblems is how many problems [CheckInput] describes when
// [InputCheckOptions.MaxProblems] is zero; it still counts the rest.
const DefaultMaxInputProblems = 20

// ImageColumn is the input field that carries a row's images. The service
// reads it itself, so it never needs a template placeholder.
const ImageColumn = "image_data_urls"

// InputCheckOptions says what [CheckInput] checks beyond the structure of the
// file. With no templates and no columns it checks structure only: valid
// UTF-8, one JSON object per non-blank line, the same fields on every row.
// Given the job's templates or model columns (see [InputCheckOptionsFor]) it
// also checks usage: every field is used by a template placeholder, named as a
// model column, or is [ImageColumn], and every placeholder and column names a
// field the rows have. The service fails a job whose input breaks these rules
// with user_error "Unsupported dataset column(s)", after it was paid for.
type InputCheckOptions struct {
	// Templates are the job's templates: the judge's system template and, for
	// models that generate outputs, their system and input templates.
	Templates []InputTemplate
	// Columns are the fields named by model_to_evaluate, model_a or model_b
	// when those name a column of the file rather than a model.
	Columns []InputColumn
	// AllowUnused lists fields that need no template or column, besides
	// ImageColumn: those a server reads by itself, such as the "__judge"
	// field with which the in-memory api package forces a verdict.
	AllowUnused []string
	// MaxProblems is how many problems to describe; 0 means
	// DefaultMaxInputProblems. Problems past it are counted, not kept.
	MaxProblems int
	// MaxLineBytes is the longest line accepted; 0 means MaxLineBytes (64 MiB).
	MaxLineBytes int
}

// InputTemplate is a template of the job, with where it comes from (such as
// "judge.system_template") so that problems can say which one names a field.
type InputTemplate struct {
	Name string
	Text string
}

// InputColumn is a field of the input file named by a job parameter (such as
// "model_to_evaluate") as the column holding outputs to evaluate.
type InputColumn struct {
	Param string
	Name  string
}

// InputReport describes an input file checked by [CheckInput].
type InputReport struct {
	// File is the name problems are reported under.
	File string
	// Lines counts every line read, blank ones included.
	Lines int
	// Rows counts the lines that hold a JSON object.
	Rows int
	// BlankLines counts empty or whitespace-only lines (each is a problem).
	BlankLines int
	// Bytes is the size of the input.
	Bytes int64
	// Fields are the fields of the first row, in the order written.
	Fields []string
	// Line is the line Fields come from (the first line holding an object).
	Line int
}

// InputProblem is one thing wrong with an input file: where (file, line,
// field; a zero Line or empty Field means the problem is not tied to one) and
// what.
type InputProblem struct {
	File    string
	Line    int
	Field   string
	Message string
}

// String formats the problem as "file:line: field "name": message".
func (p InputProblem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, "field %q: ", p.Field)
	}
	b.WriteString(p.Message)
	return b.String()
}

// InputError is returned by [CheckInput] when an input file breaks a rule. It
// holds the first problems found (up to [InputCheckOptions.MaxProblems]) and
// the count of all of them. Match it with errors.As.
type InputError struct {
	File     string
	Problems []InputProblem
	// Total counts every problem found, including those not kept.
	Total int
}

// Error lists the problems, one per line after the first.
func (e *InputError) Error() string {
	if len(e.Problems) == 1 && e.Total <= 1 {
		return e.Problems[0].String()
	}
	var b strings.Builder
	noun := "problems"
	if e.Total == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "%s: %d %s", e.File, e.Total, noun)
	if e.Total > len(e.Problems) {
		fmt.Fprintf(&b, " (the first %d follow)", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// CheckInputFile checks the evaluation input file at path with [CheckInput],
// naming problems after path.
func CheckInputFile(ctx context.Context, path string, opts InputCheckOptions) (*InputReport, error) {
	f, err := os.Open(path) //nolint:gosec // the caller names the file to check; reading it is the point.
	if err != nil {
		return &InputReport{File: path}, fmt.Errorf("check input: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only file; a close error changes nothing.
	return CheckInput(ctx, f, path, opts)
}

// CheckInput checks an evaluation input file (JSONL) before it is uploaded or
// used by a job, in one streaming pass whose memory is bounded by the longest
// line, whatever the size of the input. name is the file name problems are
// reported under.
//
// Rules: the input is valid UTF-8 with no byte order mark; every line is one
// JSON object (not blank, not an array, string or other value, not truncated,
// not two values; the newline after the last line is optional); every row has
// the same fields as the first; a line is at most opts.MaxLineBytes long; the
// file has at least one row. Blank lines are refused because the service's
// own check reads every line as JSON. With
// templates or columns in opts, the usage rules of [InputCheckOptions] apply
// as well.
//
// When the input breaks any rule the error is an *[InputError] listing the
// problems, each with file, line and field. A failure to read, or ctx ending,
// is returned as such (wrapped). The report is never nil: it describes what
// was read, also when there is an error.
func CheckInput(ctx context.Context, r io.Reader, name string, opts InputCheckOptions) (*InputReport, error) {
	if name == "" {
		name = "input"
	}
	c := &inputChecker{
		name:        name,
		maxProblems: opts.MaxProblems,
		report:      InputReport{File: name},
	}
	if c.maxProblems <= 0 {
		c.maxProblems = DefaultMaxInputProblems
	}
	lr := newLineReader(r, opts.MaxLineBytes)
	for {
		if lr.line%64 == 0 {
			if err := ctx.Err(); err != nil {
				c.finishCounts(lr)
				return &c.report, fmt.Errorf("check %s: %w", name, err)
			}
		}
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooLong *lineTooLongError
			if errors.As(err, &tooLong) {
				c.add(lr.line, "", tooLong.Error()+", the most this check reads per line")
				continue
			}
			c.finishCounts(lr)
			return &c.report, fmt.Errorf("check %s: read line %d: %w", name, lr.line+1, err)
		}
		c.checkLine(lr.line, line)
	}
	c.finishCounts(lr)
	if c.report.Lines == 0 {
		c.add(0, "", "the file is empty: it needs one JSON object per line")
	}
	if c.fields != nil && (len(opts.Templates) > 0 || len(opts.Columns) > 0) {
		c.checkUsage(opts)
	}
	if c.total > 0 {
		return &c.report, &InputError{File: name, Problems: c.problems, Total: c.total}
	}
	return &c.report, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// inputChecker holds the state of one CheckInput pass.
type inputChecker struct {
	name        string
	maxProblems int
	problems    []InputProblem
	total       int
	report      InputReport

	fields []string       // the reference row's fields, in order
	index  map[string]int // field name → position in fields
	seen   []bool         // per field: present in the row being checked
}

func (c *inputChecker) add(line int, field, msg string) {
	c.total++
	if len(c.problems) < c.maxProblems {
		c.problems = append(c.problems, InputProblem{File: c.name, Line: line, Field: field, Message: msg})
	}
}

func (c *inputChecker) finishCounts(lr *lineReader) {
	c.report.Lines = lr.line
	c.report.Bytes = lr.off
}

func (c *inputChecker) checkLine(n int, line []byte) {
	if n == 1 && bytes.HasPrefix(line, utf8BOM) {
		c.add(n, "", "the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without one")
		line = line[len(utf8BOM):]
	}
	if skipWS(line, 0) == len(line) {
		c.report.BlankLines++
		c.add(n, "", "a blank line: every line must be one JSON object (the service rejects blank lines); remove it")
		return
	}
	if !utf8.Valid(line) {
		col, b := firstInvalidUTF8(line)
		c.add(n, "", fmt.Sprintf("not valid UTF-8: byte 0x%02x at column %d; save the file as UTF-8", b, col))
	}
	if !json.Valid(line) {
		c.add(n, "", describeInvalidJSON(line))
		return
	}
	if kind := jsonKind(line); kind != "a JSON object" {
		c.add(n, "", kind+", not an object: each line must be one JSON object")
		return
	}
	c.report.Rows++
	if c.fields == nil {
		c.setReference(n, line)
		return
	}
	clear(c.seen)
	walkObject(line, func(m jsonMember) bool {
		var (
			i  int
			ok bool
		)
		if m.escaped {
			i, ok = c.index[m.name()]
		} else {
			i, ok = c.index[string(m.key)] // no allocation: the compiler looks the bytes up directly
		}
		if !ok {
			c.add(n, m.name(), fmt.Sprintf("not in line %d; every row must have the same fields", c.report.Line))
			return true
		}
		c.seen[i] = true
		return true
	})
	for i, f := range c.fields {
		if !c.seen[i] {
			c.add(n, f, fmt.Sprintf("missing (line %d has it)", c.report.Line))
		}
	}
}

// setReference records the fields of the first row; later rows must have the
// same ones.
func (c *inputChecker) setReference(n int, line []byte) {
	fields := []string{}
	index := map[string]int{}
	walkObject(line, func(m jsonMember) bool {
		name := m.name()
		if _, dup := index[name]; !dup {
			index[name] = len(fields)
			fields = append(fields, name)
		}
		return true
	})
	if len(fields) == 0 {
		c.add(n, "", "an empty JSON object: a row needs at least one field")
		c.report.Rows--
		return
	}
	c.fields, c.index, c.seen = fields, index, make([]bool, len(fields))
	c.report.Fields = slices.Clone(fields)
	c.report.Line = n
}

// checkUsage applies the usage rules once the fields are known.
func (c *inputChecker) checkUsage(opts InputCheckOptions) {
	ref := c.report.Line
	used := map[string]bool{ImageColumn: true}
	for _, f := range opts.AllowUnused {
		used[f] = true
	}
	reported := map[string]bool{}
	for _, t := range opts.Templates {
		scan := scanTemplate(t.Text)
		for _, issue := range scan.Issues {
			c.total++
			if len(c.problems) < c.maxProblems {
				c.problems = append(c.problems, InputProblem{Message: templateName(t) + ": " + issue})
			}
		}
		for _, r := range scan.Refs {
			used[r.Field] = true
			if _, ok := c.index[r.Field]; ok || reported[r.Field] {
				continue
			}
			reported[r.Field] = true
			c.add(ref, r.Field, fmt.Sprintf("used by %s in %s, but line %d has no such field (it has %s)",
				shorten(r.Text, 60), templateName(t), ref, quoteList(c.fields)))
		}
	}
	for _, col := range opts.Columns {
		if col.Name == "" {
			continue
		}
		used[col.Name] = true
		if _, ok := c.index[col.Name]; ok || reported[col.Name] {
			continue
		}
		reported[col.Name] = true
		param := col.Param
		if param == "" {
			param = "a model column"
		}
		c.add(ref, col.Name, fmt.Sprintf("named by %s, but line %d has no such field (it has %s)", param, ref, quoteList(c.fields)))
	}
	for _, f := range c.fields {
		if !used[f] {
			c.add(ref, f, fmt.Sprintf("not used by any template or model column; the service fails the job with "+
				"%q: use it as {{%s}} in a template, name it as the model column, or remove it", "Unsupported dataset column(s)", f))
		}
	}
}

func templateName(t InputTemplate) string {
	if t.Name == "" {
		return "a template"
	}
	return t.Name
}

// firstInvalidUTF8 returns the column (1-based byte position) and value of
// the first byte of b that is not part of valid UTF-8.
func firstInvalidUTF8(b []byte) (int, byte) {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i + 1, b[i]
		}
		i += size
	}
	return 0, 0
}

// shorten cuts s to at most n runes, marking the cut with "...".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "..."
}

// quoteList formats field names as "a", "b", "c", eliding past ten.
func quoteList(names []string) string {
	const most = 10
	var b strings.Builder
	for i, n := range names {
		if i == most {
			fmt.Fprintf(&b, ", ... (%d more)", len(names)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}
