package wrappers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// MaxLineBytes is the default longest line, in bytes, that [CheckInput] and
// [ReadResultRows] accept. A line is held in memory whole while it is checked
// or decoded, so this bounds the memory either needs; files are read in one
// streaming pass whatever their size.
const MaxLineBytes = 64 << 20

// lineReaderSize is the size of the buffered reader under a lineReader. A
// line that fits in it is returned without being copied.
const lineReaderSize = 256 << 10

// errLineTooLong is wrapped by the error lineReader.next returns for a line
// longer than its maximum.
var errLineTooLong = errors.New("line too long")

// lineTooLongError reports a line longer than the reader's maximum; the rest
// of that line has been skipped, so reading can go on with the next line.
type lineTooLongError struct {
	Max int
}

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("line longer than %s", formatBytes(int64(e.Max)))
}

func (e *lineTooLongError) Unwrap() error { return errLineTooLong }

// lineReader reads lines of any length up to a maximum, one at a time, reusing
// one buffer: its memory is bounded by the longest line it returns, not by the
// size of the input.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	max  int
	line int   // number of the line last returned, from 1
	off  int64 // bytes consumed so far
}

func newLineReader(r io.Reader, maxLine int) *lineReader {
	if maxLine <= 0 {
		maxLine = MaxLineBytes
	}
	size := lineReaderSize
	if l, ok := r.(interface{ Len() int }); ok {
		// An in-memory reader (strings.Reader, bytes.Reader, bytes.Buffer)
		// needs no buffer larger than what it holds.
		size = min(max(l.Len()+1, 4096), lineReaderSize)
	}
	return &lineReader{r: bufio.NewReaderSize(r, size), max: maxLine}
}

// next returns the next line without its line ending ("\n" or "\r\n"). The
// slice is only valid until the next call. At the end of the input it returns
// io.EOF; a final line without a newline is still returned. A line longer than
// the maximum is skipped and reported as a *lineTooLongError (the line number
// still advances). Any other error comes from the underlying reader.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	tooLong := false
	started := false
	for {
		frag, err := lr.r.ReadSlice('\n')
		lr.off += int64(len(frag))
		if len(frag) > 0 {
			started = true
		}
		switch {
		case err == nil || errors.Is(err, io.EOF):
			if err != nil && !started {
				return nil, io.EOF
			}
			lr.line++
			if tooLong {
				return nil, &lineTooLongError{Max: lr.max}
			}
			line := frag
			if len(lr.buf) > 0 {
				lr.buf = append(lr.buf, frag...)
				line = lr.buf
			}
			if err == nil {
				line = line[:len(line)-1] // the '\n'
			}
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			if len(line) > lr.max {
				return nil, &lineTooLongError{Max: lr.max}
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if tooLong {
				continue
			}
			if len(lr.buf)+len(frag) > lr.max+2 { // room for "\r\n"
				tooLong = true
				lr.buf = lr.buf[:0]
				continue
			}
			lr.buf = append(lr.buf, frag...)
		default:
			return nil, err
		}
	}
}

// formatBytes writes a size in bytes the way people read it: 512 B, 64 KiB,
// 1.5 MiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	suffix := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[exp]
	if n%div == 0 {
		return fmt.Sprintf("%d %s", n/div, suffix)
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
