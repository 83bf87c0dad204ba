package api

import "testing"

// TestQuoteID checks that an id in a not-found message is quoted once, without backslashes
// unless a character cannot be shown.
func TestQuoteID(t *testing.T) {
	for id, want := range map[string]string{
		"eval-1":       `"eval-1"`,
		`eval"x`:       `'eval"x'`,
		`a"b'c`:        `"a\"b'c"`,
		"eval\x01x":    `"eval\x01x"`,
		"évaluation":   `"évaluation"`,
		`back\slash`:   `"back\slash"`,
		"tab\there":    `"tab\there"`,
		"a/b?x=1#frag": `"a/b?x=1#frag"`,
	} {
		if got := quoteID(id); got != want {
			t.Errorf("quoteID(%q) = %s, want %s", id, got, want)
		}
	}
}
