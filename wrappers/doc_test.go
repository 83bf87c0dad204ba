package wrappers_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestDocSaysWhatUsersAsk: go doc answers the questions users asked: which concrete types
// Job.Results returns, that PassPercentage is false for compare jobs, and how to make tests
// against the api package fast.
func TestDocSaysWhatUsersAsk(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/evalkit/together-evals/wrappers")
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]string{}
	for _, typ := range p.Types {
		for _, m := range typ.Methods {
			methods[typ.Name+"."+m.Name] = m.Doc
		}
	}
	for _, want := range []struct{ where, text string }{
		{"Job.Results", "[*ClassifyResults]"},
		{"Job.Results", "[*ScoreResults]"},
		{"Job.Results", "[*CompareResults]"},
		{"Job.Results", "[*ErrorResults]"},
		{"Job.Results", "[*UnknownResults]"},
		{"Job.PassPercentage", "false\nfor a compare job"},
		{"Job.LabelCounts", "[ErrWrongJobType]"},
		{"Client.FileContent", "bound the download as a whole"},
		{"Client.ResultRows", "ctx bounds the whole download"},
		{"package", "api.WithPhaseDurations(0, 0, 0)"},
		{"package", "WaitOptions{FirstInterval: time.Millisecond}"},
	} {
		text := p.Doc
		if want.where != "package" {
			text = methods[want.where]
		}
		if !strings.Contains(text, want.text) {
			t.Errorf("the doc of %s does not say %q:\n%s", want.where, want.text, text)
		}
	}
}
