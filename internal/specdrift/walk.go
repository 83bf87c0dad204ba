package specdrift

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/diff"
)

// walker turns oasdiff's diff of openapi.yaml (base) against the provider's document (revision)
// into raw findings, locating each in both documents.
type walker struct {
	ours, up *document
	upPaths  map[*openapi3.PathItem]string // the provider's path items by their path
	out      []raw
	stack    map[*diff.SchemaDiff]bool // schema diffs being walked (recursive schemas)
}

// place is where a walk is: the operation, the part of it, and the property path inside a body.
type place struct {
	op, where, prop string
}

func (p place) at() string {
	if p.prop == "" {
		return p.where
	}
	return p.where + ": " + p.prop
}

func (p place) child(name string) place {
	if p.prop == "" {
		p.prop = name
	} else {
		p.prop += "." + name
	}
	return p
}

func (w *walker) add(kind string, p place, value, detail, upstream, ours string) {
	w.out = append(w.out, raw{kind: kind, op: p.op, where: p.at(), value: value, detail: detail, upstream: upstream, ours: ours})
}

// everyOperation stands for the operation of a finding that concerns them all.
const everyOperation = "(every operation)"

// servers reports the server URLs (the base URL of every operation) that only one side lists.
func (w *walker) servers(d *diff.Diff) {
	if d == nil || d.ServersDiff == nil {
		return
	}
	p := place{op: everyOperation, where: "server URL"}
	for _, u := range d.ServersDiff.Added {
		w.add(KindServerOnlyUpstream, p, u, "the provider's document lists server "+u+"; openapi.yaml does not", serverAt(w.up.doc, u), "#/servers")
	}
	for _, u := range d.ServersDiff.Deleted {
		w.add(KindServerOnlyOurs, p, u, "openapi.yaml lists server "+u+"; the provider's document does not", "#/servers", serverAt(w.ours.doc, u))
	}
}

func serverAt(doc *openapi3.T, url string) string {
	for i, s := range doc.Servers {
		if s != nil && s.URL == url {
			return pointer("#/servers", strconv.Itoa(i))
		}
	}
	return "#/servers"
}

func (w *walker) paths(d *diff.Diff) {
	if d == nil || d.PathsDiff == nil {
		return
	}
	pd := d.PathsDiff
	for _, path := range pd.Added {
		item := w.up.doc.Paths.Value(path)
		for _, m := range methods(item) {
			w.add(KindOperationOnlyUpstream, place{op: m + " " + path, where: "operation"}, "",
				"the provider has this operation; openapi.yaml does not", operationPointer(path, m), "#/paths")
		}
	}
	for _, path := range pd.Deleted {
		item := w.ours.doc.Paths.Value(path)
		for _, m := range methods(item) {
			w.add(KindOperationOnlyOurs, place{op: m + " " + path, where: "operation"}, "",
				"openapi.yaml has this operation; the provider does not", "#/paths", operationPointer(path, m))
		}
	}
	for _, path := range sortedKeys(pd.Modified) {
		pathDiff := pd.Modified[path]
		upPath := w.upPaths[pathDiff.Revision]
		if upPath == "" {
			upPath = path
		}
		od := pathDiff.OperationsDiff
		if od == nil {
			continue
		}
		for _, m := range od.Added {
			w.add(KindOperationOnlyUpstream, place{op: m + " " + path, where: "operation"}, "",
				"the provider has this operation; openapi.yaml does not", operationPointer(upPath, m), pointer("#/paths", path))
		}
		for _, m := range od.Deleted {
			w.add(KindOperationOnlyOurs, place{op: m + " " + path, where: "operation"}, "",
				"openapi.yaml has this operation; the provider does not", pointer("#/paths", upPath), operationPointer(path, m))
		}
		for _, m := range sortedKeys(od.Modified) {
			w.method(m, path, upPath, od.Modified[m])
		}
	}
}

func methods(item *openapi3.PathItem) []string {
	if item == nil {
		return nil
	}
	ms := make([]string, 0, 2)
	for m := range item.Operations() {
		ms = append(ms, strings.ToUpper(m))
	}
	sort.Strings(ms)
	return ms
}

func (w *walker) method(m, path, upPath string, md *diff.MethodDiff) {
	op := strings.ToUpper(m) + " " + path
	oursOp, upOp := operationPointer(path, m), operationPointer(upPath, m)
	if pd := md.ParametersDiff; pd != nil {
		for _, in := range sortedKeys(pd.Added) {
			for _, name := range pd.Added[in] {
				p := place{op: op, where: "parameter " + in + " " + name}
				w.add(KindParameterOnlyUpstream, p, name, "the provider has this "+in+" parameter; openapi.yaml does not",
					w.paramAt(w.up, md.Revision, in, name, upOp), oursOp+"/parameters")
			}
		}
		for _, in := range sortedKeys(pd.Deleted) {
			for _, name := range pd.Deleted[in] {
				p := place{op: op, where: "parameter " + in + " " + name}
				w.add(KindParameterOnlyOurs, p, name, "openapi.yaml has this "+in+" parameter; the provider does not",
					upOp+"/parameters", w.paramAt(w.ours, md.Base, in, name, oursOp))
			}
		}
		for _, in := range sortedKeys(pd.Modified) {
			for _, name := range sortedKeys(pd.Modified[in]) {
				w.parameter(place{op: op, where: "parameter " + in + " " + name}, name, pd.Modified[in][name])
			}
		}
	}
	if rb := md.RequestBodyDiff; rb != nil {
		p := place{op: op, where: "request body"}
		oursBody, upBody := oursOp+"/requestBody", upOp+"/requestBody"
		if md.Base != nil && md.Base.RequestBody != nil {
			if at, ok := w.ours.idx.bodies[md.Base.RequestBody.Value]; ok {
				oursBody = at
			}
		}
		if md.Revision != nil && md.Revision.RequestBody != nil {
			if at, ok := w.up.idx.bodies[md.Revision.RequestBody.Value]; ok {
				upBody = at
			}
		}
		switch {
		case rb.Added:
			w.add(KindRequestBodyOnlyUpstream, p, "", "the provider's operation takes a request body; openapi.yaml's does not", upBody, oursOp)
		case rb.Deleted:
			w.add(KindRequestBodyOnlyOurs, p, "", "openapi.yaml's operation takes a request body; the provider's does not", upOp, oursBody)
		}
		if rb.RequiredDiff != nil {
			w.add(requiredKind(rb.RequiredDiff, KindRequestBodyRequiredOnlyUpstream, KindRequestBodyRequiredOnlyOurs), p, "", requiredDetail(rb.RequiredDiff), upBody, oursBody)
		}
		w.content(p, rb.ContentDiff, upBody, oursBody)
	}
	if rd := md.ResponsesDiff; rd != nil {
		for _, code := range rd.Added {
			w.add(KindStatusOnlyUpstream, place{op: op, where: "response " + code}, code,
				"the provider answers "+code+"; openapi.yaml does not say so", pointer(upOp, "responses", code), oursOp+"/responses")
		}
		for _, code := range rd.Deleted {
			w.add(KindStatusOnlyOurs, place{op: op, where: "response " + code}, code,
				"openapi.yaml answers "+code+"; the provider's document does not say so", upOp+"/responses", pointer(oursOp, "responses", code))
		}
		for _, code := range sortedKeys(rd.Modified) {
			r := rd.Modified[code]
			p := place{op: op, where: "response " + code}
			oursR, upR := pointer(oursOp, "responses", code), pointer(upOp, "responses", code)
			if at, ok := w.ours.idx.responses[r.Base]; ok {
				oursR = at
			}
			if at, ok := w.up.idx.responses[r.Revision]; ok {
				upR = at
			}
			if hd := r.HeadersDiff; hd != nil {
				for _, h := range hd.Added {
					w.add(KindHeaderOnlyUpstream, p, h, "the provider sends header "+h+"; openapi.yaml does not say so", pointer(upR, "headers", h), oursR)
				}
				for _, h := range hd.Deleted {
					w.add(KindHeaderOnlyOurs, p, h, "openapi.yaml sends header "+h+"; the provider's document does not say so", upR, pointer(oursR, "headers", h))
				}
				for _, h := range sortedKeys(hd.Modified) {
					if sd := hd.Modified[h].SchemaDiff; sd != nil {
						w.schema(place{op: op, where: "response " + code + " header " + h}, sd, pointer(upR, "headers", h, "schema"), pointer(oursR, "headers", h, "schema"))
					}
				}
			}
			w.content(p, r.ContentDiff, upR, oursR)
		}
	}
}

// paramAt locates the parameter in/name of an operation (or the operation, if it is not found).
func (w *walker) paramAt(d *document, op *openapi3.Operation, in, name, fallback string) string {
	if op != nil {
		for _, p := range op.Parameters {
			if p != nil && p.Value != nil && p.Value.In == in && p.Value.Name == name {
				if at, ok := d.idx.params[p.Value]; ok {
					return at
				}
			}
		}
	}
	return fallback
}

func (w *walker) parameter(p place, name string, pd *diff.ParameterDiff) {
	oursAt, upAt := w.ours.idx.params[pd.Base], w.up.idx.params[pd.Revision]
	if pd.RequiredDiff != nil {
		w.add(requiredKind(pd.RequiredDiff, KindParameterRequiredOnlyUpstream, KindParameterRequiredOnlyOurs), p, name, requiredDetail(pd.RequiredDiff), upAt, oursAt)
	}
	if pd.SchemaDiff != nil {
		w.schema(p, pd.SchemaDiff, upAt+"/schema", oursAt+"/schema")
	}
	w.content(p, pd.ContentDiff, upAt, oursAt)
}

func requiredKind(v *diff.ValueDiff, upstream, ours string) string {
	if v.To == true {
		return upstream
	}
	return ours
}

func requiredDetail(v *diff.ValueDiff) string {
	if v.To == true {
		return "required upstream, optional in ours"
	}
	return "optional upstream, required in ours"
}

func (w *walker) content(p place, cd *diff.ContentDiff, upOwner, oursOwner string) {
	if cd == nil {
		return
	}
	for _, mt := range cd.MediaTypeAdded {
		w.add(KindMediaTypeOnlyUpstream, p, mt, "the provider has media type "+mt+"; openapi.yaml does not", pointer(upOwner, "content", mt), oursOwner+"/content")
	}
	for _, mt := range cd.MediaTypeDeleted {
		w.add(KindMediaTypeOnlyOurs, p, mt, "openapi.yaml has media type "+mt+"; the provider's document does not", upOwner+"/content", pointer(oursOwner, "content", mt))
	}
	for _, mt := range sortedKeys(cd.MediaTypeModified) {
		md := cd.MediaTypeModified[mt]
		if md.SchemaDiff != nil {
			w.schema(p, md.SchemaDiff, pointer(upOwner, "content", mt, "schema"), pointer(oursOwner, "content", mt, "schema"))
		}
	}
}

// schema walks a schema diff; upAt and oursAt locate the schemas when the index does not.
func (w *walker) schema(p place, sd *diff.SchemaDiff, upAt, oursAt string) {
	if sd == nil || w.stack[sd] {
		return
	}
	w.stack[sd] = true
	defer delete(w.stack, sd)

	if sd.Base != nil {
		oursAt = w.ours.idx.schemaAt(sd.Base, oursAt)
	}
	if sd.Revision != nil {
		upAt = w.up.idx.schemaAt(sd.Revision, upAt)
	}
	if sd.SchemaAdded {
		w.add(KindType, p, "", "the provider describes it with a schema; openapi.yaml has none", upAt, oursAt)
		return
	}
	if sd.SchemaDeleted {
		w.add(KindType, p, "", "openapi.yaml describes it with a schema; the provider's document has none", upAt, oursAt)
		return
	}
	b, r := sd.Base, sd.Revision

	if sd.TypeDiff != nil {
		w.add(KindType, p, "", "type "+types(r)+" upstream, "+types(b)+" in ours", upAt, oursAt)
	}
	if sd.FormatDiff != nil {
		w.add(KindFormat, p, "", "format "+orNone(r.Format)+" upstream, "+orNone(b.Format)+" in ours", upAt, oursAt)
	}
	if ed := sd.EnumDiff; ed != nil {
		// Added and Deleted hold every value also when one side has no enum at all.
		for _, v := range ed.Added {
			s := fmt.Sprint(v)
			w.add(KindEnumOnlyUpstream, p, s, "enum value "+s+" only upstream", upAt, oursAt)
		}
		for _, v := range ed.Deleted {
			s := fmt.Sprint(v)
			w.add(KindEnumOnlyOurs, p, s, "enum value "+s+" only in ours", upAt, oursAt)
		}
	}
	if sd.NullableDiff != nil {
		if r.Nullable {
			w.add(KindNullableOnlyUpstream, p, "", "nullable upstream, not in ours", upAt, oursAt)
		} else {
			w.add(KindNullableOnlyOurs, p, "", "nullable in ours, not upstream", upAt, oursAt)
		}
	}
	w.bounds(p, sd, upAt, oursAt)
	if sd.DefaultDiff != nil && (r.Default != nil || b.Default != nil) {
		w.add(KindDefault, p, "", "default "+value(r.Default)+" upstream, "+value(b.Default)+" in ours", upAt, oursAt)
	}

	if rd := sd.RequiredDiff; rd != nil {
		w.required(p, b, r, append(slices.Clone(rd.Added), rd.Deleted...), upAt, oursAt)
	}
	if pd := sd.PropertiesDiff; pd != nil {
		for _, name := range pd.Added {
			w.add(KindPropertyOnlyUpstream, p.child(name), name, "the provider has property "+name+"; openapi.yaml does not",
				w.up.idx.propertyAt(r, name, upAt), oursAt+"/properties")
		}
		for _, name := range pd.Deleted {
			w.add(KindPropertyOnlyOurs, p.child(name), name, "openapi.yaml has property "+name+"; the provider's document does not",
				upAt+"/properties", w.ours.idx.propertyAt(b, name, oursAt))
		}
		for _, name := range sortedKeys(pd.Modified) {
			w.schema(p.child(name), pd.Modified[name], w.up.idx.propertyAt(r, name, upAt), w.ours.idx.propertyAt(b, name, oursAt))
		}
	}
	if sd.ItemsDiff != nil {
		w.schema(p.child("[]"), sd.ItemsDiff, upAt+"/items", oursAt+"/items")
	}
	if sd.AdditionalPropertiesDiff != nil {
		w.schema(p.child("*"), sd.AdditionalPropertiesDiff, upAt+"/additionalProperties", oursAt+"/additionalProperties")
	}
	w.union(p, "oneOf", sd.OneOfDiff, r.OneOf, b.OneOf, upAt, oursAt)
	w.union(p, "anyOf", sd.AnyOfDiff, r.AnyOf, b.AnyOf, upAt, oursAt)
	w.union(p, "allOf", sd.AllOfDiff, r.AllOf, b.AllOf, upAt, oursAt)
}

// required reports the properties whose requiredness differs: required (by every branch of a
// union), required by some branches only, or optional.
func (w *walker) required(p place, b, r *openapi3.Schema, names []string, upAt, oursAt string) {
	seen := map[string]bool{}
	for _, n := range names {
		name := strings.TrimPrefix(n, someRequired)
		if seen[name] || !hasProperty(b, name) || !hasProperty(r, name) {
			continue
		}
		seen[name] = true
		up, ours := requirednessOf(r, name), requirednessOf(b, name)
		if up == ours {
			continue
		}
		kind := KindPropertyRequiredOnlyOurs
		if up > ours {
			kind = KindPropertyRequiredOnlyUpstream
		}
		w.add(kind, p.child(name), name, up.String()+" upstream, "+ours.String()+" in ours",
			w.up.idx.propertyAt(r, name, upAt), w.ours.idx.propertyAt(b, name, oursAt))
	}
}

// requiredness is how a property is required: not, by some branches of a union, or always.
type requiredness int

const (
	optional requiredness = iota
	requiredBySome
	requiredByAll
)

func (q requiredness) String() string {
	switch q {
	case requiredByAll:
		return "required"
	case requiredBySome:
		return "required in some branches of the union"
	}
	return "optional"
}

func requirednessOf(s *openapi3.Schema, name string) requiredness {
	switch {
	case slices.Contains(s.Required, name):
		return requiredByAll
	case slices.Contains(s.Required, someRequired+name):
		return requiredBySome
	}
	return optional
}

func hasProperty(s *openapi3.Schema, name string) bool {
	_, ok := s.Properties[name]
	return ok
}

func (w *walker) union(p place, kw string, ud *diff.SubschemasDiff, upList, oursList openapi3.SchemaRefs, upAt, oursAt string) {
	if ud == nil {
		return
	}
	for _, s := range ud.Added {
		at := pointer(upAt, kw, fmt.Sprint(s.Index))
		if s.Index < len(upList) {
			at = w.up.idx.schemaAt(upList[s.Index].Value, at)
		}
		w.add(KindUnionOnlyUpstream, p, kw, fmt.Sprintf("%s branch %s only upstream", kw, branchName(upList, s, at)), at, oursAt)
	}
	for _, s := range ud.Deleted {
		at := pointer(oursAt, kw, fmt.Sprint(s.Index))
		if s.Index < len(oursList) {
			at = w.ours.idx.schemaAt(oursList[s.Index].Value, at)
		}
		w.add(KindUnionOnlyOurs, p, kw, fmt.Sprintf("%s branch %s only in ours", kw, branchName(oursList, s, at)), upAt, at)
	}
	for _, m := range ud.Modified {
		w.schema(p, m.Diff, pointer(upAt, kw, fmt.Sprint(m.Revision.Index)), pointer(oursAt, kw, fmt.Sprint(m.Base.Index)))
	}
}

// branchName names a union branch: its component, or its number and type.
func branchName(list openapi3.SchemaRefs, s diff.Subschema, at string) string {
	if s.Component != "" {
		return s.Component
	}
	if c, ok := strings.CutPrefix(at, "#/components/schemas/"); ok && !strings.Contains(c, "/") {
		return c
	}
	if s.Index < len(list) && list[s.Index] != nil {
		return fmt.Sprintf("#%d (%s)", s.Index+1, types(list[s.Index].Value))
	}
	return fmt.Sprintf("#%d", s.Index+1)
}

func (w *walker) bounds(p place, sd *diff.SchemaDiff, upAt, oursAt string) {
	b, r := sd.Base, sd.Revision
	check := func(d *diff.ValueDiff, keyword string, up, ours string) {
		if d == nil {
			return
		}
		kind := KindBoundDiffers
		switch {
		case ours == "none":
			kind = KindBoundOnlyUpstream
		case up == "none":
			kind = KindBoundOnlyOurs
		}
		w.add(kind, p, keyword, keyword+" "+up+" upstream, "+ours+" in ours", upAt, oursAt)
	}
	check(sd.MinDiff, "minimum", fptr(r.Min), fptr(b.Min))
	check(sd.MaxDiff, "maximum", fptr(r.Max), fptr(b.Max))
	check(sd.MinLengthDiff, "minLength", uzero(r.MinLength), uzero(b.MinLength))
	check(sd.MaxLengthDiff, "maxLength", uptr(r.MaxLength), uptr(b.MaxLength))
	check(sd.MinItemsDiff, "minItems", uzero(r.MinItems), uzero(b.MinItems))
	check(sd.MaxItemsDiff, "maxItems", uptr(r.MaxItems), uptr(b.MaxItems))
	check(sd.PatternDiff, "pattern", orNone(r.Pattern), orNone(b.Pattern))
	check(sd.ExclusiveMinDiff, "exclusiveMinimum", exclusive(r.ExclusiveMin), exclusive(b.ExclusiveMin))
	check(sd.ExclusiveMaxDiff, "exclusiveMaximum", exclusive(r.ExclusiveMax), exclusive(b.ExclusiveMax))
}

func exclusive(e openapi3.ExclusiveBound) string {
	switch {
	case e.Value != nil:
		return fmt.Sprint(*e.Value)
	case e.Bool != nil && *e.Bool:
		return "true"
	}
	return "none"
}

func types(s *openapi3.Schema) string {
	if s == nil || s.Type == nil || len(*s.Type) == 0 {
		if s != nil && len(s.OneOf) > 0 {
			return "oneOf"
		}
		if s != nil && len(s.AnyOf) > 0 {
			return "anyOf"
		}
		return "none"
	}
	t := slices.Clone(*s.Type)
	return strings.Join(t, "|")
}

// value shows a default value: JSON, or none.
func value(v any) string {
	if v == nil {
		return "none"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func fptr(f *float64) string {
	if f == nil {
		return "none"
	}
	return fmt.Sprint(*f)
}

func uptr(u *uint64) string {
	if u == nil {
		return "none"
	}
	return fmt.Sprint(*u)
}

func uzero(u uint64) string {
	if u == 0 {
		return "none"
	}
	return fmt.Sprint(u)
}
