package specdrift

import (
	"testing"
)

func TestNormalizeOneBranchUnionSharedByTwoProperties(t *testing.T) {
	d, err := parseDocument("doc.yaml", []byte(`openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  first: {$ref: "#/components/schemas/MaybeName"}
                  second: {$ref: "#/components/schemas/MaybeName"}
components:
  schemas:
    MaybeName:
      anyOf:
        - $ref: "#/components/schemas/Name"
        - type: "null"
    Name:
      type: string
      minLength: 1
`))
	if err != nil {
		t.Fatal(err)
	}
	d.normalize()
	body := d.doc.Paths.Value("/a").Get.Responses.Status(200).Value.Content["application/json"].Schema.Value
	for _, name := range []string{"first", "second"} {
		s := body.Properties[name].Value
		if len(s.AnyOf) != 0 || s.Type == nil || !s.Type.Is("string") || !s.Nullable || s.MinLength != 1 {
			t.Errorf("%s: anyOf %d, type %v, nullable %v, minLength %d; want a nullable string of minLength 1",
				name, len(s.AnyOf), s.Type, s.Nullable, s.MinLength)
		}
		if at := d.idx.schemaAt(s, ""); at != "#/components/schemas/Name" {
			t.Errorf("%s is located at %s, want #/components/schemas/Name", name, at)
		}
	}
}
