package report_test

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/evalkit/together-evals/cmd/evals/report"
)

// gfm renders GitHub-flavoured Markdown: tables, strikethrough, autolinks of bare URLs and
// addresses, task lists.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))

// FuzzEscapeMarkdown renders every escaped text in a one-column table with a GFM renderer and
// checks that it stays one cell of plain text: no tag of any kind in the cell (no HTML, emphasis,
// link, autolink, image, code or strikethrough), and the text people read is the input itself,
// with line breaks as spaces and a zero-width joiner after @, # and the hyphen of GH- where a
// mention or a reference would start. Its seeds are in testdata/fuzz/FuzzEscapeMarkdown.
func FuzzEscapeMarkdown(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got := report.EscapeMarkdown(s)
		if strings.ContainsAny(got, "\n\r<>") {
			t.Fatalf("EscapeMarkdown(%q) = %q holds a line break or an angle bracket", s, got)
		}
		var out bytes.Buffer
		if err := gfm.Convert([]byte("| h |\n| --- |\n| "+got+" |\n"), &out); err != nil {
			t.Fatal(err)
		}
		page := out.String()
		if strings.Count(page, "<td") != 1 {
			t.Fatalf("EscapeMarkdown(%q) = %q does not stay in one cell:\n%s", s, got, page)
		}
		_, cell, _ := strings.Cut(page, "<td>")
		cell, _, _ = strings.Cut(cell, "</td>")
		if strings.Contains(cell, "<") {
			t.Fatalf("EscapeMarkdown(%q) = %q renders markup: %s", s, got, cell)
		}
		if text, want := html.UnescapeString(cell), visible(s); strings.Trim(text, " ") != strings.Trim(want, " ") {
			t.Fatalf("EscapeMarkdown(%q) = %q reads %q, want %q", s, got, text, want)
		}
	})
}

// visible is what a reader should see of s in a cell.
func visible(s string) string {
	var b strings.Builder
	rs := []rune(s) // each bad byte is one U+FFFD, as EscapeMarkdown writes it
	for i, r := range rs {
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError || unicode.IsControl(r):
			b.WriteRune('\uFFFD')
		case (r == '@' && (unicode.IsLetter(next) || unicode.IsDigit(next))) || (r == '#' && unicode.IsDigit(next)),
			r == '-' && unicode.IsDigit(next) && endsWithWordGH(rs[:i]):
			b.WriteRune(r)
			b.WriteRune('\u200D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// endsWithWordGH reports whether rs ends with the word GH (any case): GitHub's GH-123 reference.
func endsWithWordGH(rs []rune) bool {
	n := len(rs)
	if n < 2 || !strings.EqualFold(string(rs[n-2:]), "gh") {
		return false
	}
	return n == 2 || (!unicode.IsLetter(rs[n-3]) && !unicode.IsDigit(rs[n-3]))
}
