package specdrift

import (
	"os"
	"testing"
)

// The provider's document of 2026-04-28 beside the repository (see the README), and the project's
// own document and deviations.
const (
	benchProvider   = "../../../shared/reference/together-openapi.yaml"
	benchSpec       = "../../openapi.yaml"
	benchDeviations = "../../openapi-deviations.yaml"
)

func benchFiles(b *testing.B) {
	b.Helper()
	if _, err := os.Stat(benchProvider); err != nil {
		b.Skipf("the provider's document is not beside the repository (%s): %v", benchProvider, err)
	}
}

// BenchmarkLoadBoth is the floor: reading and loading both documents with kin-openapi, which any
// comparison has to do.
func BenchmarkLoadBoth(b *testing.B) {
	benchFiles(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadDocument(benchSpec); err != nil {
			b.Fatal(err)
		}
		if _, err := loadDocument(benchProvider); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the whole comparison: loading, normalizing, oasdiff, walking, deviations.
func BenchmarkCheck(b *testing.B) {
	benchFiles(b)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Check(benchProvider, WithSpec(benchSpec), WithDeviations(benchDeviations))
		if err != nil {
			b.Fatal(err)
		}
		if !rep.Quiet() {
			b.Fatalf("not quiet: %d findings, %d stale", len(rep.Findings), len(rep.Stale))
		}
	}
}
