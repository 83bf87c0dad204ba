package api

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Operation ids, spelled as the generated code spells them (the spec's operationId with a capital
// first letter). [Faults.Inject] and [Server.Requests] take them; the spec's own spelling
// ("getEvaluation") is accepted too.
const (
	OpListEvaluations      = "ListEvaluations"
	OpCreateEvaluation     = "CreateEvaluation"
	OpListEvaluationModels = "ListEvaluationModels"
	OpGetEvaluation        = "GetEvaluation"
	OpGetEvaluationStatus  = "GetEvaluationStatus"
	OpListFiles            = "ListFiles"
	OpUploadFile           = "UploadFile"
	OpGetFile              = "GetFile"
	OpDeleteFile           = "DeleteFile"
	OpGetFileContent       = "GetFileContent"
)

// Operations lists every operation id the server serves, in the spec's order.
func Operations() []string {
	return []string{
		OpCreateEvaluation, OpListEvaluations, OpListEvaluationModels, OpGetEvaluation,
		OpGetEvaluationStatus, OpListFiles, OpUploadFile, OpGetFile, OpDeleteFile, OpGetFileContent,
	}
}

// canonicalOp returns the generated spelling of an operation id, and whether it is one.
func canonicalOp(id string) (string, bool) {
	r, n := utf8.DecodeRuneInString(id)
	if n == 0 {
		return "", false
	}
	id = string(unicode.ToUpper(r)) + id[n:]
	for _, op := range Operations() {
		if op == id {
			return id, true
		}
	}
	return "", false
}

// mustOp is canonicalOp for callers that name an operation in code: a typo is a programming error.
func mustOp(id string) string {
	op, ok := canonicalOp(id)
	if !ok {
		panic(fmt.Sprintf("api: unknown operation id %q; want one of %s", id, strings.Join(Operations(), ", ")))
	}
	return op
}

// operation is what the router found for a request.
type operation struct {
	id     string // generated spelling; "" when the request matches no operation
	has400 bool   // whether the spec declares a 400 answer for it
}

type opKey struct{}

func withOperation(ctx context.Context, op operation) context.Context {
	return context.WithValue(ctx, opKey{}, op)
}

func operationOf(ctx context.Context) operation {
	op, _ := ctx.Value(opKey{}).(operation)
	return op
}
