package report_test

import (
	"strings"
	"testing"

	"github.com/evalkit/together-evals/cmd/evals/report"
)

// FuzzEscapeMarkdown checks that no text escapes a Markdown table cell: the result has no line
// break, no raw < or >, no | without its backslash, and no backslash that escapes nothing. Its
// seeds are in testdata/fuzz/FuzzEscapeMarkdown.
func FuzzEscapeMarkdown(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got := report.EscapeMarkdown(s)
		if strings.ContainsAny(got, "\n\r<>") {
			t.Fatalf("EscapeMarkdown(%q) = %q holds a line break or an angle bracket", s, got)
		}
		for i := 0; i < len(got); i++ {
			switch got[i] {
			case '\\':
				if i+1 == len(got) || !strings.ContainsRune("\\`*_{}[]()#+-.!|~:/\"'=$%^@;,?", rune(got[i+1])) {
					t.Fatalf("EscapeMarkdown(%q) = %q: a backslash escapes nothing at %d", s, got, i)
				}
				i++
			case '|', '`', '*', '_', '[', ']':
				t.Fatalf("EscapeMarkdown(%q) = %q: %q unescaped at %d", s, got, got[i], i)
			}
		}
	})
}
