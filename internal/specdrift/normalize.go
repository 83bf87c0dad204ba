package specdrift

import (
	"reflect"
	"slices"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// normalize brings a document's schemas to the one form both sides are compared in, in place:
//
//   - a "null" among a 3.1 type list becomes nullable: true;
//   - const becomes a one-value enum;
//   - a oneOf or anyOf branch that is only {type: null} becomes nullable: true, and a union left
//     with one branch becomes that branch;
//   - an allOf whose parts are all objects becomes one object with every part's properties;
//   - a oneOf or anyOf whose branches are all objects becomes one object: every branch's
//     properties (each located where its branch defines it), required where every branch requires
//     it, enums of a property shared by several branches joined.
//
// The index must have been built first: schemas made here are located from the ones they come from.
func (d *document) normalize() {
	n := &normalizer{ix: d.idx, done: map[*openapi3.Schema]bool{}, replaced: map[*openapi3.Schema]*openapi3.Schema{}}
	if c := d.doc.Components; c != nil {
		for _, name := range sortedKeys(c.Schemas) {
			n.ref(c.Schemas[name])
		}
		for _, name := range sortedKeys(c.Parameters) {
			if p := c.Parameters[name]; p != nil && p.Value != nil {
				n.ref(p.Value.Schema)
				n.content(p.Value.Content)
			}
		}
		for _, name := range sortedKeys(c.RequestBodies) {
			if b := c.RequestBodies[name]; b != nil && b.Value != nil {
				n.content(b.Value.Content)
			}
		}
		for _, name := range sortedKeys(c.Responses) {
			n.response(c.Responses[name])
		}
	}
	for _, path := range d.doc.Paths.InMatchingOrder() {
		item := d.doc.Paths.Value(path)
		pathParams(item)
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p != nil && p.Value != nil {
					n.ref(p.Value.Schema)
					n.content(p.Value.Content)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				n.content(op.RequestBody.Value.Content)
			}
			if op.Responses != nil {
				for _, r := range op.Responses.Map() {
					n.response(r)
				}
			}
		}
	}
}

// pathParams moves a path's parameters into each of its operations that does not define the same
// one, so that a parameter compares the same whether a document writes it once for the path or
// on each operation.
func pathParams(item *openapi3.PathItem) {
	if len(item.Parameters) == 0 {
		return
	}
	for _, op := range item.Operations() {
		for _, p := range item.Parameters {
			if p == nil || p.Value == nil || op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) != nil {
				continue
			}
			op.Parameters = append(op.Parameters, p)
		}
	}
	item.Parameters = nil
}

type normalizer struct {
	ix       *index
	done     map[*openapi3.Schema]bool
	replaced map[*openapi3.Schema]*openapi3.Schema // a one-branch union and the branch it became
}

func (n *normalizer) response(r *openapi3.ResponseRef) {
	if r == nil || r.Value == nil {
		return
	}
	n.content(r.Value.Content)
	for _, h := range r.Value.Headers {
		if h != nil && h.Value != nil {
			n.ref(h.Value.Schema)
		}
	}
}

func (n *normalizer) content(c openapi3.Content) {
	for _, mt := range c {
		if mt != nil {
			n.ref(mt.Schema)
		}
	}
}

// ref normalizes the schema a reference points to, and may replace ref.Value when a union
// collapses to one branch.
func (n *normalizer) ref(ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	s := ref.Value
	if r, ok := n.replaced[s]; ok {
		ref.Value = r
		return
	}
	if n.done[s] {
		return
	}
	n.done[s] = true

	// Children first: a union's branches are in their final form before they are merged.
	for _, name := range sortedKeys(s.Properties) {
		n.ref(s.Properties[name])
	}
	n.ref(s.Items)
	n.ref(s.AdditionalProperties.Schema)
	n.ref(s.Not)
	for _, list := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
		for _, b := range list {
			n.ref(b)
		}
	}

	// 3.1 spellings.
	if s.Type != nil && len(*s.Type) > 1 && s.Type.Includes("null") {
		t := slices.DeleteFunc(slices.Clone(*s.Type), func(x string) bool { return x == "null" })
		s.Type = (*openapi3.Types)(&t)
		s.Nullable = true
	}
	if s.Const != nil && len(s.Enum) == 0 {
		s.Enum = []any{s.Const}
		if s.Type == nil {
			if t := jsonType(s.Const); t != "" {
				s.Type = &openapi3.Types{t}
			}
		}
		s.Const = nil
	}
	if v := s.ExclusiveMin.Value; v != nil && s.Min == nil {
		t := true
		s.Min, s.ExclusiveMin = v, openapi3.ExclusiveBound{Bool: &t}
	}
	if v := s.ExclusiveMax.Value; v != nil && s.Max == nil {
		t := true
		s.Max, s.ExclusiveMax = v, openapi3.ExclusiveBound{Bool: &t}
	}
	s.OneOf = n.dropNull(s, s.OneOf)
	s.AnyOf = n.dropNull(s, s.AnyOf)

	// A union left with one branch is that branch, if the holder says nothing else that matters.
	for _, list := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		if len(list) == 1 && bare(s) {
			b := *list[0].Value
			b.Nullable = b.Nullable || s.Nullable
			n.ix.schemas[&b] = n.ix.schemaAt(list[0].Value, n.ix.schemaAt(s, ""))
			if m, ok := n.ix.props[list[0].Value]; ok {
				n.ix.props[&b] = m
			}
			n.done[&b] = true
			n.replaced[s] = &b
			ref.Value = &b
			return
		}
	}

	// An allOf of objects is one object: every part's properties, required where a part requires.
	if len(s.AllOf) > 0 && allObjects(s.AllOf) && (s.Type == nil || len(*s.Type) == 0 || s.Type.Is(openapi3.TypeObject)) {
		props, origins := openapi3.Schemas{}, map[string]string{}
		for name, p := range s.Properties {
			props[name], origins[name] = p, n.ix.propertyAt(s, name, "")
		}
		required := slices.Clone(s.Required)
		for _, part := range s.AllOf {
			for _, name := range sortedKeys(part.Value.Properties) {
				if _, ok := props[name]; !ok {
					props[name], origins[name] = part.Value.Properties[name], n.ix.propertyAt(part.Value, name, "")
				}
			}
			for _, r := range part.Value.Required {
				if !slices.Contains(required, r) {
					required = append(required, r)
				}
			}
		}
		sort.Strings(required)
		s.AllOf = nil
		s.Type = &openapi3.Types{openapi3.TypeObject}
		s.Properties, s.Required = props, required
		n.ix.props[s] = origins
	}

	// A union of objects is one object.
	for _, list := range []*openapi3.SchemaRefs{&s.OneOf, &s.AnyOf} {
		if len(*list) < 2 || len(s.Properties) > 0 || !allObjects(*list) {
			continue
		}
		props, origins, required := n.merge(*list)
		*list = nil
		s.Discriminator = nil
		s.Type = &openapi3.Types{openapi3.TypeObject}
		s.Properties = props
		s.Required = required
		n.ix.props[s] = origins
	}

	n.title(s.OneOf)
	n.title(s.AnyOf)
}

// title names each branch of a union by its type, when no two branches share one, so that
// oasdiff pairs the branches of the two documents by type rather than by component name (the
// provider's document and openapi.yaml name their components differently). Titles are left out of
// the comparison itself. The branches are copies: a component may be a branch of several unions.
func (n *normalizer) title(list openapi3.SchemaRefs) {
	if len(list) < 2 {
		return
	}
	seen := map[string]bool{}
	for _, b := range list {
		t := types(b.Value)
		if t == "none" || t == "oneOf" || t == "anyOf" || seen[t] {
			return
		}
		seen[t] = true
	}
	for i, b := range list {
		c := *b.Value
		c.Title = types(b.Value)
		n.ix.schemas[&c] = n.ix.schemaAt(b.Value, "")
		if m, ok := n.ix.props[b.Value]; ok {
			n.ix.props[&c] = m
		}
		n.done[&c] = true
		list[i] = &openapi3.SchemaRef{Value: &c}
	}
}

// jsonType is the JSON Schema type of a decoded JSON value ("" for null).
func jsonType(v any) string {
	switch v.(type) {
	case string:
		return openapi3.TypeString
	case bool:
		return openapi3.TypeBoolean
	case float64, float32:
		return openapi3.TypeNumber
	case int, int64, int32, uint64:
		return openapi3.TypeInteger
	case map[string]any:
		return openapi3.TypeObject
	case []any:
		return openapi3.TypeArray
	}
	return ""
}

// dropNull removes {type: null} branches of a union and makes s nullable instead.
func (n *normalizer) dropNull(s *openapi3.Schema, list openapi3.SchemaRefs) openapi3.SchemaRefs {
	out := list[:0:0]
	for _, b := range list {
		if b != nil && b.Value != nil && b.Value.Type != nil && len(*b.Value.Type) == 1 && b.Value.Type.Is("null") {
			s.Nullable = true
			continue
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// bare reports whether a schema holding a one-branch union says nothing but the union, its
// nullability and prose.
func bare(s *openapi3.Schema) bool {
	c := *s
	c.OneOf, c.AnyOf = nil, nil
	c.Nullable = false
	c.Description, c.Title, c.Example, c.Examples = "", "", nil, nil
	c.Extensions, c.Origin = nil, nil
	return reflect.ValueOf(c).IsZero()
}

func isObject(s *openapi3.Schema) bool {
	if s == nil || len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		return false
	}
	if s.Type != nil && len(*s.Type) > 0 {
		return s.Type.Is(openapi3.TypeObject)
	}
	return len(s.Properties) > 0
}

func allObjects(list openapi3.SchemaRefs) bool {
	for _, b := range list {
		if b == nil || !isObject(b.Value) {
			return false
		}
	}
	return true
}

// someRequired marks, in the required list of a merged union, a property that some but not all
// of the branches require, so that oasdiff reports a change in it like any change of required.
// No property name starts with a NUL byte.
const someRequired = "\x00some:"

// merge joins the branches of a union of objects: their properties, where each is defined, and
// the properties every branch requires (and, marked, those that only some branches require).
func (n *normalizer) merge(branches openapi3.SchemaRefs) (openapi3.Schemas, map[string]string, []string) {
	type occurrence struct {
		ref *openapi3.SchemaRef
		at  string
	}
	byName := map[string][]occurrence{}
	requiredIn := map[string]int{}
	for _, b := range branches {
		s := b.Value
		for _, name := range sortedKeys(s.Properties) {
			byName[name] = append(byName[name], occurrence{s.Properties[name], n.ix.propertyAt(s, name, "")})
		}
		for _, r := range s.Required {
			requiredIn[r]++
		}
	}
	props := openapi3.Schemas{}
	origins := map[string]string{}
	for name, occ := range byName {
		origins[name] = occ[0].at
		refs := make(openapi3.SchemaRefs, len(occ))
		for i, o := range occ {
			refs[i] = o.ref
		}
		props[name] = n.joinProperty(refs)
	}
	var required []string
	for name, k := range requiredIn {
		switch {
		case k == len(branches):
			required = append(required, name)
		case k > 0:
			required = append(required, someRequired+name)
		}
	}
	sort.Strings(required)
	return props, origins, required
}

// joinProperty is one schema for a property that several branches define: the first, unless
// they differ as objects (merged) or as enums of one type (values joined).
func (n *normalizer) joinProperty(refs openapi3.SchemaRefs) *openapi3.SchemaRef {
	first := refs[0]
	same := true
	for _, r := range refs[1:] {
		if r.Value != first.Value {
			same = false
		}
	}
	if same {
		return first
	}
	if allObjects(refs) {
		props, origins, required := n.merge(refs)
		m := *first.Value
		m.Properties, m.Required = props, required
		n.ix.schemas[&m] = n.ix.schemaAt(first.Value, "")
		n.ix.props[&m] = origins
		n.done[&m] = true
		return &openapi3.SchemaRef{Value: &m}
	}
	enums := true
	for _, r := range refs {
		if len(r.Value.Enum) == 0 || !reflect.DeepEqual(r.Value.Type, first.Value.Type) {
			enums = false
		}
	}
	if enums {
		m := *first.Value
		m.Enum = nil
		for _, r := range refs {
			for _, v := range r.Value.Enum {
				if !slices.ContainsFunc(m.Enum, func(x any) bool { return reflect.DeepEqual(x, v) }) {
					m.Enum = append(m.Enum, v)
				}
			}
		}
		n.ix.schemas[&m] = n.ix.schemaAt(first.Value, "")
		n.done[&m] = true
		return &openapi3.SchemaRef{Value: &m}
	}
	return first
}
