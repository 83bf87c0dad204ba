package api_test

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestDocSaysHowToMakeTestsFast: the package doc shows how a test gets jobs that end at once and a
// Wait that polls without delay.
func TestDocSaysHowToMakeTestsFast(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	for _, want := range []string{"api.WithPhaseDurations(0, 0, 0)", "WaitOptions{FirstInterval: time.Millisecond}", "[FakeClock]"} {
		if !strings.Contains(doc, want) && !strings.Contains(doc, strings.Trim(want, "[]")) {
			t.Errorf("the package doc does not show %s", want)
		}
	}
}
