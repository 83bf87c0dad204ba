package contract_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/internal/contract"
)

func TestEmbeddedRoutesEveryOperation(t *testing.T) {
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ method, path, op string }{
		{http.MethodGet, "/v1/evaluation", "listEvaluations"},
		{http.MethodPost, "/v1/evaluation", "createEvaluation"},
		{http.MethodGet, "/v1/evaluation/model-list", "listEvaluationModels"},
		{http.MethodGet, "/v1/evaluation/eval-1", "getEvaluation"},
		{http.MethodGet, "/v1/evaluation/eval-1/status", "getEvaluationStatus"},
		{http.MethodPost, "/v1/files/upload", "uploadFile"},
		{http.MethodGet, "/v1/files/file-1", "getFile"},
		{http.MethodGet, "/v1/files/file-1/content", "getFileContent"},
	}
	for _, tc := range cases {
		route, _, err := v.Route(httptest.NewRequest(tc.method, "http://127.0.0.1:1234"+tc.path, nil))
		if err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
			continue
		}
		if route.Operation.OperationID != tc.op {
			t.Errorf("%s %s routed to %s, want %s", tc.method, tc.path, route.Operation.OperationID, tc.op)
		}
	}
}

func TestRouteUnescapesPathParameters(t *testing.T) {
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/v1/evaluation/a%2F..%2F..%2Ffiles%2Fx", nil)
	route, params, err := v.Route(r)
	if err != nil {
		t.Fatal(err)
	}
	if route.Operation.OperationID != "getEvaluation" || params["id"] != "a/../../files/x" {
		t.Fatalf("routed to %s with id %q", route.Operation.OperationID, params["id"])
	}
}

func TestUnknownRouteIsErrNoRoute(t *testing.T) {
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/fine-tunes", "/evaluation/eval-1", "/v1/evaluation/a/b/c"} {
		_, _, err := v.Route(httptest.NewRequest(http.MethodGet, path, nil))
		if !errors.Is(err, contract.ErrNoRoute) {
			t.Errorf("%s: err = %v, want ErrNoRoute", path, err)
		}
	}
	err = v.ValidateRequest(context.Background(), httptest.NewRequest(http.MethodDelete, "/v1/evaluation/eval-1", nil))
	if !errors.Is(err, contract.ErrNoRoute) {
		t.Errorf("DELETE: err = %v, want ErrNoRoute", err)
	}
}

func TestValidateRequestKeepsTheBody(t *testing.T) {
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"type":"compare","parameters":{"judge":{"model":"m","model_source":"serverless","system_template":"t"},"input_data_file_path":"file-1"}}`
	r := httptest.NewRequest(http.MethodPost, "/v1/evaluation", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if err := v.ValidateRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Fatalf("body after validation = %q", got)
	}
}

func TestValidateRequestRejectsBadQuery(t *testing.T) {
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"status=exploded", "limit=0", "limit=ten"} {
		err := v.ValidateRequest(context.Background(), httptest.NewRequest(http.MethodGet, "/v1/evaluation?"+q, nil))
		if err == nil {
			t.Errorf("%s accepted", q)
			continue
		}
		name := strings.SplitN(q, "=", 2)[0]
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error does not name %q: %v", q, name, err)
		}
	}
}

func TestValidateRequestRejectsTrailingData(t *testing.T) {
	v, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"type":"compare","parameters":{"judge":{"model":"m","model_source":"serverless","system_template":"t"},"input_data_file_path":"file-1"}}`
	for _, extra := range []string{"{}", " x", `"more"`} {
		r := httptest.NewRequest(http.MethodPost, "/v1/evaluation", strings.NewReader(body+extra))
		r.Header.Set("Content-Type", "application/json")
		if err := v.ValidateRequest(context.Background(), r); !errors.Is(err, contract.ErrTrailingData) {
			t.Errorf("%q after the body: err = %v, want ErrTrailingData", extra, err)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/evaluation", strings.NewReader(body+"\n"))
	r.Header.Set("Content-Type", "application/json")
	if err := v.ValidateRequest(context.Background(), r); err != nil {
		t.Errorf("a trailing newline: %v", err)
	}
}
