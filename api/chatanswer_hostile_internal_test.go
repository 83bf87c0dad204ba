package api

import (
	"runtime"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// TestCheckAnswerOfNestedUnclosedObjects: an answer of many nested objects that never close
// (what a hostile endpoint can send, up to the answer bound of 8 MiB) is read with work in
// proportion to its length: each '{' tried is not decoded again to the end of the answer, which
// took minutes of CPU per row (and memory in proportion) for a few MiB. The work is measured as
// the bytes allocated, not as time.
func TestCheckAnswerOfNestedUnclosedObjects(t *testing.T) {
	spec := jobSpec{typ: generated.EvaluationTypeClassify, labels: []string{"good", "bad"}}
	text := strings.Repeat(`{"a": [`+strings.Repeat("1, ", 70), 1000) // 217 kB, 1000 levels
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	v := check(spec, text)
	runtime.ReadMemStats(&after)
	if v.kind != verdictInvalid || v.answer != text {
		t.Errorf("verdict %v, want invalid with the answer kept", v.kind)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64*uint64(len(text)) {
		t.Errorf("reading a %d-byte answer allocated %d bytes (%d times its size)", len(text), alloc, alloc/uint64(len(text)))
	}
	// What the budget leaves alone: a verdict after many braces that are not JSON.
	text = strings.Repeat("if (x) { y(); } ", 5000) + `{"feedback": "f", "label": "good"}`
	if v := check(spec, text); v.kind != verdictValid || v.label != "good" {
		t.Errorf("a verdict after code: %+v", v)
	}
}
