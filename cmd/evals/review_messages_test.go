package main

import (
	"strings"
	"testing"
)

// TestCheckSaysJSONMistakesInWords checks that `evals check` says what is wrong with a line of
// JSON in the user's words (line, column, what was expected and found), never in the decoder's.
func TestCheckSaysJSONMistakesInWords(t *testing.T) {
	c := newCLI(t, "")
	delete(c.env, "TOGETHER_API_KEY")
	for _, tc := range []struct{ content, want string }{
		{"{\"a\": \"x\"}\n{\"a\": nul}\n", `evals: rows.jsonl:2: invalid JSON at column 10: expected null, found "}"`},
		{"{\"ok\": no}\n", `evals: rows.jsonl:1: invalid JSON at column 9: expected null, found "o" (text is written in double quotes)`},
		{"{\"a\": \"x\",}\n", `evals: rows.jsonl:1: invalid JSON at column 11: expected a field name in double quotes (a comma before "}" is not allowed), found "}"`},
		{"question,answer\n", `evals: rows.jsonl:1: invalid JSON at column 1: expected "{" (each line is one JSON object), found "q"`},
	} {
		path := writeFile(t, "rows.jsonl", tc.content)
		r := c.mustRun(2, "check", path)
		want := strings.ReplaceAll(tc.want, "rows.jsonl", path) + "\n"
		if r.stderr != want {
			t.Errorf("check of %q: stderr\n%s\nwant\n%s", tc.content, r.stderr, want)
		}
	}
}
