package wrappers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// noLenReader hides a reader's Len method, as a network body or a file does: newLineReader then
// uses its full lineReaderSize buffer, and longer lines overflow it.
type noLenReader struct{ r io.Reader }

func (n noLenReader) Read(p []byte) (int, error) { return n.r.Read(p) }

// TestLineNumbersAfterLongLines: a line that overflows the line reader's buffer (at, just under and
// just over its size, and several times it) counts as one line, and so does every line after it:
// the rows, a bad row's error and the pre-flight check's problems name the line as an editor
// numbers it, whatever the reader and the line endings.
func TestLineNumbersAfterLongLines(t *testing.T) {
	readers := map[string]func(io.Reader) io.Reader{
		"no Len":   func(r io.Reader) io.Reader { return noLenReader{r} },
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
		"with Len": func(r io.Reader) io.Reader { return r },
	}
	for _, n := range []int{lineReaderSize - 12, lineReaderSize - 11, lineReaderSize - 10, lineReaderSize, 300 << 10, 2*lineReaderSize - 10, 3 * lineReaderSize} {
		for _, nl := range []string{"\n", "\r\n"} {
			long := `{"x": "` + strings.Repeat("x", n-10) + `"}` // n bytes
			lines := []string{`{"x": "a"}`, long, `{"x": "b"}`, "", long, `{"x": "c"}`, `{"x": 1} oops`, `{"x": "d"}`}
			in := strings.Join(lines, nl)
			for name, wrap := range readers {
				t.Run(fmt.Sprintf("%d bytes/%q/%s", len(long), nl, name), func(t *testing.T) {
					var got []int
					var rowErr *RowError
					for row, err := range ReadResultRows(wrap(strings.NewReader(in))) {
						if err != nil {
							if !errors.As(err, &rowErr) {
								t.Fatalf("error %v, want a *RowError", err)
							}
							break
						}
						got = append(got, row.Line())
					}
					if want := []int{1, 2, 3, 5, 6}; !slices.Equal(got, want) {
						t.Errorf("rows at lines %v, want %v", got, want)
					}
					if rowErr == nil || rowErr.Line != 7 {
						t.Errorf("error %v, want one at line 7", rowErr)
					}

					report, err := CheckInput(context.Background(), wrap(strings.NewReader(in)), "in.jsonl", InputCheckOptions{})
					var inErr *InputError
					if !errors.As(err, &inErr) {
						t.Fatalf("CheckInput error %v, want an *InputError", err)
					}
					var problemLines []int
					for _, p := range inErr.Problems {
						problemLines = append(problemLines, p.Line)
					}
					if !slices.Contains(problemLines, 7) || slices.ContainsFunc(problemLines, func(l int) bool { return l != 4 && l != 7 }) {
						t.Errorf("problems at lines %v, want line 7 (and the blank line 4): %v", problemLines, err)
					}
					if report.Lines != len(lines) || report.Bytes != int64(len(in)) {
						t.Errorf("report: %d lines, %d bytes; want %d and %d", report.Lines, report.Bytes, len(lines), len(in))
					}
				})
			}
		}
	}
}

// TestLineReaderSkipsTooLongLines: a line past the maximum that also overflows the buffer is
// skipped whole and reported at its own line; the lines after it keep their numbers.
func TestLineReaderSkipsTooLongLines(t *testing.T) {
	in := "a\n" + strings.Repeat("y", 3*lineReaderSize) + "\nb\r\n" + strings.Repeat("z", lineReaderSize+1) + "\nc"
	lr := newLineReader(noLenReader{strings.NewReader(in)}, lineReaderSize)
	type step struct {
		line    int
		text    string
		tooLong bool
	}
	var got []step
	for {
		b, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var tl *lineTooLongError
		if err != nil && !errors.As(err, &tl) {
			t.Fatal(err)
		}
		got = append(got, step{lr.line, string(b), err != nil})
	}
	want := []step{{1, "a", false}, {2, "", true}, {3, "b", false}, {4, "", true}, {5, "c", false}}
	if !slices.Equal(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	if lr.off != int64(len(in)) {
		t.Errorf("%d bytes read, want %d", lr.off, len(in))
	}
}
