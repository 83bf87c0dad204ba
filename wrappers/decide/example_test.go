package decide_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// Compare two result files on disk, pairing rows by their id column.
func ExampleDiff() {
	dir, err := os.MkdirTemp("", "decide")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	base := filepath.Join(dir, "base.jsonl")
	next := filepath.Join(dir, "new.jsonl")
	_ = os.WriteFile(base, []byte(`{"id": "q1", "success": true, "label": "good", "final_decision": "pass"}
{"id": "q2", "success": true, "label": "good", "final_decision": "pass"}
{"id": "q3", "success": true, "label": "bad", "final_decision": "fail"}
`), 0o600)
	_ = os.WriteFile(next, []byte(`{"id": "q2", "success": true, "label": "good", "final_decision": "pass"}
{"id": "q1", "success": true, "label": "bad", "final_decision": "fail"}
{"id": "q4", "success": false, "error": "judge failed: timeout", "label": null, "final_decision": null}
`), 0o600)

	res, err := decide.Diff(context.Background(), decide.File(base), decide.File(next), decide.WithKey("id"))
	if err != nil {
		log.Fatal(err)
	}
	s := res.Summary
	fmt.Printf("regressed %d, improved %d, unchanged %d, only in base %d, only in new %d\n",
		s.Regressed, s.Improved, s.Unchanged, s.OnlyBase, s.OnlyNew)
	for _, r := range res.Regressed {
		fmt.Printf("%s: %s -> %s\n", r.KeyText(), r.Base, r.New)
	}
	fmt.Printf("pass rate %+.0f points, p = %.3g, too small to tell: %v\n", 100*s.PassRate.Delta, s.PassRate.PValue, s.PassRate.TooSmall)
	// Output:
	// regressed 1, improved 0, unchanged 1, only in base 1, only in new 1
	// q1: pass (good) -> fail (bad)
	// pass rate -50 points, p = 1, too small to tell: true
}

// Check a job's figures against thresholds; a figure exactly at its threshold holds.
func ExampleThresholds_CheckFigures() {
	rows, pass := 20, 80.0
	invalid := 2
	g, err := decide.Thresholds{MinPass: wrappers.Float64(80), MaxInvalid: wrappers.Float64(5)}.CheckFigures(decide.Figures{
		Type: wrappers.TypeClassify, Rows: &rows, PassPercentage: &pass, Invalid: &invalid,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range g.Checks {
		fmt.Printf("%s %s: %s (%s)\n", c.Name, decide.FormatNumber(c.Limit), decide.FormatNumber(c.Figure), map[bool]string{true: "held", false: "MISSED"}[c.Held])
	}
	fmt.Println("all held:", g.Held())
	// Output:
	// min-pass 80: 80 (held)
	// max-invalid 5: 10 (MISSED)
	// all held: false
}
