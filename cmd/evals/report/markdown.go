package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MarkdownBudget is the most bytes the Markdown report takes, whatever the job's size.
const MarkdownBudget = 60_000

// markdownValueRunes cuts each value in the Markdown tables.
const markdownValueRunes = 160

// EscapeMarkdown makes untrusted text safe in a GitHub-flavoured Markdown table cell or inline in
// a paragraph, escaping only what could act there, so that ids, dates and sentences stay
// readable in the raw Markdown:
//   - no HTML passes through: < and > are written as entities, and & where it could start one;
//   - nothing formats, links or ends the cell: | \ ` * [ ] ~ and $ (GitHub's math) are
//     backslash-escaped, and _ too unless it sits inside a word (snake_case is left alone);
//   - no autolink forms: the : of "://" and the . of "www." are backslash-escaped;
//   - no one is notified and nothing is cross-referenced in a pull-request comment: a zero-width
//     joiner (U+200D) follows @ and # where a name or a number comes next, and the hyphen of
//     GH-123 (GitHub's other form of an issue reference);
//   - line breaks and tabs become spaces; control characters and invalid UTF-8 become U+FFFD.
//
// The text must not start a line (where #, - or 1. would act): the report writes values after
// words or cell borders only.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	prev := ' '
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		next, _ := utf8.DecodeRuneInString(s[i+n:])
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&' && (isWord(next) || next == '#'):
			b.WriteString("&amp;")
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError || unicode.IsControl(r):
			b.WriteRune('\uFFFD')
		case strings.ContainsRune("\\`*|[]~$", r),
			r == '_' && (!isWord(prev) || !isWord(next)),
			r == ':' && strings.HasPrefix(s[i+1:], "//"),
			r == '.' && hasWWW(s[:i]):
			b.WriteByte('\\')
			b.WriteRune(r)
		case (r == '@' && isWord(next)) || (r == '#' && unicode.IsDigit(next)),
			r == '-' && unicode.IsDigit(next) && hasWord(s[:i], "gh"):
			b.WriteRune(r)
			b.WriteRune(zeroWidthJoiner)
		default:
			b.WriteRune(r)
		}
		prev = r
		i += n
	}
	return b.String()
}

// zeroWidthJoiner breaks a GitHub @mention or #reference without showing.
const zeroWidthJoiner = '\u200D'

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// hasWWW reports whether s ends with a word "www" (any case), as GitHub's www. autolinks start.
func hasWWW(s string) bool { return hasWord(s, "www") }

// hasWord reports whether s ends with the word w (any case, ASCII): w not preceded by a letter
// or a digit.
func hasWord(s, w string) bool {
	if len(s) < len(w) || !strings.EqualFold(s[len(s)-len(w):], w) {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:len(s)-len(w)])
	return len(s) == len(w) || !isWord(r)
}

// md escapes a value for a cell after cutting it short.
func md(s string) string {
	return EscapeMarkdown(strings.Join(strings.Fields(Cut(s, markdownValueRunes)), " "))
}

// inputsText is a row's input fields, then its outputs, on one line: name: value; name: value.
func inputsText(r Row) string {
	parts := make([]string, 0, len(r.Inputs)+len(r.Outputs))
	for _, f := range append(r.Inputs[:len(r.Inputs):len(r.Inputs)], r.Outputs...) {
		parts = append(parts, f.Name+": "+f.Value)
	}
	return strings.Join(parts, "; ")
}

// feedbackText is both runs' feedback (or error) of a compared row, each cut short.
func feedbackText(r Row) string {
	var parts []string
	if r.BaseVerdict != "" && r.BaseFeedback != "" {
		parts = append(parts, md("baseline: "+r.BaseFeedback))
	}
	if s := strings.TrimSpace(r.Feedback + " " + r.Error); s != "" {
		parts = append(parts, md("this run: "+s))
	}
	return strings.Join(parts, " / ")
}

// markdownChartRoom is the most bytes a chart's line takes: a classify job may have thousands of
// labels.
const markdownChartRoom = MarkdownBudget / 4

// chartLine is a chart as one line, "**Title**: label 3, label 0, ...": its bars while they fit in
// markdownChartRoom, then how many more there are and the rows they count.
func chartLine(c Chart) string {
	line := fmt.Sprintf("\n**%s**: ", md(c.Title))
	for i, bar := range c.Bars {
		part := fmt.Sprintf("%s %d", md(bar.Label), bar.Count)
		if i > 0 {
			part = ", " + part
		}
		room := markdownChartRoom
		if i < len(c.Bars)-1 {
			room -= 100 // for the note of what is left out
		}
		if len(line)+len(part) > room {
			rows := 0
			for _, rest := range c.Bars[i:] {
				rows += rest.Count
			}
			return line + fmt.Sprintf(", and %d more (%d rows)\n", len(c.Bars)-i, rows)
		}
		line += part
	}
	return line + "\n"
}

// WriteMarkdown writes the report as GitHub-flavoured Markdown under [MarkdownBudget] bytes: the
// summary, then the regressed rows and the failed and invalid rows while they fit.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Evaluation %s\n\n", md(r.JobID))
	fmt.Fprintf(&b, "A %s job, %s. Report made %s by evals.\n\n", md(r.Type), md(r.Status), md(r.Generated))
	if r.Failure != "" {
		fmt.Fprintf(&b, "**The job failed:** %s\n\n", md(r.Failure))
	}
	b.WriteString("| Parameter | Value |\n| --- | --- |\n")
	for _, p := range r.Parameters {
		fmt.Fprintf(&b, "| %s | %s |\n", md(p.Name), md(p.Value))
	}
	b.WriteString("\n| Figure | Value |\n| --- | --- |\n")
	for _, f := range r.Figures {
		fmt.Fprintf(&b, "| %s | %s |\n", md(f.Name), md(f.Value))
	}
	for _, c := range r.Charts {
		b.WriteString(chartLine(c))
	}
	if c := r.Comparison; c != nil {
		s := &c.Summary
		fmt.Fprintf(&b, "\n### Compared with baseline %s\n\n", md(c.BaseID))
		fmt.Fprintf(&b, "Rows paired by %s: %d paired, %d only in the baseline, %d only in this run; **%d regressed**, %d improved, %d unchanged.\n\n",
			md(s.MatchedBy.String()), s.Paired, s.OnlyBase, s.OnlyNew, s.Regressed, s.Improved, s.Unchanged)
		b.WriteString("| | Baseline | This run | Change | Test |\n| --- | --- | --- | --- | --- |\n")
		for _, l := range CompareLines(s) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", md(l.Name), md(l.Base), md(l.New), md(l.Change), md(l.Test))
		}
		// The note is the report's own text: escaped, never cut.
		fmt.Fprintf(&b, "\n%s\n", EscapeMarkdown(CompareNote(s)))
	}

	// The rows, while they fit: the footer saying what was left out must fit too.
	const footerRoom = 600
	left := 0
	section := func(title string, rows []Row, total int, line func(Row) string, header string) {
		if total == 0 {
			return
		}
		head := fmt.Sprintf("\n### %s (%d)\n\n%s", title, total, header)
		if b.Len()+len(head) > MarkdownBudget-footerRoom {
			left += total
			return
		}
		b.WriteString(head)
		shown := 0
		for _, row := range rows {
			l := line(row)
			if b.Len()+len(l) > MarkdownBudget-footerRoom {
				break
			}
			b.WriteString(l)
			shown++
		}
		left += total - shown
	}
	compared := func(row Row) string {
		return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", md(row.Key), md(row.BaseVerdict), md(row.Verdict), md(inputsText(row)), feedbackText(row))
	}
	const comparedHeader = "| Key | Baseline | This run | Inputs | Feedback |\n| --- | --- | --- | --- | --- |\n"
	if c := r.Comparison; c != nil {
		section("Regressed rows", c.Regressed, c.Summary.Regressed, compared, comparedHeader)
	}
	var bad []Row
	for _, row := range r.Rows {
		if row.Bad {
			bad = append(bad, row)
		}
	}
	section("Failed and invalid rows", bad, r.BadRows, func(row Row) string {
		return fmt.Sprintf("| %d | %s | %s | %s |\n", row.Line, md(row.Verdict), md(inputsText(row)), md(row.Feedback+" "+row.Error))
	}, "| Line | Verdict | Inputs | Feedback or error |\n| --- | --- | --- | --- |\n")
	if c := r.Comparison; c != nil {
		// Rows found in one run only are listed apart, never dropped.
		section("Rows only in the baseline", c.OnlyBase, c.Summary.OnlyBase, compared, comparedHeader)
		section("Rows only in this run", c.OnlyNew, c.Summary.OnlyNew, compared, comparedHeader)
	}
	if left > 0 {
		fmt.Fprintf(&b, "\n%d rows are not listed: this summary lists at most %d rows of each kind and stays under %d KB; every row is counted in the figures above. The HTML report (evals report %s --out report.html) lists more.\n",
			left, r.MaxRows, MarkdownBudget/1000, md(r.JobID))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
