package specdrift

// The kinds of finding. A kind says what differs; "only-upstream" means the provider's document has
// it and openapi.yaml does not, "only-ours" the other way round. The deviations file names them.
const (
	KindServerOnlyUpstream              = "server-only-upstream"
	KindServerOnlyOurs                  = "server-only-ours"
	KindOperationOnlyUpstream           = "operation-only-upstream"
	KindOperationOnlyOurs               = "operation-only-ours"
	KindParameterOnlyUpstream           = "parameter-only-upstream"
	KindParameterOnlyOurs               = "parameter-only-ours"
	KindParameterRequiredOnlyUpstream   = "parameter-required-only-upstream"
	KindParameterRequiredOnlyOurs       = "parameter-required-only-ours"
	KindRequestBodyOnlyUpstream         = "request-body-only-upstream"
	KindRequestBodyOnlyOurs             = "request-body-only-ours"
	KindRequestBodyRequiredOnlyUpstream = "request-body-required-only-upstream"
	KindRequestBodyRequiredOnlyOurs     = "request-body-required-only-ours"
	KindStatusOnlyUpstream              = "status-only-upstream"
	KindStatusOnlyOurs                  = "status-only-ours"
	KindHeaderOnlyUpstream              = "header-only-upstream"
	KindHeaderOnlyOurs                  = "header-only-ours"
	KindMediaTypeOnlyUpstream           = "media-type-only-upstream"
	KindMediaTypeOnlyOurs               = "media-type-only-ours"
	KindPropertyOnlyUpstream            = "property-only-upstream"
	KindPropertyOnlyOurs                = "property-only-ours"
	KindPropertyRequiredOnlyUpstream    = "property-required-only-upstream"
	KindPropertyRequiredOnlyOurs        = "property-required-only-ours"
	KindType                            = "type"
	KindFormat                          = "format"
	KindEnumOnlyUpstream                = "enum-only-upstream"
	KindEnumOnlyOurs                    = "enum-only-ours"
	KindNullableOnlyUpstream            = "nullable-only-upstream"
	KindNullableOnlyOurs                = "nullable-only-ours"
	KindBoundOnlyUpstream               = "bound-only-upstream"
	KindBoundOnlyOurs                   = "bound-only-ours"
	KindBoundDiffers                    = "bound-differs"
	KindDefault                         = "default"
	KindUnionOnlyUpstream               = "union-only-upstream"
	KindUnionOnlyOurs                   = "union-only-ours"
)

// Kinds lists every kind of finding, in the order a report sorts them.
var Kinds = []string{
	KindServerOnlyUpstream, KindServerOnlyOurs,
	KindOperationOnlyUpstream, KindOperationOnlyOurs,
	KindParameterOnlyUpstream, KindParameterOnlyOurs, KindParameterRequiredOnlyUpstream, KindParameterRequiredOnlyOurs,
	KindRequestBodyOnlyUpstream, KindRequestBodyOnlyOurs, KindRequestBodyRequiredOnlyUpstream, KindRequestBodyRequiredOnlyOurs,
	KindStatusOnlyUpstream, KindStatusOnlyOurs,
	KindHeaderOnlyUpstream, KindHeaderOnlyOurs,
	KindMediaTypeOnlyUpstream, KindMediaTypeOnlyOurs,
	KindPropertyOnlyUpstream, KindPropertyOnlyOurs, KindPropertyRequiredOnlyUpstream, KindPropertyRequiredOnlyOurs,
	KindType, KindFormat, KindEnumOnlyUpstream, KindEnumOnlyOurs, KindNullableOnlyUpstream, KindNullableOnlyOurs,
	KindBoundOnlyUpstream, KindBoundOnlyOurs, KindBoundDiffers, KindDefault,
	KindUnionOnlyUpstream, KindUnionOnlyOurs,
}

// Finding is one difference between the provider's document and openapi.yaml. The same difference
// in a schema that several operations reach is one finding that lists them all.
type Finding struct {
	// Kind says what differs (one of [Kinds]).
	Kind string `json:"kind"`
	// Operations are the operations it concerns, as "METHOD /path" ("(every operation)" for the
	// document's server URLs, which all operations share).
	Operations []string `json:"operations"`
	// Where says where in those operations, in words: "response 200 body: results.label_counts",
	// "parameter query limit", "request body: parameters.judge".
	Where []string `json:"where"`
	// Value is the enum value, status code, property, parameter, media type, header or keyword
	// that differs, where there is one.
	Value string `json:"value,omitempty"`
	// Detail says how it differs: "type integer upstream, number in ours".
	Detail string `json:"detail"`
	// Upstream is a JSON pointer (as a URI fragment) into the provider's document.
	Upstream string `json:"upstream"`
	// Ours is a JSON pointer (as a URI fragment) into openapi.yaml: the part to look at.
	Ours string `json:"ours"`
	// OursLine is the line of openapi.yaml that Ours points at (0 if unknown).
	OursLine int `json:"ours_line,omitempty"`
}

// raw is a finding in one place of one operation, before deviations are applied and before the
// same difference reached from several places is told once.
type raw struct {
	kind, op, where, value, detail, upstream, ours string
}

func (r raw) key() [5]string { return [5]string{r.kind, r.value, r.detail, r.upstream, r.ours} }
