package wrappers_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestClientLinksNoOpenAPITooling: a program that imports wrappers links no OpenAPI loader, JSON
// Schema validator, YAML parser or golang.org/x/text (they came in with the spec embedded in
// package generated; the spec now lives in generated/spec, which only api and the contract checks
// import). The standard library's own vendored copy of x/text (vendor/golang.org/x/text, used by
// net/http) is not a dependency of this module and does not count.
func TestClientLinksNoOpenAPITooling(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 || deps[len(deps)-1] != "github.com/evalkit/together-evals/wrappers" {
		t.Fatalf("go list -deps gave an unexpected list:\n%s", out)
	}
	for _, dep := range deps {
		for _, banned := range []string{"kin-openapi", "jsonschema", "yaml", "golang.org/x/text"} {
			if strings.Contains(dep, banned) && !strings.HasPrefix(dep, "vendor/") {
				t.Errorf("wrappers depends on %s", dep)
			}
		}
	}
}
