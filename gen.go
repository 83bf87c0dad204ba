// Package evals holds the hand-maintained OpenAPI document of the Together AI Evaluations API
// (openapi.yaml) and the go:generate steps that turn it into the generated packages: generated (the
// evaluation API's types, client and server interface), generated/chat (the chat-completions
// client of the local judge), generated/spec (the embedded spec, for api and the contract checks)
// and generated/jobschema (the EvaluationJob schema as a plain table, for the client's lenient
// decoding, which so needs no OpenAPI loader).
//
// Users import the wrappers package; this package exists for the spec and its contract tests.
package evals

import _ "embed"

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config generated/oapi-codegen.yaml openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config generated/chat/oapi-codegen.yaml openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config generated/spec/oapi-codegen.yaml openapi.yaml
//go:generate go run ./internal/cmd/jobschemagen -spec openapi.yaml -out generated/jobschema/jobschema.gen.go

// Spec is openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var Spec []byte
