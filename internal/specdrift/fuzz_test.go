package specdrift

import (
	"errors"
	"os"
	"testing"
)

// FuzzCompare feeds arbitrary bytes as the provider's document: each input either is refused with
// an InputError or compares with the test project's document without a panic.
func FuzzCompare(f *testing.F) {
	for _, name := range []string{"testdata/upstream.yaml", "testdata/upstream30.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	oursData, err := os.ReadFile("testdata/ours.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		up, err := parseDocument("upstream", data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		ours, err := parseDocument("ours", oursData)
		if err != nil {
			t.Fatal(err)
		}
		raws, err := compare(ours, up)
		if err != nil {
			return
		}
		for _, r := range raws {
			if r.kind == "" || r.op == "" || r.upstream == "" || r.ours == "" {
				t.Fatalf("finding without kind, operation or pointers: %+v", r)
			}
		}
	})
}
