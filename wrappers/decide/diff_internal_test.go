package decide

import (
	"context"
	"io"
	"strings"
	"testing"
)

func stringSource(name, inputFile, content string) Source {
	return Source{name: name, inputFile: inputFile, open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(content)), nil
	}}
}

// Two jobs that read the same input file pair their rows by line; result files whose lines hold
// other inputs are not in the input's order, and Diff says so rather than pairing wrong rows.
func TestDiffByLineRefusesRowsOutOfOrder(t *testing.T) {
	a := `{"q": "one", "success": true, "label": "good", "final_decision": "pass"}
{"q": "two", "success": true, "label": "bad", "final_decision": "fail"}
`
	b := `{"q": "two", "success": true, "label": "bad", "final_decision": "fail"}
{"q": "one", "success": true, "label": "good", "final_decision": "pass"}
`
	res, err := Diff(context.Background(), stringSource("base", "file-1", a), stringSource("new", "file-1", a))
	if err != nil || res.Summary.MatchedBy != ByLine || res.Summary.Unchanged != 2 {
		t.Fatalf("same order: %v %+v", err, res)
	}
	_, err = Diff(context.Background(), stringSource("base", "file-1", a), stringSource("new", "file-1", b))
	if err == nil || !strings.Contains(err.Error(), "line 1 of the two result files holds different input fields, although both jobs read input file file-1") ||
		!strings.Contains(err.Error(), "--key") {
		t.Fatalf("err = %v", err)
	}
	// Other input files: paired by input fields, in any order.
	res, err = Diff(context.Background(), stringSource("base", "file-1", a), stringSource("new", "file-2", b))
	if err != nil || res.Summary.MatchedBy != ByInput || res.Summary.Unchanged != 2 {
		t.Fatalf("by input: %v %+v", err, res)
	}
}

// TestEmptyResultsAreSaidOfTheirSource: a run with no rows is refused in the words of its source:
// "the file has no rows" for a file on disk, "the results have no rows" for a job or a reader.
func TestEmptyResultsAreSaidOfTheirSource(t *testing.T) {
	if got := noRowsIn(Source{path: "r.jsonl"}).Error(); !strings.HasSuffix(got, "r.jsonl: the file has no rows") {
		t.Errorf("file: %q", got)
	}
	if got := noRowsIn(Source{name: "job eval-2"}).Error(); got != "job eval-2: the results have no rows" {
		t.Errorf("job: %q", got)
	}
}
