// Package specdrift compares the project's hand-maintained OpenAPI document (openapi.yaml) with a
// version of the provider's own document, and reports what differs for the operations openapi.yaml
// describes and the schemas they reach: operations, parameters, request and response properties,
// required flags, types and formats, enum values, nullability, bounds and status codes.
//
// The comparison itself is oasdiff's (github.com/oasdiff/oasdiff/diff). Before it runs, both documents
// are brought to one form: OpenAPI 3.1 spellings become their 3.0 equivalents (a "null" type becomes
// nullable, const becomes a one-value enum), and a oneOf or anyOf whose branches are all objects
// becomes one object holding every branch's properties, required where every branch requires them.
// That is how openapi.yaml describes the provider's all-optional results and parameters unions, so
// the two shapes compare property by property.
//
// Differences made on purpose are listed, with their reasons, in a deviations file
// (openapi-deviations.yaml at the repository root); a finding that a deviation covers is not
// reported, and a deviation that covers nothing is reported as stale.
package specdrift
