package specdrift_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evalkit/together-evals/internal/specdrift"
)

// Check compares a new version of the provider's document with the project's, and the report
// says what to look at.
func ExampleCheck() {
	// A new upstream version: the provider's thing has gained a colour.
	data, err := os.ReadFile("testdata/upstream.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "specdrift")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	upstream := filepath.Join(dir, "upstream.yaml")
	changed := strings.Replace(string(data), "        note:", "        color:\n          type: string\n        note:", 1)
	if err := os.WriteFile(upstream, []byte(changed), 0o600); err != nil {
		fmt.Println(err)
		return
	}

	rep, err := specdrift.Check(upstream, specdrift.WithSpec("testdata/ours.yaml"), specdrift.WithDeviations(""))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Kind, f.Value)
		fmt.Println(" ", strings.Join(f.Operations, ", "))
		fmt.Println("  upstream:", f.Upstream)
		fmt.Printf("  ours: %s (line %d)\n", f.Ours, f.OursLine)
	}
	// Output:
	// property-only-upstream color
	//   GET /things, GET /things/{id}, POST /things
	//   upstream: #/components/schemas/ThingObject/properties/color
	//   ours: #/components/schemas/Thing/properties (line 82)
}
