package specdrift

import (
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// index knows, for a loaded document, the JSON pointer (as a URI fragment, "#/components/...") of
// the place that defines each schema, parameter and response, so that a finding can say where to
// look. A schema reached through a $ref is located at the component that defines it.
type index struct {
	schemas   map[*openapi3.Schema]string
	params    map[*openapi3.Parameter]string
	responses map[*openapi3.Response]string
	bodies    map[*openapi3.RequestBody]string
	// props locates the properties of schemas made by merging a union's branches: each property
	// stays where its branch defines it.
	props map[*openapi3.Schema]map[string]string
}

// escape escapes one JSON pointer segment (RFC 6901).
func escape(seg string) string {
	return strings.ReplaceAll(strings.ReplaceAll(seg, "~", "~0"), "/", "~1")
}

// pointer joins segments onto a pointer.
func pointer(base string, segs ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(escape(s))
	}
	return b.String()
}

// operationPointer is the pointer of an operation: #/paths/~1evaluation~1{id}/get.
func operationPointer(path, method string) string {
	return pointer("#/paths", path, strings.ToLower(method))
}

func buildIndex(doc *openapi3.T) *index {
	ix := &index{
		schemas:   map[*openapi3.Schema]string{},
		params:    map[*openapi3.Parameter]string{},
		responses: map[*openapi3.Response]string{},
		bodies:    map[*openapi3.RequestBody]string{},
		props:     map[*openapi3.Schema]map[string]string{},
	}
	// Components first, so that a shared schema is located where it is defined.
	if c := doc.Components; c != nil {
		for _, name := range sortedKeys(c.Schemas) {
			ix.schema(c.Schemas[name], pointer("#/components/schemas", name))
		}
		for _, name := range sortedKeys(c.Parameters) {
			ix.param(c.Parameters[name], pointer("#/components/parameters", name))
		}
		for _, name := range sortedKeys(c.RequestBodies) {
			ix.body(c.RequestBodies[name], pointer("#/components/requestBodies", name))
		}
		for _, name := range sortedKeys(c.Responses) {
			ix.response(c.Responses[name], pointer("#/components/responses", name))
		}
	}
	if doc.Paths == nil {
		return ix
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		pp := pointer("#/paths", path)
		for i, p := range item.Parameters {
			ix.param(p, pointer(pp, "parameters", strconv.Itoa(i)))
		}
		for method, op := range item.Operations() {
			op := op
			opp := pointer(pp, strings.ToLower(method))
			for i, p := range op.Parameters {
				ix.param(p, pointer(opp, "parameters", strconv.Itoa(i)))
			}
			if op.RequestBody != nil {
				ix.body(op.RequestBody, pointer(opp, "requestBody"))
			}
			if op.Responses != nil {
				for code, r := range op.Responses.Map() {
					ix.response(r, pointer(opp, "responses", code))
				}
			}
		}
	}
	return ix
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// refPointer returns the pointer a local $ref names, or "" for no ref.
func refPointer(ref string) string {
	if strings.HasPrefix(ref, "#/") {
		return ref
	}
	return ""
}

func (ix *index) param(ref *openapi3.ParameterRef, at string) {
	if ref == nil || ref.Value == nil {
		return
	}
	if p := refPointer(ref.Ref); p != "" {
		at = p
	}
	if _, ok := ix.params[ref.Value]; ok {
		return
	}
	ix.params[ref.Value] = at
	ix.schema(ref.Value.Schema, at+"/schema")
	ix.content(ref.Value.Content, at)
}

func (ix *index) body(ref *openapi3.RequestBodyRef, at string) {
	if ref == nil || ref.Value == nil {
		return
	}
	if p := refPointer(ref.Ref); p != "" {
		at = p
	}
	if _, ok := ix.bodies[ref.Value]; ok {
		return
	}
	ix.bodies[ref.Value] = at
	ix.content(ref.Value.Content, at)
}

func (ix *index) response(ref *openapi3.ResponseRef, at string) {
	if ref == nil || ref.Value == nil {
		return
	}
	if p := refPointer(ref.Ref); p != "" {
		at = p
	}
	if _, ok := ix.responses[ref.Value]; ok {
		return
	}
	ix.responses[ref.Value] = at
	ix.content(ref.Value.Content, at)
	for _, name := range sortedKeys(ref.Value.Headers) {
		h := ref.Value.Headers[name]
		if h != nil && h.Value != nil {
			ix.schema(h.Value.Schema, pointer(at, "headers", name, "schema"))
		}
	}
}

func (ix *index) content(c openapi3.Content, at string) {
	for _, mt := range sortedKeys(c) {
		if c[mt] != nil {
			ix.schema(c[mt].Schema, pointer(at, "content", mt, "schema"))
		}
	}
}

func (ix *index) schema(ref *openapi3.SchemaRef, at string) {
	if ref == nil || ref.Value == nil {
		return
	}
	if p := refPointer(ref.Ref); p != "" {
		at = p
	}
	s := ref.Value
	if _, ok := ix.schemas[s]; ok {
		return
	}
	ix.schemas[s] = at
	for _, name := range sortedKeys(s.Properties) {
		ix.schema(s.Properties[name], pointer(at, "properties", name))
	}
	ix.schema(s.Items, at+"/items")
	ix.schema(s.AdditionalProperties.Schema, at+"/additionalProperties")
	ix.schema(s.Not, at+"/not")
	for kw, list := range map[string]openapi3.SchemaRefs{"oneOf": s.OneOf, "anyOf": s.AnyOf, "allOf": s.AllOf} {
		for i, b := range list {
			ix.schema(b, pointer(at, kw, strconv.Itoa(i)))
		}
	}
}

// schemaAt is where a schema is defined, or fallback when the index does not know it.
func (ix *index) schemaAt(s *openapi3.Schema, fallback string) string {
	if p, ok := ix.schemas[s]; ok {
		return p
	}
	return fallback
}

// propertyAt is where the property name of the object schema s is defined.
func (ix *index) propertyAt(s *openapi3.Schema, name, fallback string) string {
	if m, ok := ix.props[s]; ok {
		if p, ok := m[name]; ok {
			return p
		}
	}
	return pointer(ix.schemaAt(s, fallback), "properties", name)
}
