package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

// override makes one operation's handler answer with what fn returns instead.
func override(operation string, fn func() any) api.Option {
	return api.WithStrictMiddleware(func(next generated.StrictHandlerFunc, op string) generated.StrictHandlerFunc {
		if op != operation {
			return next
		}
		return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
			return fn(), nil
		}
	})
}

// TestResponseValidationCatchesBadAnswers makes handlers answer what the spec does not allow, and
// checks that the server catches each, answers 500 ErrorData instead, and records the violation.
func TestResponseValidationCatchesBadAnswers(t *testing.T) {
	cases := []struct {
		name   string
		op     string
		answer any
		path   string
		want   string
	}{
		{
			"status outside the enum", api.OpGetEvaluation,
			generated.GetEvaluation200JSONResponse{WorkflowID: "eval-1", Type: "classify", Status: "finished"},
			"/evaluation/eval-1", "status",
		},
		{
			"negative count", api.OpGetEvaluationStatus,
			generated.GetEvaluationStatus200JSONResponse{Status: "completed", Results: &generated.EvaluationResults{JudgeFailCount: ptr(-1.0)}},
			"/evaluation/eval-1/status", "judge_fail_count",
		},
		{
			"null list", api.OpListEvaluationModels,
			generated.ListEvaluationModels200JSONResponse{},
			"/evaluation/model-list", "model_list",
		},
		{
			"file content as JSON", api.OpGetFileContent,
			generated.GetFileContent200TextResponse{Body: strings.NewReader("{}"), ContentType: "application/json", ContentLength: 2},
			"/files/file-1/content", "Content-Type",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := api.New(override(tc.op, func() any { return tc.answer }))
			e := &env{t: t, srv: srv, clock: nil}
			e.ts = newServer(t, srv)
			e.base = e.ts.URL + "/v1"
			e.spec = specValidator(t, "/v1")
			status, _, b := e.request(http.MethodGet, tc.path, nil, "")
			d := wantError(t, status, b, http.StatusInternalServerError, "")
			if d.Code == nil || *d.Code != "contract_violation" {
				t.Errorf("%+v", d)
			}
			v := srv.Violations()
			if len(v) != 1 || !strings.Contains(v[0].Error(), tc.want) || !strings.Contains(v[0].Error(), tc.path) {
				t.Errorf("violations %v, want one about %s", v, tc.want)
			}
		})
	}
}

// TestResponseValidationOff lets a bad answer through, as asked.
func TestResponseValidationOff(t *testing.T) {
	srv := api.New(api.WithResponseValidation(false), override(api.OpGetEvaluation, func() any {
		return generated.GetEvaluation200JSONResponse{WorkflowID: "eval-1", Type: "classify", Status: "finished"}
	}))
	ts := newServer(t, srv)
	e := &env{t: t, srv: srv, ts: ts, base: ts.URL + "/v1", spec: specValidator(t, "/v1")}
	status, _, b := e.unchecked(testKey, http.MethodGet, "/evaluation/eval-1", nil, "")
	if status != http.StatusOK || !strings.Contains(string(b), "finished") {
		t.Errorf("%d %s", status, b)
	}
}

func TestPanicsBecome500(t *testing.T) {
	srv := api.New(override(api.OpListEvaluations, func() any { panic("boom") }))
	ts := newServer(t, srv)
	e := &env{t: t, srv: srv, ts: ts, base: ts.URL + "/v1", spec: specValidator(t, "/v1")}
	status, _, b := e.request(http.MethodGet, "/evaluation", nil, "")
	d := wantError(t, status, b, http.StatusInternalServerError, "")
	if strings.Contains(d.Message, "boom") {
		t.Errorf("the panic value leaks: %q", d.Message)
	}
	// The server goes on serving.
	if status, _, b := e.request(http.MethodGet, "/evaluation/model-list", nil, ""); status != http.StatusOK {
		t.Errorf("%d %s", status, b)
	}
}

func TestHandlerErrorsBecome500ErrorData(t *testing.T) {
	srv := api.New(api.WithStrictMiddleware(func(next generated.StrictHandlerFunc, op string) generated.StrictHandlerFunc {
		return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
			return nil, context.Canceled
		}
	}))
	ts := newServer(t, srv)
	e := &env{t: t, srv: srv, ts: ts, base: ts.URL + "/v1", spec: specValidator(t, "/v1")}
	status, _, b := e.request(http.MethodGet, "/files/file-1", nil, "")
	wantError(t, status, b, http.StatusInternalServerError, "")
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("violations %v", v)
	}
}

func ptr[T any](v T) *T { return &v }
