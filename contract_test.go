package evals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	evals "github.com/evalkit/together-evals"
	"github.com/evalkit/together-evals/generated/spec"
	"github.com/evalkit/together-evals/internal/contract"
)

// validator loads openapi.yaml (not the embedded copy) so that the tests judge the file users edit.
func validator(t *testing.T) *contract.Validator {
	t.Helper()
	doc, err := contract.Load(context.Background(), evals.Spec)
	if err != nil {
		t.Fatal(err)
	}
	v, err := contract.New(doc, "/v1")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonHeader() http.Header { return http.Header{"Content-Type": []string{"application/json"}} }

func TestSpecIsValidOpenAPI303(t *testing.T) {
	doc, err := contract.Load(context.Background(), evals.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

func TestEmbeddedSpecMatchesOpenAPIYAML(t *testing.T) {
	embedded, err := spec.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := contract.Load(context.Background(), evals.Spec)
	if err != nil {
		t.Fatal(err)
	}
	// The evaluation API is openapi.yaml without what its chat tag holds: the operation the local
	// judge calls (generated into generated/chat; oapi-codegen leaves its path, empty) and the
	// schemas only it uses (named Chat*).
	chatOps := 0
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if slices.Contains(op.Tags, "chat") {
				chatOps++
				item.SetOperation(method, nil)
			}
		}
	}
	if chatOps != 1 {
		t.Errorf("openapi.yaml has %d operations tagged chat, want 1 (POST /chat/completions)", chatOps)
	}
	for name := range doc.Components.Schemas {
		if strings.HasPrefix(name, "Chat") {
			delete(doc.Components.Schemas, name)
		}
	}
	a, _ := json.Marshal(embedded)
	b, _ := json.Marshal(doc)
	if !bytes.Equal(a, b) {
		t.Fatal("the spec embedded in generated/ differs from openapi.yaml without its chat operation: run go generate ./...")
	}
	if item := embedded.Paths.Find("/chat/completions"); item != nil && len(item.Operations()) > 0 {
		t.Error("the embedded spec (what api serves) has an operation on /chat/completions")
	}
}

// TestEverySchemaHasAValidExample walks every component schema and every schema below it: each
// component schema must carry an example, and every example found must validate against its schema.
func TestEverySchemaHasAValidExample(t *testing.T) {
	doc, err := contract.Load(context.Background(), evals.Spec)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	sort.Strings(names)
	checked := 0
	for _, name := range names {
		s := doc.Components.Schemas[name].Value
		if s.Example == nil {
			t.Errorf("schema %s has no example", name)
		}
		seen := map[*openapi3.Schema]bool{}
		var walk func(path string, s *openapi3.Schema)
		walk = func(path string, s *openapi3.Schema) {
			if s == nil || seen[s] {
				return
			}
			seen[s] = true
			if s.Example != nil {
				checked++
				if err := s.VisitJSON(s.Example); err != nil {
					t.Errorf("%s: example does not validate: %v", path, err)
				}
			}
			for p, ref := range s.Properties {
				walk(path+"."+p, ref.Value)
			}
			if s.Items != nil {
				walk(path+"[]", s.Items.Value)
			}
			for i, list := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf, s.AllOf} {
				for j, ref := range list {
					walk(path+"/"+[]string{"oneOf", "anyOf", "allOf"}[i]+"/"+string(rune('0'+j)), ref.Value)
				}
			}
		}
		walk(name, s)
	}
	if checked < len(names) {
		t.Errorf("checked %d examples for %d schemas", checked, len(names))
	}
}

// TestDocumentedExampleIsTheJobExample keeps the spec's EvaluationJob example equal to the
// documented response that the project started from.
func TestDocumentedExampleIsTheJobExample(t *testing.T) {
	doc, err := contract.Load(context.Background(), evals.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal(readFixture(t, "documented_job.json"), &want); err != nil {
		t.Fatal(err)
	}
	got := doc.Components.Schemas["EvaluationJob"].Value.Example
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		t.Errorf("EvaluationJob example\n got %s\nwant %s", gb, wb)
	}
}

type responseCase struct {
	fixture string
	method  string
	path    string
	status  int
}

func responseCases() []responseCase {
	return []responseCase{
		{"documented_job.json", http.MethodGet, "/v1/evaluation/eval-1234aedf", 200},
		{"responses/job_running.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_pending_no_results.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_score.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_compare.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_compare_num_samples.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_failed.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_user_error.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_counts_float_null.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_label_counts_object.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_extra_fields.json", http.MethodGet, "/v1/evaluation/eval-7c1d2e3f", 200},
		{"responses/job_minimal.json", http.MethodGet, "/v1/evaluation/eval-min", 200},
		{"responses/job_nulls.json", http.MethodGet, "/v1/evaluation/eval-nulls", 200},
		{"responses/job_score_null_aggregates.json", http.MethodGet, "/v1/evaluation/eval-sn", 200},
		{"responses/error_404.json", http.MethodGet, "/v1/evaluation/eval-missing", 404},
		{"responses/error_401.json", http.MethodGet, "/v1/evaluation/eval-1", 401},
		{"responses/error_429.json", http.MethodGet, "/v1/evaluation/eval-1", 429},
		{"responses/status_completed.json", http.MethodGet, "/v1/evaluation/eval-1/status", 200},
		{"responses/status_running.json", http.MethodGet, "/v1/evaluation/eval-1/status", 200},
		{"responses/status_queued_no_results.json", http.MethodGet, "/v1/evaluation/eval-1/status", 200},
		{"responses/status_failed.json", http.MethodGet, "/v1/evaluation/eval-1/status", 200},
		{"responses/error_404.json", http.MethodGet, "/v1/evaluation/eval-1/status", 404},
		{"responses/list.json", http.MethodGet, "/v1/evaluation?status=running&limit=5", 200},
		{"responses/list_empty.json", http.MethodGet, "/v1/evaluation", 200},
		{"responses/create.json", http.MethodPost, "/v1/evaluation", 200},
		{"responses/error_400.json", http.MethodPost, "/v1/evaluation", 400},
		{"responses/models.json", http.MethodGet, "/v1/evaluation/model-list?model_source=serverless", 200},
		{"responses/file.json", http.MethodGet, "/v1/files/file-1234-aefd", 200},
		{"responses/file.json", http.MethodPost, "/v1/files/upload", 200},
		{"responses/error_404.json", http.MethodGet, "/v1/files/file-x/content", 404},
	}
}

func TestFixturesValidateAsResponses(t *testing.T) {
	v := validator(t)
	for _, tc := range responseCases() {
		t.Run(tc.fixture+"@"+tc.method+" "+tc.path, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "https://api.together.ai"+tc.path, nil)
			err := v.ValidateResponse(context.Background(), req, tc.status, jsonHeader(), readFixture(t, tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFileContentValidatesAsText(t *testing.T) {
	v := validator(t)
	body := []byte("{\"prompt\": \"hi\", \"response\": \"hello\"}\n")
	for _, ct := range []string{"text/plain", "text/plain; charset=utf-8"} {
		req := httptest.NewRequest(http.MethodGet, "/v1/files/file-1/content", nil)
		if err := v.ValidateResponse(context.Background(), req, 200, http.Header{"Content-Type": {ct}}, body); err != nil {
			t.Errorf("%s: %v", ct, err)
		}
	}
}

func TestFixturesValidateAsCreateRequests(t *testing.T) {
	v := validator(t)
	matches, _ := filepath.Glob("testdata/requests/*.json")
	if len(matches) < 4 {
		t.Fatalf("found %d request fixtures", len(matches))
	}
	for _, path := range matches {
		t.Run(filepath.Base(path), func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, "/v1/evaluation", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if err := v.ValidateRequest(context.Background(), req); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestInvalidInputsAreRejected proves the validation can fail, and that its message names the
// field at fault.
func TestInvalidInputsAreRejected(t *testing.T) {
	v := validator(t)
	cases := []struct {
		fixture  string
		request  bool
		wantText []string
	}{
		{"invalid/job_status_outside_enum.json", false, []string{"status", "exploded"}},
		{"invalid/job_workflow_id_number.json", false, []string{"workflow_id", "string"}},
		{"invalid/job_bad_timestamp.json", false, []string{"created_at"}},
		{"invalid/job_negative_count.json", false, []string{"judge_fail_count"}},
		{"invalid/create_one_label.json", true, []string{"labels", "2"}},
		{"invalid/create_unknown_type.json", true, []string{"type", "rank"}},
		{"invalid/create_score_missing_threshold.json", true, []string{"pass_threshold"}},
		{"invalid/create_judge_temperature.json", true, []string{"temperature"}},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			body := readFixture(t, tc.fixture)
			var err error
			if tc.request {
				req := httptest.NewRequest(http.MethodPost, "/v1/evaluation", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				err = v.ValidateRequest(context.Background(), req)
			} else {
				req := httptest.NewRequest(http.MethodGet, "/v1/evaluation/eval-1234aedf", nil)
				err = v.ValidateResponse(context.Background(), req, 200, jsonHeader(), body)
			}
			if err == nil {
				t.Fatal("accepted; want a validation error")
			}
			for _, want := range tc.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestUndeclaredStatusIsRejected: a status code the operation does not declare is a contract
// violation.
func TestUndeclaredStatusIsRejected(t *testing.T) {
	v := validator(t)
	req := httptest.NewRequest(http.MethodGet, "/v1/evaluation/model-list", nil)
	if err := v.ValidateResponse(context.Background(), req, 418, jsonHeader(), readFixture(t, "responses/error_404.json")); err == nil {
		t.Fatal("418 accepted")
	}
}
