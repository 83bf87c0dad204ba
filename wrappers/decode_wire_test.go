package wrappers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// jsonName returns the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// TestWireFieldsShadowTheGeneratedOnes keeps jobWire and resultsWire in step with the generated
// types they embed: each field they decode another way must replace a generated field of the same
// Go name and JSON name, of the type the view expects. A spec change that renames or retypes one of
// them fails here, not silently in the views.
func TestWireFieldsShadowTheGeneratedOnes(t *testing.T) {
	check := func(wire, generatedType reflect.Type, want map[string]reflect.Type) {
		t.Helper()
		shadows := 0
		for i := range wire.NumField() {
			f := wire.Field(i)
			if f.Anonymous || !f.IsExported() {
				continue
			}
			shadows++
			g, ok := generatedType.FieldByName(f.Name)
			if !ok {
				t.Errorf("%s.%s shadows no field of %s", wire.Name(), f.Name, generatedType)
				continue
			}
			if jsonName(f) != jsonName(g) {
				t.Errorf("%s.%s is %q in JSON, %s.%s is %q", wire.Name(), f.Name, jsonName(f), generatedType.Name(), g.Name, jsonName(g))
			}
			if wt, ok := want[f.Name]; !ok || g.Type != wt {
				t.Errorf("%s.%s is a %s; the wire type decodes it as a %v", generatedType.Name(), g.Name, g.Type, wt)
			}
		}
		if shadows != len(want) {
			t.Errorf("%s shadows %d fields, want %d", wire.Name(), shadows, len(want))
		}
	}
	check(reflect.TypeFor[jobWire](), reflect.TypeFor[generated.EvaluationJob](), map[string]reflect.Type{
		"StatusUpdates": reflect.TypeFor[*[]generated.StatusUpdate](),
		"Parameters":    reflect.TypeFor[*json.RawMessage](),
		"Results":       reflect.TypeFor[*generated.EvaluationResults](),
	})
	check(reflect.TypeFor[resultsWire](), reflect.TypeFor[generated.EvaluationResults](), map[string]reflect.Type{
		"LabelCounts": reflect.TypeFor[*json.RawMessage](),
	})
	// statusHistory decodes each update through the generated type, whose fields it reads.
	u := reflect.TypeFor[generated.StatusUpdate]()
	for name, typ := range map[string]reflect.Type{
		"Status": reflect.TypeFor[*string](), "Message": reflect.TypeFor[*string](), "Timestamp": reflect.TypeFor[*time.Time](),
	} {
		if f, ok := u.FieldByName(name); !ok || f.Type != typ {
			t.Errorf("generated.StatusUpdate.%s is not a %s", name, typ)
		}
	}
	if n := u.NumField(); n != 3 {
		t.Errorf("generated.StatusUpdate has %d fields; the view shows 3", n)
	}
}

// TestPresetCoversTheGeneratedResults: every optional number and string of the generated results
// is filled in place (resultsWire.preset), and settle gives back nil for each one absent: a field
// added to the spec is either preset or decoded as before, never left pointing at a marker.
func TestPresetCoversTheGeneratedResults(t *testing.T) {
	var r resultsWire
	r.preset()
	v := reflect.ValueOf(&r.EvaluationResults).Elem()
	for i := range v.NumField() {
		f, typ := v.Field(i), v.Type().Field(i)
		simple := typ.Type == reflect.TypeFor[*float64]() || typ.Type == reflect.TypeFor[*string]()
		if simple == f.IsNil() {
			t.Errorf("EvaluationResults.%s (%s): preset %v", typ.Name, typ.Type, !f.IsNil())
		}
	}
	r.settle()
	for i := range v.NumField() {
		if !v.Field(i).IsNil() {
			t.Errorf("EvaluationResults.%s is set after settle with nothing decoded", v.Type().Field(i).Name)
		}
	}
}
