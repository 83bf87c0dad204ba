package wrappers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// checkProblems runs CheckInput on content and returns the problems as strings,
// failing the test on any error that is not an *InputError.
func checkProblems(t *testing.T, content string, opts InputCheckOptions) ([]string, *InputReport) {
	t.Helper()
	report, err := CheckInput(context.Background(), strings.NewReader(content), "data.jsonl", opts)
	if report == nil {
		t.Fatal("CheckInput returned a nil report")
	}
	if err == nil {
		return nil, report
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("CheckInput error %v (%T) is not an *InputError", err, err)
	}
	out := make([]string, len(ie.Problems))
	for i, p := range ie.Problems {
		out[i] = p.String()
	}
	if ie.Total < len(ie.Problems) {
		t.Errorf("InputError.Total = %d, less than the %d problems kept", ie.Total, len(ie.Problems))
	}
	return out, report
}

func TestCheckInputStructure(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{
			name:    "valid rows",
			content: `{"prompt": "a", "response": "b"}` + "\n" + `{"response": "d", "prompt": "c"}` + "\n",
		},
		{
			name:    "no final newline and CRLF endings",
			content: "{\"prompt\": \"a\"}\r\n {\"prompt\": \"b\"} \r\n{\"prompt\": \"c\"}",
		},
		{
			name:    "blank lines",
			content: "{\"prompt\": \"a\"}\r\n\r\n   \n{\"prompt\": \"b\"}\n",
			want: []string{
				`data.jsonl:2: a blank line: every line must be one JSON object (the service rejects blank lines); remove it`,
				`data.jsonl:3: a blank line: every line must be one JSON object (the service rejects blank lines); remove it`,
			},
		},
		{
			name:    "invalid UTF-8",
			content: `{"prompt": "a"}` + "\n" + "{\"prompt\": \"caf\xe9\"}\n",
			want:    []string{`data.jsonl:2: not valid UTF-8: byte 0xe9 at column 16; save the file as UTF-8`},
		},
		{
			name:    "byte order mark",
			content: "\uFEFF{\"prompt\": \"a\"}\n",
			want:    []string{`data.jsonl:1: the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without one`},
		},
		{
			name:    "array",
			content: `{"prompt": "a"}` + "\n" + `[{"prompt": "b"}]` + "\n",
			want:    []string{`data.jsonl:2: a JSON array, not an object: each line must be one JSON object`},
		},
		{
			name:    "string",
			content: `"prompt"` + "\n",
			want:    []string{`data.jsonl:1: a JSON string, not an object: each line must be one JSON object`},
		},
		{
			name:    "number, boolean and null",
			content: "1.5\ntrue\nnull\n",
			want: []string{
				`data.jsonl:1: a JSON number, not an object: each line must be one JSON object`,
				`data.jsonl:2: a JSON boolean, not an object: each line must be one JSON object`,
				`data.jsonl:3: JSON null, not an object: each line must be one JSON object`,
			},
		},
		{
			name:    "truncated object",
			content: `{"prompt": "a"}` + "\n" + `{"prompt": "b` + "\n",
			want:    []string{`data.jsonl:2: truncated JSON: the line ends before a JSON object is closed`},
		},
		{
			name:    "object split over two lines",
			content: "{\"prompt\":\n\"a\"}\n",
			want: []string{
				`data.jsonl:1: truncated JSON: the line ends before a JSON object is closed`,
				`data.jsonl:2: invalid JSON at column 4: expected the end of the line, found "}"`,
			},
		},
		{
			name:    "two objects on one line",
			content: `{"prompt": "a"} {"prompt": "b"}` + "\n",
			want:    []string{`data.jsonl:1: more than one JSON value on the line (another value starts at column 17); put each row on a line of its own`},
		},
		{
			name:    "trailing comma",
			content: `{"prompt": "a",}` + "\n",
			want:    []string{`data.jsonl:1: invalid JSON at column 16: expected a field name in double quotes (a comma before "}" is not allowed), found "}"`},
		},
		{
			name:    "not JSON at all",
			content: "prompt,response\n",
			want:    []string{`data.jsonl:1: invalid JSON at column 1: expected "{" (each line is one JSON object), found "p"`},
		},
		{
			name:    "missing field",
			content: `{"prompt": "a", "answer": "b"}` + "\n" + `{"prompt": "c", "answer": "d"}` + "\n" + `{"prompt": "e"}` + "\n",
			want:    []string{`data.jsonl:3: field "answer": missing (line 1 has it)`},
		},
		{
			name:    "extra field",
			content: `{"prompt": "a"}` + "\n" + `{"prompt": "c", "notes": "x"}` + "\n",
			want:    []string{`data.jsonl:2: field "notes": not in line 1; every row must have the same fields`},
		},
		{
			name:    "renamed field",
			content: `{"prompt": "a", "response": "b"}` + "\n" + `{"prompt": "c", "Response": "d"}` + "\n",
			want: []string{
				`data.jsonl:2: field "Response": not in line 1; every row must have the same fields`,
				`data.jsonl:2: field "response": missing (line 1 has it)`,
			},
		},
		{
			name:    "escaped key equals plain key",
			content: `{"ab": 1}` + "\n" + `{"a\u0062": 2}` + "\n",
		},
		{
			name:    "duplicate key counts once",
			content: `{"a": 1, "b": 2}` + "\n" + `{"a": 1, "a": 3, "b": 2}` + "\n",
		},
		{
			name:    "reference row is the first object",
			content: `["x"]` + "\n" + `{"prompt": "a"}` + "\n" + `{"question": "b"}` + "\n",
			want: []string{
				`data.jsonl:1: a JSON array, not an object: each line must be one JSON object`,
				`data.jsonl:3: field "question": not in line 2; every row must have the same fields`,
				`data.jsonl:3: field "prompt": missing (line 2 has it)`,
			},
		},
		{
			name:    "empty object",
			content: "{}\n",
			want:    []string{`data.jsonl:1: an empty JSON object: a row needs at least one field`},
		},
		{
			name:    "empty file",
			content: "",
			want:    []string{`data.jsonl: the file is empty: it needs one JSON object per line`},
		},
		{
			name:    "blank lines only",
			content: "\n\t\n",
			want: []string{
				`data.jsonl:1: a blank line: every line must be one JSON object (the service rejects blank lines); remove it`,
				`data.jsonl:2: a blank line: every line must be one JSON object (the service rejects blank lines); remove it`,
			},
		},
		{
			name:    "nested values do not count as fields",
			content: `{"prompt": {"text": "a", "x": [1, {"y": "}"}]}, "r": "b"}` + "\n" + `{"prompt": {}, "r": "\"}"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := checkProblems(t, tt.content, InputCheckOptions{})
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCheckInputReport(t *testing.T) {
	content := "{\"prompt\": \"a\", \"response\": \"b\"}\n\n{\"prompt\": \"c\", \"response\": \"d\"}\n"
	got, report := checkProblems(t, content, InputCheckOptions{})
	if len(got) != 1 {
		t.Fatalf("problems %q, want the blank line only", got)
	}
	want := InputReport{File: "data.jsonl", Lines: 3, Rows: 2, BlankLines: 1, Bytes: int64(len(content)), Fields: []string{"prompt", "response"}, Line: 1}
	if report.File != want.File || report.Lines != want.Lines || report.Rows != want.Rows ||
		report.BlankLines != want.BlankLines || report.Bytes != want.Bytes || report.Line != want.Line ||
		!slices.Equal(report.Fields, want.Fields) {
		t.Errorf("report %+v, want %+v", *report, want)
	}
}

func TestCheckInputLongLines(t *testing.T) {
	// Lines far past bufio.Scanner's 64 KiB default are checked like any other.
	big := strings.Repeat("x", 3<<20)
	content := fmt.Sprintf("{\"prompt\": %q}\n{\"prompt\": %q}\n{\"prompt\": %q, \"extra\": 1}\n", big, "short", big)
	got, report := checkProblems(t, content, InputCheckOptions{})
	want := []string{`data.jsonl:3: field "extra": not in line 1; every row must have the same fields`}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if report.Rows != 3 || report.Bytes != int64(len(content)) {
		t.Errorf("report rows %d bytes %d, want 3 and %d", report.Rows, report.Bytes, len(content))
	}
}

func TestCheckInputLineTooLong(t *testing.T) {
	long := fmt.Sprintf("{\"prompt\": %q}", strings.Repeat("y", 2000))
	content := "{\"prompt\": \"a\"}\n" + long + "\n{\"prompt\": \"b\", \"x\": 1}\n" + long
	got, report := checkProblems(t, content, InputCheckOptions{MaxLineBytes: 1000})
	want := []string{
		`data.jsonl:2: line longer than 1000 B, the most this check reads per line`,
		`data.jsonl:3: field "x": not in line 1; every row must have the same fields`,
		`data.jsonl:4: line longer than 1000 B, the most this check reads per line`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	if report.Lines != 4 || report.Bytes != int64(len(content)) {
		t.Errorf("report lines %d bytes %d, want 4 and %d", report.Lines, report.Bytes, len(content))
	}
}

func TestCheckInputProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\"a\": 1}\n")
	for range 30 {
		b.WriteString("[1]\n")
	}
	_, err := CheckInput(context.Background(), strings.NewReader(b.String()), "data.jsonl", InputCheckOptions{})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v, want *InputError", err)
	}
	if len(ie.Problems) != DefaultMaxInputProblems || ie.Total != 30 {
		t.Errorf("kept %d problems of %d, want %d of 30", len(ie.Problems), ie.Total, DefaultMaxInputProblems)
	}
	lines := strings.Split(err.Error(), "\n")
	if lines[0] != "data.jsonl: 30 problems (the first 20 follow)" || len(lines) != 21 {
		t.Errorf("error starts %q and has %d lines, want the count line and 20 problems", lines[0], len(lines))
	}
	if lines[1] != "  data.jsonl:2: a JSON array, not an object: each line must be one JSON object" {
		t.Errorf("first problem line %q", lines[1])
	}

	_, err = CheckInput(context.Background(), strings.NewReader(b.String()), "data.jsonl", InputCheckOptions{MaxProblems: 3})
	if !errors.As(err, &ie) || len(ie.Problems) != 3 || ie.Total != 30 {
		t.Errorf("with MaxProblems 3: %v", err)
	}
}

func TestCheckInputReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("{\"a\": 1}\n"), iotest.ErrReader(boom))
	_, err := CheckInput(context.Background(), r, "data.jsonl", InputCheckOptions{})
	var ie *InputError
	if !errors.Is(err, boom) || errors.As(err, &ie) {
		t.Fatalf("error %v, want the read error, not an *InputError", err)
	}
	if want := "check data.jsonl: read line 2: disk on fire"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestCheckInputContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := CheckInput(ctx, strings.NewReader("{\"a\": 1}\n"), "data.jsonl", InputCheckOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}

	// Cancelled mid-way through an endless input: the check stops.
	ctx, cancel = context.WithCancel(context.Background())
	r := &cancelAfter{r: endless("{\"a\": 1}\n"), n: 3, cancel: cancel}
	_, err = CheckInput(ctx, r, "data.jsonl", InputCheckOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// endless repeats line forever.
type endlessReader struct{ line string }

func endless(line string) io.Reader { return &endlessReader{line: line} }

func (e *endlessReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.line)
	}
	return n, nil
}

// cancelAfter calls cancel once n reads have been made.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	c.n--
	if c.n == 0 {
		c.cancel()
	}
	return c.r.Read(p)
}

func TestCheckInputFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.jsonl")
	if err := os.WriteFile(path, []byte("{\"a\": 1}\n{\"b\": 2}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := CheckInputFile(context.Background(), path, InputCheckOptions{})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v, want *InputError", err)
	}
	want := path + `:2: field "b": not in line 1; every row must have the same fields`
	if ie.Problems[0].String() != want {
		t.Errorf("first problem %q, want %q", ie.Problems[0], want)
	}
	if ie.Problems[0].File != path || ie.Problems[0].Line != 2 || ie.Problems[0].Field != "b" {
		t.Errorf("problem fields %+v", ie.Problems[0])
	}

	_, err = CheckInputFile(context.Background(), filepath.Join(dir, "nope.jsonl"), InputCheckOptions{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want os.ErrNotExist", err)
	}
}

func TestCheckInputUsage(t *testing.T) {
	judge := func(text string) InputTemplate {
		return InputTemplate{Name: "parameters.judge.system_template", Text: text}
	}
	column := func(param, name string) InputColumn { return InputColumn{Param: param, Name: name} }
	tests := []struct {
		name    string
		content string
		opts    InputCheckOptions
		want    []string
	}{
		{
			name:    "every field used",
			content: `{"prompt": "a", "response": "b"}` + "\n",
			opts: InputCheckOptions{
				Templates: []InputTemplate{judge("Judge: {{prompt}}")},
				Columns:   []InputColumn{column("parameters.model_to_evaluate", "response")},
			},
		},
		{
			name:    "unused field",
			content: `{"prompt": "a", "response": "b", "id": 7}` + "\n" + `{"prompt": "c", "response": "d", "id": 8}` + "\n",
			opts: InputCheckOptions{
				Templates: []InputTemplate{judge("Judge: {{prompt}}")},
				Columns:   []InputColumn{column("parameters.model_to_evaluate", "response")},
			},
			want: []string{`data.jsonl:1: field "id": not used by any template or model column; the service fails the job with "Unsupported dataset column(s)": use it as {{id}} in a template, name it as the model column, or remove it`},
		},
		{
			name:    "placeholder without field",
			content: `{"prompt": "a", "response": "b"}` + "\n",
			opts: InputCheckOptions{
				Templates: []InputTemplate{judge("Q: {{prompt}} A: {{response}} Ref: {{ reference }}")},
			},
			want: []string{`data.jsonl:1: field "reference": used by {{ reference }} in parameters.judge.system_template, but line 1 has no such field (it has "prompt", "response")`},
		},
		{
			name:    "column without field",
			content: `{"prompt": "a", "response_a": "b", "response_b": "c"}` + "\n",
			opts: InputCheckOptions{
				Templates: []InputTemplate{judge("{{prompt}}")},
				Columns:   []InputColumn{column("parameters.model_a", "response_a"), column("parameters.model_b", "responseB")},
			},
			want: []string{
				`data.jsonl:1: field "responseB": named by parameters.model_b, but line 1 has no such field (it has "prompt", "response_a", "response_b")`,
				`data.jsonl:1: field "response_b": not used by any template or model column; the service fails the job with "Unsupported dataset column(s)": use it as {{response_b}} in a template, name it as the model column, or remove it`,
			},
		},
		{
			name:    "image column needs no placeholder",
			content: `{"prompt": "a", "image_data_urls": ["data:image/png;base64,AAAA"]}` + "\n",
			opts:    InputCheckOptions{Templates: []InputTemplate{judge("Describe: {{prompt}}")}},
		},
		{
			name:    "allowed unused field",
			content: `{"prompt": "a", "__judge": "good"}` + "\n",
			opts:    InputCheckOptions{Templates: []InputTemplate{judge("{{prompt}}")}, AllowUnused: []string{"__judge"}},
		},
		{
			name:    "nested placeholder uses the top field",
			content: `{"info": {"q": "a", "ctx": "b"}, "response": "c"}` + "\n",
			opts: InputCheckOptions{
				Templates: []InputTemplate{judge(`Q: {{info.q}} C: {{ info["ctx"] }}`)},
				Columns:   []InputColumn{column("parameters.model_to_evaluate", "response")},
			},
		},
		{
			name:    "filters, whitespace control and several templates",
			content: `{"prompt": "a", "style": "b", "lang": "c"}` + "\n",
			opts: InputCheckOptions{Templates: []InputTemplate{
				judge("{{- prompt | upper -}}"),
				{Name: "parameters.model_to_evaluate.input_template", Text: `{{ style | default("plain") }} {{ lang|lower }}`},
			}},
		},
		{
			name:    "loop variables are not fields",
			content: `{"messages": [{"role": "user", "content": "hi"}], "response": "b"}` + "\n",
			opts: InputCheckOptions{
				Templates: []InputTemplate{judge("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{{ response }}")},
			},
		},
		{
			name:    "unclosed placeholder",
			content: `{"prompt": "a"}` + "\n",
			opts:    InputCheckOptions{Templates: []InputTemplate{judge("Q: {{prompt}} then {{ prompt")}},
			want:    []string{`parameters.judge.system_template: "{{" at byte 19 is never closed with "}}"`},
		},
		{
			name:    "missing field is reported once across templates",
			content: `{"prompt": "a"}` + "\n",
			opts: InputCheckOptions{Templates: []InputTemplate{
				judge("{{prompt}} {{answer}}"),
				{Name: "parameters.model_a.input_template", Text: "{{answer}}"},
			}},
			want: []string{`data.jsonl:1: field "answer": used by {{answer}} in parameters.judge.system_template, but line 1 has no such field (it has "prompt")`},
		},
		{
			name:    "usage rules are not applied to a file with no rows",
			content: "[1]\n",
			opts:    InputCheckOptions{Templates: []InputTemplate{judge("{{prompt}}")}},
			want:    []string{`data.jsonl:1: a JSON array, not an object: each line must be one JSON object`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := checkProblems(t, tt.content, tt.opts)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestInputProblemString(t *testing.T) {
	tests := []struct {
		p    InputProblem
		want string
	}{
		{InputProblem{File: "d.jsonl", Line: 3, Field: "x", Message: "missing"}, `d.jsonl:3: field "x": missing`},
		{InputProblem{File: "d.jsonl", Message: "empty"}, `d.jsonl: empty`},
		{InputProblem{Line: 2, Message: "bad"}, `line 2: bad`},
		{InputProblem{Message: "t: unclosed"}, `t: unclosed`},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.p, got, tt.want)
		}
	}
	one := &InputError{File: "d.jsonl", Total: 1, Problems: []InputProblem{{File: "d.jsonl", Line: 1, Message: "bad"}}}
	if got := one.Error(); got != "d.jsonl:1: bad" {
		t.Errorf("one problem: %q", got)
	}
}
