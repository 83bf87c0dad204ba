package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/evalkit/together-evals/wrappers"
)

func ExampleCheckInput() {
	data := `{"prompt": "2+2?", "response": "4"}
{"prompt": "3+3?", "response": "6", "notes": "easy"}
[{"prompt": "4+4?"}]
{"prompt": "5+5?"}
`
	opts := wrappers.InputCheckOptions{
		Templates: []wrappers.InputTemplate{{Name: "parameters.judge.system_template", Text: "Is {{ response }} right for {{ prompt }}?"}},
	}
	report, err := wrappers.CheckInput(context.Background(), strings.NewReader(data), "data.jsonl", opts)
	var ie *wrappers.InputError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Println(p)
		}
	}
	fmt.Println(report.Rows, "rows with fields", report.Fields)
	// Output:
	// data.jsonl:2: field "notes": not in line 1; every row must have the same fields
	// data.jsonl:3: a JSON array, not an object: each line must be one JSON object
	// data.jsonl:4: field "response": missing (line 1 has it)
	// 3 rows with fields [prompt response]
}

func ExampleCheckInputFile() {
	// Check a file before uploading it: structure only (no templates given).
	_, err := wrappers.CheckInputFile(context.Background(), "testdata/no-such-file.jsonl", wrappers.InputCheckOptions{})
	fmt.Println(err)
	// Output:
	// check input: open testdata/no-such-file.jsonl: no such file or directory
}
