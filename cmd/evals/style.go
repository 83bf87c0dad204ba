package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/evalkit/together-evals/wrappers"
)

// Terminal style and number formats: colour, cleaning text from the service, cutting and padding,
// times, durations, sizes, numbers and percentages, aligned key-value lines and bar charts.

// barWidth is the width, in cells, of the longest bar of a chart.
const barWidth = 30

// maxValueRunes is where long strings (templates, messages) are cut in tables.
const maxValueRunes = 72

// style colours text when colour is on.
type style struct{ color bool }

func (s style) wrap(code, text string) string {
	if !s.color || text == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s style) bold(t string) string   { return s.wrap("1", t) }
func (s style) dim(t string) string    { return s.wrap("2", t) }
func (s style) red(t string) string    { return s.wrap("31", t) }
func (s style) green(t string) string  { return s.wrap("32", t) }
func (s style) yellow(t string) string { return s.wrap("33", t) }

// status colours a status: green when completed, red when failed, yellow while it runs.
func (s style) status(st wrappers.Status) string {
	text := clean(string(st))
	switch {
	case st.Succeeded():
		return s.green(text)
	case st.Failed():
		return s.red(text)
	case st.Known():
		return s.yellow(text)
	}
	return text
}

// clean makes a string from the service safe to print on a terminal: control characters (escape
// sequences included) and invalid UTF-8 are shown escaped instead of being sent as they are.
func clean(s string) string {
	safe := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// short cleans s and cuts it to maxValueRunes runes.
func short(s string) string {
	s = clean(s)
	if utf8.RuneCountInString(s) <= maxValueRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxValueRunes-1]) + "…"
}

// pad right-pads s (already cleaned, without colour) to width runes.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// formatTime prints a time in UTC to the second, or "-" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// formatDuration prints a duration rounded for people: 850ms, 12s, 3m05s, 1h02m.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + formatDuration(-d)
	case d == 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10) + "s"
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}

// formatBytes prints a size in bytes, KiB, MiB or GiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 2; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(math.Round(float64(n)/float64(div)*10)/10, 'f', -1, 64) + " " + []string{"KiB", "MiB", "GiB"}[exp]
}

// formatNumber prints a number with at most two decimals and no trailing zeros.
func formatNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(roundTo(f, 100), 'f', -1, 64)
}

// roundTo rounds f to 1/scale; a number too large for that (scaling would overflow) is already
// whole and is returned as it is.
func roundTo(f, scale float64) float64 {
	if math.Abs(f) > 1e15 {
		return f
	}
	return math.Round(f*scale) / scale
}

// formatPercent prints a percentage with at most one decimal.
func formatPercent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(roundTo(f, 10), 'f', -1, 64) + "%"
}

func formatOptPercent(f *float64) string {
	if f == nil {
		return "-"
	}
	return formatPercent(*f)
}

func formatOptNumber(f *float64) string {
	if f == nil {
		return "-"
	}
	return formatNumber(*f)
}

// kv writes aligned "Key:  value" lines. Values may carry colour: only keys are padded.
type kv struct {
	w      io.Writer
	indent string
	width  int
	err    error
}

func newKV(w io.Writer, indent string, keys ...string) *kv {
	width := 0
	for _, k := range keys {
		width = max(width, utf8.RuneCountInString(k)+1)
	}
	return &kv{w: w, indent: indent, width: width}
}

func (k *kv) line(key, value string) {
	if k.err != nil {
		return
	}
	_, k.err = fmt.Fprintf(k.w, "%s%s  %s\n", k.indent, pad(key+":", k.width), value)
}

// bar is one row of a bar chart.
type bar struct {
	label string
	count int
	mark  string // shown after the count, such as "pass"
	good  bool   // coloured green
}

// writeBars draws a horizontal bar chart: label, bar, count and mark, the longest bar barWidth
// cells wide. A non-zero count always gets at least one cell.
func writeBars(w io.Writer, indent string, bars []bar, st style) error {
	most, labelW, countW := 0, 0, 1
	for _, b := range bars {
		most = max(most, b.count)
		labelW = max(labelW, utf8.RuneCountInString(clean(b.label)))
		countW = max(countW, len(strconv.Itoa(b.count)))
	}
	for _, b := range bars {
		cells := 0
		if most > 0 && b.count > 0 {
			cells = max(1, int(math.Round(float64(b.count)*barWidth/float64(most))))
		}
		drawn := strings.Repeat("█", cells)
		if b.good {
			drawn = st.green(drawn)
		}
		line := fmt.Sprintf("%s%s  %s%s  %*d", indent, pad(clean(b.label), labelW), drawn,
			strings.Repeat(" ", barWidth-cells), countW, b.count)
		if b.mark != "" {
			m := b.mark
			if b.good {
				m = st.green(m)
			}
			line += "  " + m
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
