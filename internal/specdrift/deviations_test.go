package specdrift

import "testing"

func TestPointerMatch(t *testing.T) {
	cases := []struct {
		pattern, ptr string
		want         bool
	}{
		{"#/components/schemas/Count", "#/components/schemas/Count", true},
		{"#/components/schemas/Count", "#/components/schemas/Counts", false},
		{"#/components/schemas/Count", "#/components/schemas/Count/properties/a", false},
		{"#/components/schemas/Count/**", "#/components/schemas/Count", true},
		{"#/components/schemas/Count/**", "#/components/schemas/Count/properties/a", true},
		{"#/components/schemas/Count/**", "#/components/schemas", false},
		{"#/components/schemas/Count/**", "#/components/schemas/CountX/properties/a", false},
		{"#/paths/*/*/responses/401", "#/paths/~1evaluation~1{id}/get/responses/401", true},
		{"#/paths/*/*/responses/401", "#/paths/~1evaluation/get/responses/4011", false},
		{"#/paths/*/*/responses/401", "#/paths/~1evaluation/get/responses", false},
		{"#/paths/~1files~1{id}*/get/responses/404", "#/paths/~1files~1{id}~1content/get/responses/404", true},
		{"#/components/schemas/*/properties/*", "#/components/schemas/A/properties/b/items", false},
	}
	for _, c := range cases {
		if got := pointerMatch(c.pattern, c.ptr); got != c.want {
			t.Errorf("pointerMatch(%s, %s) = %v, want %v", c.pattern, c.ptr, got, c.want)
		}
	}
}

func TestDeviationMatchesEverySelector(t *testing.T) {
	r := raw{kind: KindEnumOnlyOurs, op: "GET /evaluation", value: "queued", ours: "#/components/schemas/EvaluationStatus", upstream: "#/paths/~1evaluation/get/parameters/0/schema"}
	cases := []struct {
		name string
		d    Deviation
		want bool
	}{
		{"all match", Deviation{Kind: "enum-only-*", Operation: "GET /evaluation", Value: "queued", Ours: "#/components/schemas/EvaluationStatus", Upstream: "#/paths/**"}, true},
		{"kind differs", Deviation{Kind: KindEnumOnlyUpstream, Ours: "#/components/schemas/EvaluationStatus"}, false},
		{"operation differs", Deviation{Kind: KindEnumOnlyOurs, Operation: "GET /evaluation/{id}"}, false},
		{"value differs", Deviation{Kind: KindEnumOnlyOurs, Operation: "GET /evaluation", Value: "running"}, false},
		{"ours differs", Deviation{Kind: KindEnumOnlyOurs, Ours: "#/components/schemas/ModelSource"}, false},
		{"upstream differs", Deviation{Kind: KindEnumOnlyOurs, Upstream: "#/paths/~1evaluation/get/parameters/1/schema"}, false},
	}
	for _, c := range cases {
		if got := c.d.matches(r); got != c.want {
			t.Errorf("%s: matches = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestLine(t *testing.T) {
	d, err := loadDocument("testdata/ours.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ptr  string
		want int
	}{
		{"#/paths/~1things~1{id}/get", 47},
		{"#/paths/~1things/get/parameters/1", 16},
		{"#/components/schemas/Thing/properties", 82},
		{"#/components/schemas/Thing/properties/nothing", 82},
		{"#/components/schemas/CountParams/properties/max", 138},
		{"not a pointer", 0},
	}
	for _, c := range cases {
		if got := d.line(c.ptr); got != c.want {
			t.Errorf("line(%s) = %d, want %d", c.ptr, got, c.want)
		}
	}
}
