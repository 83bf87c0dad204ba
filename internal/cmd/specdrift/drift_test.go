package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/internal/specdrift"
)

// The tests compare testdata/ours.yaml (the project's side, OpenAPI 3.0) with testdata/upstream.yaml
// (the provider's side, OpenAPI 3.1 spellings), which are quiet together; each case edits the
// upstream document in one place and expects exactly one line.

const (
	oursFile     = "../../specdrift/testdata/ours.yaml"
	upstreamFile = "../../specdrift/testdata/upstream.yaml"
)

// runDrift runs the command and returns its exit code, stdout and stderr.
func runDrift(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeFile writes content to name in a fresh temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// editedUpstream is upstream.yaml with each old string (which must occur exactly once) replaced.
func editedUpstream(t *testing.T, edits ...string) string {
	t.Helper()
	data, err := os.ReadFile(upstreamFile)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i := 0; i+1 < len(edits); i += 2 {
		if n := strings.Count(s, edits[i]); n != 1 {
			t.Fatalf("edit %q occurs %d times in %s, want once", edits[i], n, upstreamFile)
		}
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	return writeFile(t, "upstream.yaml", s)
}

func TestQuietOnEquivalentDocuments(t *testing.T) {
	for _, up := range []string{upstreamFile, "../../specdrift/testdata/upstream30.json"} {
		code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", "", up)
		if code != 0 || out != "" || errOut != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0 and nothing", up, code, out, errOut)
		}
	}
}

func TestEachKindOfChange(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		want  string
	}{
		{
			name:  "server only upstream",
			edits: []string{"  version: 2.0.0\n", "  version: 2.0.0\nservers:\n  - url: https://api.things.example/v2\n"},
			want:  `(every operation) server URL: the provider's document lists server https://api.things.example/v2; openapi.yaml does not [server-only-upstream] upstream #/servers/0; ours #/servers (ours.yaml:3)`,
		},
		{
			name: "operation only upstream",
			edits: []string{"  /other:\n", `  /things/{thingId}/archive:
    post:
      responses:
        "200":
          description: Archived
  /other:
`},
			want: `POST /things/{thingId}/archive operation: the provider has this operation; openapi.yaml does not [operation-only-upstream] upstream #/paths/~1things~1{thingId}~1archive/post; ours #/paths (ours.yaml:7)`,
		},
		{
			name:  "operation only ours",
			edits: []string{"  /things/{thingId}:\n    get:\n", "  /things/{thingId}:\n    delete:\n"},
			want: `DELETE /things/{id} operation: the provider has this operation; openapi.yaml does not [operation-only-upstream] upstream #/paths/~1things~1{thingId}/delete; ours #/paths/~1things~1{id} (ours.yaml:46)
GET /things/{id} operation: openapi.yaml has this operation; the provider does not [operation-only-ours] upstream #/paths/~1things~1{thingId}; ours #/paths/~1things~1{id}/get (ours.yaml:47)`,
		},
		{
			name: "parameter only upstream",
			edits: []string{"        - name: state\n", `        - name: order
          in: query
          schema:
            type: string
        - name: state
`},
			want: `GET /things parameter query order: the provider has this query parameter; openapi.yaml does not [parameter-only-upstream] upstream #/paths/~1things/get/parameters/1; ours #/paths/~1things/get/parameters (ours.yaml:11)`,
		},
		{
			name:  "parameter only ours",
			edits: []string{"        - name: limit\n          in: query\n          required: false\n          schema:\n            type: integer\n", ""},
			want:  `GET /things parameter query limit: openapi.yaml has this query parameter; the provider does not [parameter-only-ours] upstream #/paths/~1things/get/parameters; ours #/paths/~1things/get/parameters/0 (ours.yaml:12)`,
		},
		{
			name:  "parameter required upstream",
			edits: []string{"          in: query\n          required: false\n", "          in: query\n          required: true\n"},
			want:  `GET /things parameter query limit: required upstream, optional in ours [parameter-required-only-upstream] upstream #/paths/~1things/get/parameters/0; ours #/paths/~1things/get/parameters/0 (ours.yaml:12)`,
		},
		{
			name:  "response property only upstream",
			edits: []string{"        size:\n          type: integer\n        note:", "        size:\n          type: integer\n        color:\n          type: string\n        note:"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].color (and 1 more): the provider has property color; openapi.yaml does not [property-only-upstream] upstream #/components/schemas/ThingObject/properties/color; ours #/components/schemas/Thing/properties (ours.yaml:82)`,
		},
		{
			name:  "response property only ours",
			edits: []string{"        size:\n          type: integer\n        note:", "        note:"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].size (and 1 more): openapi.yaml has property size; the provider's document does not [property-only-ours] upstream #/components/schemas/ThingObject/properties; ours #/components/schemas/Thing/properties/size (ours.yaml:87)`,
		},
		{
			name:  "required response property only ours",
			edits: []string{"      required: [id, state]\n      properties:\n        id:\n          type: string\n        state:\n          type: string\n          enum: [new, done]\n", "      required: [id]\n      properties:\n        id:\n          type: string\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].state (and 1 more): openapi.yaml has property state; the provider's document does not [property-only-ours] upstream #/components/schemas/ThingObject/properties; ours #/components/schemas/Thing/properties/state (ours.yaml:85)`,
		},
		{
			name:  "response property required upstream",
			edits: []string{"      required: [id, state]\n", "      required: [id, state, size]\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].size (and 1 more): required upstream, optional in ours [property-required-only-upstream] upstream #/components/schemas/ThingObject/properties/size; ours #/components/schemas/Thing/properties/size (ours.yaml:87)`,
		},
		{
			name:  "response property required only in ours",
			edits: []string{"      required: [id, state]\n", "      required: [id]\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].state (and 1 more): optional upstream, required in ours [property-required-only-ours] upstream #/components/schemas/ThingObject/properties/state; ours #/components/schemas/Thing/properties/state (ours.yaml:85)`,
		},
		{
			name:  "request property only upstream",
			edits: []string{"        max:\n          type: integer\n", "        max:\n          type: integer\n        min:\n          type: integer\n"},
			want:  `POST /things request body: parameters.min: the provider has property min; openapi.yaml does not [property-only-upstream] upstream #/components/schemas/CountParameters/properties/min; ours #/components/schemas/CountParams/properties (ours.yaml:135)`,
		},
		{
			name:  "request property required upstream",
			edits: []string{"    CountParameters:\n      type: object\n      required: [name]\n", "    CountParameters:\n      type: object\n      required: [name, max]\n"},
			want:  `POST /things request body: parameters.max: required in some branches of the union upstream, optional in ours [property-required-only-upstream] upstream #/components/schemas/CountParameters/properties/max; ours #/components/schemas/CountParams/properties/max (ours.yaml:138)`,
		},
		{
			name:  "type",
			edits: []string{"        size:\n          type: integer\n", "        size:\n          type: string\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].size (and 1 more): type string upstream, integer in ours [type] upstream #/components/schemas/ThingObject/properties/size; ours #/components/schemas/Thing/properties/size (ours.yaml:87)`,
		},
		{
			name:  "format",
			edits: []string{"        size:\n          type: integer\n", "        size:\n          type: integer\n          format: int32\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].size (and 1 more): format int32 upstream, none in ours [format] upstream #/components/schemas/ThingObject/properties/size; ours #/components/schemas/Thing/properties/size (ours.yaml:87)`,
		},
		{
			name:  "enum value only upstream",
			edits: []string{"        state:\n          type: string\n          enum: [new, done]\n", "        state:\n          type: string\n          enum: [new, done, lost]\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].state (and 1 more): enum value lost only upstream [enum-only-upstream] upstream #/components/schemas/ThingObject/properties/state; ours #/components/schemas/State (ours.yaml:76)`,
		},
		{
			name:  "enum value only ours",
			edits: []string{"            type: string\n            enum: [new, done]\n", "            type: string\n            enum: [new]\n"},
			want:  `GET /things parameter query state: enum value done only in ours [enum-only-ours] upstream #/paths/~1things/get/parameters/1/schema; ours #/components/schemas/State (ours.yaml:76)`,
		},
		{
			name:  "enum upstream on a plain string",
			edits: []string{"        id:\n          type: string\n        state:", "        id:\n          type: string\n          enum: [a1, b2]\n        state:"},
			want: `GET /things, GET /things/{id}, POST /things response 200: [].id (and 1 more): enum value a1 only upstream [enum-only-upstream] upstream #/components/schemas/ThingObject/properties/id; ours #/components/schemas/Thing/properties/id (ours.yaml:83)
GET /things, GET /things/{id}, POST /things response 200: [].id (and 1 more): enum value b2 only upstream [enum-only-upstream] upstream #/components/schemas/ThingObject/properties/id; ours #/components/schemas/Thing/properties/id (ours.yaml:83)`,
		},
		{
			name:  "const upstream",
			edits: []string{"        state:\n          type: string\n          enum: [new, done]\n", "        state:\n          const: new\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].state (and 1 more): enum value done only in ours [enum-only-ours] upstream #/components/schemas/ThingObject/properties/state; ours #/components/schemas/State (ours.yaml:76)`,
		},
		{
			name:  "nullable upstream",
			edits: []string{"        id:\n          type: string\n        state:", "        id:\n          type: [string, \"null\"]\n        state:"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].id (and 1 more): nullable upstream, not in ours [nullable-only-upstream] upstream #/components/schemas/ThingObject/properties/id; ours #/components/schemas/Thing/properties/id (ours.yaml:83)`,
		},
		{
			name:  "bound",
			edits: []string{"        id:\n          type: string\n        state:", "        id:\n          type: string\n          maxLength: 64\n        state:"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].id (and 1 more): maxLength 64 upstream, none in ours [bound-only-upstream] upstream #/components/schemas/ThingObject/properties/id; ours #/components/schemas/Thing/properties/id (ours.yaml:83)`,
		},
		{
			name: "status code only upstream",
			edits: []string{"        \"404\":\n", `        "409":
          description: Conflict
        "404":
`},
			want: `GET /things/{id} response 409: the provider answers 409; openapi.yaml does not say so [status-only-upstream] upstream #/paths/~1things~1{thingId}/get/responses/409; ours #/paths/~1things~1{id}/get/responses (ours.yaml:51)`,
		},
		{
			name:  "status code only ours",
			edits: []string{"        \"400\":\n          description: Bad\n          content:\n            application/json:\n              schema:\n                $ref: \"#/components/schemas/ErrorBody\"\n", ""},
			want:  `GET /things response 400: openapi.yaml answers 400; the provider's document does not say so [status-only-ours] upstream #/paths/~1things/get/responses; ours #/paths/~1things/get/responses/400 (ours.yaml:29)`,
		},
		{
			name:  "media type only upstream",
			edits: []string{"        \"404\":\n          description: Not found\n          content:\n", "        \"404\":\n          description: Not found\n          content:\n            text/plain:\n              schema:\n                type: string\n"},
			want:  `GET /things/{id} response 404: the provider has media type text/plain; openapi.yaml does not [media-type-only-upstream] upstream #/paths/~1things~1{thingId}/get/responses/404/content/text~1plain; ours #/components/responses/Error/content (ours.yaml:71)`,
		},
		{
			name:  "default",
			edits: []string{"          required: false\n          schema:\n            type: integer\n", "          required: false\n          schema:\n            type: integer\n            default: 20\n"},
			want:  `GET /things parameter query limit: default 20 upstream, none in ours [default] upstream #/paths/~1things/get/parameters/0/schema; ours #/paths/~1things/get/parameters/0/schema (ours.yaml:14)`,
		},
		{
			name:  "response header only upstream",
			edits: []string{"          description: Not found\n", "          description: Not found\n          headers:\n            X-Request-Id:\n              schema:\n                type: string\n"},
			want:  `GET /things/{id} response 404: the provider sends header X-Request-Id; openapi.yaml does not say so [header-only-upstream] upstream #/paths/~1things~1{thingId}/get/responses/404/headers/X-Request-Id; ours #/components/responses/Error (ours.yaml:69)`,
		},
		{
			name:  "type changed in the object branch of a oneOf of a string and an object",
			edits: []string{"        temperature:\n          type: number\n", "        temperature:\n          type: integer\n"},
			want:  `POST /things request body: parameters.source.temperature: type integer upstream, number in ours [type] upstream #/components/schemas/ModelSpec/properties/temperature; ours #/components/schemas/SourceModel/properties/temperature (ours.yaml:171)`,
		},
		{
			name:  "branch only upstream in a oneOf of a string and an object",
			edits: []string{"            - type: string\n", "            - type: string\n            - type: array\n              items:\n                type: string\n"},
			want:  `POST /things request body: parameters.source: oneOf branch #2 (array) only upstream [union-only-upstream] upstream #/components/schemas/LabelParameters/properties/source/oneOf/1; ours #/components/schemas/Source (ours.yaml:158)`,
		},
		{
			name:  "property added to one branch of a results union",
			edits: []string{"        label:\n          type: string\n        score:", "        label:\n          type: string\n        confidence:\n          type: number\n        score:"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].results.confidence (and 1 more): the provider has property confidence; openapi.yaml does not [property-only-upstream] upstream #/components/schemas/LabelResults/properties/confidence; ours #/components/schemas/Results/properties (ours.yaml:98)`,
		},
		{
			name:  "type changed in one branch of a results union",
			edits: []string{"        count:\n          type: number\n", "        count:\n          type: integer\n"},
			want:  `GET /things, GET /things/{id}, POST /things response 200: [].results.count (and 1 more): type integer upstream, number in ours [type] upstream #/components/schemas/CountResults/properties/count; ours #/components/schemas/Results/properties/count (ours.yaml:99)`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			up := editedUpstream(t, c.edits...)
			code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", "", up)
			out = strings.ReplaceAll(out, up, "UPSTREAM")
			if code != 1 || out != c.want+"\n" || errOut != "" {
				t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 1 and:\n%s", code, errOut, out, c.want)
			}
		})
	}
}

// colorEdit adds one property to the provider's thing (found in three operations).
var colorEdit = []string{"        size:\n          type: integer\n        note:", "        size:\n          type: integer\n        color:\n          type: string\n        note:"}

func TestDeviationCoversFinding(t *testing.T) {
	up := editedUpstream(t, colorEdit...)
	devs := writeFile(t, "deviations.yaml", `deviations:
  - kind: property-only-upstream
    upstream: "#/components/schemas/ThingObject/properties/color"
    reason: We do not show colours.
`)
	code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", devs, up)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and nothing", code, out, errOut)
	}
}

func TestSubsetDeviationCoversOnlyWhatUpstreamAdds(t *testing.T) {
	// "We describe only a subset of POST /things": whatever the provider adds there is fine, but a
	// property we have and it does not is still reported.
	up := editedUpstream(t,
		"        max:\n          type: integer\n", "        max:\n          type: integer\n        min:\n          type: integer\n        step:\n          type: integer\n",
		"        labels:\n          type: array\n", "        tags:\n          type: array\n")
	devs := writeFile(t, "deviations.yaml", `deviations:
  - kind: "*-only-upstream"
    operation: POST /things
    reason: openapi.yaml describes only the part of this operation that the project uses.
`)
	code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", devs, up)
	want := "POST /things request body: parameters.labels: openapi.yaml has property labels; the provider's document does not [property-only-ours] upstream #/components/schemas/ThingRequest/properties/parameters/properties; ours #/components/schemas/LabelParams/properties/labels (ours.yaml:146)\n"
	if code != 1 || out != want || errOut != "" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 1 and:\n%s", code, errOut, out, want)
	}
}

func TestStaleDeviation(t *testing.T) {
	devs := writeFile(t, "deviations.yaml", `# a comment
deviations:
  - kind: property-only-ours
    ours: "#/components/schemas/Thing/properties/size"
    reason: The provider has dropped size; we keep it.
`)
	code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", devs, upstreamFile)
	want := devs + ":3: stale deviation (kind property-only-ours, ours #/components/schemas/Thing/properties/size): no difference matches it any more; remove it or correct it [stale]\n"
	if code != 1 || out != want || errOut != "" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 1 and:\n%s", code, errOut, out, want)
	}
}

func TestJSONOutput(t *testing.T) {
	up := editedUpstream(t, colorEdit...)
	devs := writeFile(t, "deviations.yaml", `deviations:
  - kind: status-only-upstream
    operation: GET /things
    reason: stale on purpose
`)
	code, out, errOut := runDrift(t, "-o", "json", "-spec", oursFile, "-deviations", devs, up)
	if code != 1 || errOut != "" {
		t.Fatalf("exit %d, stderr %q; want 1 and nothing", code, errOut)
	}
	var got specdrift.Report
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, out)
	}
	want := specdrift.Report{
		Upstream: up, Spec: oursFile, Deviations: devs,
		Findings: []specdrift.Finding{{
			Kind:       "property-only-upstream",
			Operations: []string{"GET /things", "GET /things/{id}", "POST /things"},
			Where:      []string{"response 200: [].color", "response 200: color"},
			Value:      "color",
			Detail:     "the provider has property color; openapi.yaml does not",
			Upstream:   "#/components/schemas/ThingObject/properties/color",
			Ours:       "#/components/schemas/Thing/properties",
			OursLine:   82,
		}},
		Stale: []specdrift.Deviation{{Kind: "status-only-upstream", Operation: "GET /things", Reason: "stale on purpose", Line: 2}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report:\n%+v\nwant:\n%+v", got, want)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "missing.yaml")
	cases := []struct {
		name string
		args []string
		want string // stderr, after the temporary directory is replaced by DIR
	}{
		{"no file", nil, "specdrift: name one file: the provider's OpenAPI document (usage: specdrift [-o text|json] UPSTREAM)\n"},
		{"two files", []string{upstreamFile, upstreamFile}, "specdrift: name one file: the provider's OpenAPI document (usage: specdrift [-o text|json] UPSTREAM)\n"},
		{"bad output format", []string{"-o", "xml", upstreamFile}, "specdrift: -o must be text or json, not xml\n"},
		{"missing", []string{missing}, "specdrift: DIR/missing.yaml: no such file\n"},
		{"directory", []string{dir}, "specdrift: DIR: is a directory, not a file\n"},
		{"not YAML", []string{file("broken.yaml", "a: [1, 2\n")}, "specdrift: DIR/broken.yaml: is neither YAML nor JSON: yaml: line 1: did not find expected ',' or ']'\n"},
		{"binary", []string{file("data.bin", "\x00\x01\x02")}, "specdrift: DIR/data.bin: is neither YAML nor JSON: yaml: control characters are not allowed\n"},
		{"empty", []string{file("empty.yaml", "")}, "specdrift: DIR/empty.yaml: is not an OpenAPI document (it is not a mapping with an openapi field)\n"},
		{"not OpenAPI", []string{file("other.json", `{"name": "a package"}`)}, "specdrift: DIR/other.json: is not an OpenAPI document (it has no openapi field)\n"},
		{"Swagger 2", []string{file("swagger.yaml", "swagger: \"2.0\"\npaths: {}\n")}, "specdrift: DIR/swagger.yaml: is Swagger 2.0; this tool reads OpenAPI 3.0 and 3.1 (convert it first)\n"},
		{"OpenAPI 3.2", []string{file("v32.yaml", "openapi: 3.2.0\npaths: {}\n")}, "specdrift: DIR/v32.yaml: is OpenAPI 3.2.0; this tool reads OpenAPI 3.0 and 3.1\n"},
		{"no paths", []string{file("nopaths.json", `{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}`)}, "specdrift: DIR/nopaths.json: has no paths to compare\n"},
		{
			"another API",
			[]string{file("petstore.yaml", "openapi: 3.0.3\ninfo: {title: pets, version: \"1\"}\npaths:\n  /pets:\n    get:\n      responses:\n        \"200\":\n          description: ok\n")},
			"specdrift: DIR/petstore.yaml: has no path under /things, where ../../specdrift/testdata/ours.yaml has its operations: is it the provider's document?\n",
		},
		{
			"external reference",
			[]string{file("external.yaml", "openapi: 3.0.3\ninfo: {title: x, version: \"1\"}\npaths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          $ref: \"other.yaml#/x\"\n")},
			"specdrift: DIR/external.yaml: is not a loadable OpenAPI document: encountered disallowed external reference: \"other.yaml#/x\"\n",
		},
		{"project document missing", []string{"-spec", missing, "-deviations", "", upstreamFile}, "specdrift: DIR/missing.yaml: no such file\n"},
		{"deviations missing", []string{"-spec", oursFile, "-deviations", missing, upstreamFile}, "specdrift: DIR/missing.yaml: no such file\n"},
		{
			"deviation without reason",
			[]string{"-spec", oursFile, "-deviations", file("d1.yaml", "deviations:\n  - kind: type\n    ours: \"#/x\"\n"), upstreamFile},
			"specdrift: DIR/d1.yaml:2: a deviation needs a reason\n",
		},
		{
			"deviation with an unknown key",
			[]string{"-spec", oursFile, "-deviations", file("d2.yaml", "deviations:\n  - kind: type\n    our: \"#/x\"\n    reason: r\n"), upstreamFile},
			"specdrift: DIR/d2.yaml:3: unknown key our (known: kind, operation, ours, upstream, value, reason)\n",
		},
		{
			"deviation with an unknown kind",
			[]string{"-spec", oursFile, "-deviations", file("d3.yaml", "deviations:\n  - kind: property-added\n    ours: \"#/x\"\n    reason: r\n"), upstreamFile},
			"specdrift: DIR/d3.yaml:2: kind property-added matches no kind of finding (known: " + strings.Join(specdrift.Kinds, ", ") + ")\n",
		},
		{
			"deviation selecting everything",
			[]string{"-spec", oursFile, "-deviations", file("d4.yaml", "deviations:\n  - kind: \"*\"\n    reason: r\n"), upstreamFile},
			"specdrift: DIR/d4.yaml:2: a deviation needs at least one of operation, ours, upstream\n",
		},
		{
			"deviation pointer without #",
			[]string{"-spec", oursFile, "-deviations", file("d5.yaml", "deviations:\n  - kind: type\n    ours: /components\n    reason: r\n"), upstreamFile},
			"specdrift: DIR/d5.yaml:2: ours /components is not a JSON pointer (it starts with #/)\n",
		},
		{
			"deviations not a list",
			[]string{"-spec", oursFile, "-deviations", file("d6.yaml", "deviations: {kind: type}\n"), upstreamFile},
			"specdrift: DIR/d6.yaml:1: deviations must be a list\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if !slices.Contains(args, "-spec") {
				args = append([]string{"-spec", oursFile, "-deviations", ""}, args...)
			}
			code, out, errOut := runDrift(t, args...)
			errOut = strings.ReplaceAll(errOut, dir, "DIR")
			if code != 2 || out != "" || errOut != c.want {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2, no stdout, and:\n%s", code, out, errOut, c.want)
			}
		})
	}
}

// TestProviderDocumentIsQuiet compares the repository's openapi.yaml with the provider's document
// of 2026-04-28, which the deviations file accounts for in full.
func TestProviderDocumentIsQuiet(t *testing.T) {
	const provider = "../../../../shared/reference/together-openapi.yaml"
	if _, err := os.Stat(provider); err != nil {
		t.Skipf("the provider's document is not beside the repository (%s): %v", provider, err)
	}
	code, out, errOut := runDrift(t, "-spec", "../../../openapi.yaml", "-deviations", "../../../openapi-deviations.yaml", provider)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stderr %q; want 0 and nothing. Findings:\n%s", code, errOut, out)
	}
}

func TestPathLevelParameterIsTheSameParameter(t *testing.T) {
	// The provider writes the id parameter once for the path; openapi.yaml on the operation.
	up := editedUpstream(t,
		"  /things/{thingId}:\n    get:\n      parameters:\n        - name: thingId\n          in: path\n          required: true\n          schema:\n            type: string\n",
		"  /things/{thingId}:\n    parameters:\n      - name: thingId\n        in: path\n        required: true\n        schema:\n          type: string\n    get:\n")
	code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", "", up)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and nothing", code, out, errOut)
	}
}

func TestRecursiveSchemas(t *testing.T) {
	data, err := os.ReadFile(oursFile)
	if err != nil {
		t.Fatal(err)
	}
	ours := writeFile(t, "ours.yaml", strings.Replace(string(data),
		"        size:\n          type: integer\n", "        size:\n          type: integer\n        parent:\n          $ref: \"#/components/schemas/Thing\"\n", 1))
	up := editedUpstream(t, "        size:\n          type: integer\n        note:",
		"        size:\n          type: integer\n        parent:\n          $ref: \"#/components/schemas/ThingObject\"\n        color:\n          type: string\n        note:")
	code, out, errOut := runDrift(t, "-spec", ours, "-deviations", "", up)
	want := "GET /things, GET /things/{id}, POST /things response 200: [].color (and 1 more): the provider has property color; openapi.yaml does not [property-only-upstream] upstream #/components/schemas/ThingObject/properties/color; ours #/components/schemas/Thing/properties (ours.yaml:82)\n"
	if code != 1 || out != want || errOut != "" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 1 and:\n%s", code, errOut, out, want)
	}
}

func TestAllOfIsOneObject(t *testing.T) {
	// The provider composes its thing from two parts; openapi.yaml writes one object.
	up := editedUpstream(t,
		"    ThingObject:\n      type: object\n      required: [id, state]\n      properties:\n        id:\n          type: string\n",
		"    ThingObject:\n      allOf:\n        - $ref: \"#/components/schemas/ThingCore\"\n        - type: object\n          required: [id]\n          properties:\n            id:\n              type: string\n"+
			"    ThingCore:\n      type: object\n      required: [state]\n      properties:\n")
	code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", "", up)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and nothing", code, out, errOut)
	}
	// A property the core gains is located in the core.
	up = editedUpstream(t,
		"    ThingObject:\n      type: object\n      required: [id, state]\n      properties:\n        id:\n          type: string\n",
		"    ThingObject:\n      allOf:\n        - $ref: \"#/components/schemas/ThingCore\"\n        - type: object\n          required: [id]\n          properties:\n            id:\n              type: string\n"+
			"    ThingCore:\n      type: object\n      required: [state]\n      properties:\n        color:\n          type: string\n")
	code, out, errOut = runDrift(t, "-spec", oursFile, "-deviations", "", up)
	want := "GET /things, GET /things/{id}, POST /things response 200: [].color (and 1 more): the provider has property color; openapi.yaml does not [property-only-upstream] upstream #/components/schemas/ThingCore/properties/color; ours #/components/schemas/Thing/properties (ours.yaml:82)\n"
	if code != 1 || out != want || errOut != "" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 1 and:\n%s", code, errOut, out, want)
	}
}

func TestOverlappingDeviationsAreBothInUse(t *testing.T) {
	up := editedUpstream(t, colorEdit...)
	devs := writeFile(t, "deviations.yaml", `deviations:
  - kind: property-only-upstream
    upstream: "#/components/schemas/ThingObject/properties/color"
    reason: We do not show colours.
  - kind: "*-only-upstream"
    operation: GET /things
    reason: openapi.yaml describes only part of the list.
`)
	// The second entry covers the finding in GET /things only; the first covers it everywhere.
	code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", devs, up)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and nothing", code, out, errOut)
	}
}

func TestDeviationScopedToOneOperationLeavesTheOthers(t *testing.T) {
	up := editedUpstream(t, colorEdit...)
	devs := writeFile(t, "deviations.yaml", `deviations:
  - kind: "*-only-upstream"
    operation: GET /things
    reason: openapi.yaml describes only part of the list.
`)
	code, out, errOut := runDrift(t, "-spec", oursFile, "-deviations", devs, up)
	want := "GET /things/{id}, POST /things response 200: color: the provider has property color; openapi.yaml does not [property-only-upstream] upstream #/components/schemas/ThingObject/properties/color; ours #/components/schemas/Thing/properties (ours.yaml:82)\n"
	if code != 1 || out != want || errOut != "" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 1 and:\n%s", code, errOut, out, want)
	}
}
