package wrappers

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

func readCreateRequest(t *testing.T, name string) generated.EvaluationCreateRequest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "requests", name))
	if err != nil {
		t.Fatal(err)
	}
	var req generated.EvaluationCreateRequest
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestInputCheckOptionsForWire(t *testing.T) {
	judge := InputTemplate{Name: "parameters.judge.system_template", Text: "You are an expert evaluator. Prompt: {{prompt}}"}
	tests := []struct {
		file string
		want InputCheckOptions
	}{
		{"create_classify.json", InputCheckOptions{
			Templates: []InputTemplate{judge},
			Columns:   []InputColumn{{Param: "parameters.model_to_evaluate", Name: "response"}},
		}},
		{"create_score.json", InputCheckOptions{
			Templates: []InputTemplate{judge},
			Columns:   []InputColumn{{Param: "parameters.model_to_evaluate", Name: "response"}},
		}},
		{"create_classify_model.json", InputCheckOptions{
			Templates: []InputTemplate{
				judge,
				{Name: "parameters.model_to_evaluate.system_template", Text: "Be helpful."},
				{Name: "parameters.model_to_evaluate.input_template", Text: "{{prompt}}"},
			},
		}},
		{"create_compare.json", InputCheckOptions{
			Templates: []InputTemplate{
				judge,
				{Name: "parameters.model_b.system_template", Text: "Be brief."},
				{Name: "parameters.model_b.input_template", Text: "{{prompt}}"},
			},
			Columns: []InputColumn{{Param: "parameters.model_a", Name: "response_a"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := inputCheckOptionsForWire(readCreateRequest(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Templates, tt.want.Templates) || !slices.Equal(got.Columns, tt.want.Columns) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}

	var bad generated.EvaluationCreateRequest
	if err := json.Unmarshal([]byte(`{"type": "rank", "parameters": {}}`), &bad); err != nil {
		t.Fatal(err)
	}
	if _, err := inputCheckOptionsForWire(bad); err == nil || !strings.Contains(err.Error(), `unknown evaluation type "rank"`) {
		t.Errorf("unknown type: error %v", err)
	}
}

// TestCheckInputWithCreateRequest runs the whole pre-flight for a compare job
// built from a create request, as the CLI does before a create.
func TestCheckInputWithCreateRequest(t *testing.T) {
	opts, err := inputCheckOptionsForWire(readCreateRequest(t, "create_compare.json"))
	if err != nil {
		t.Fatal(err)
	}
	good := `{"prompt": "2+2?", "response_a": "4"}` + "\n"
	if _, err := CheckInput(context.Background(), strings.NewReader(good), "pairs.jsonl", opts); err != nil {
		t.Errorf("good file: %v", err)
	}
	bad := `{"prompt": "2+2?", "response_b": "4", "category": "math"}` + "\n"
	_, err = CheckInput(context.Background(), strings.NewReader(bad), "pairs.jsonl", opts)
	want := `pairs.jsonl: 3 problems
  pairs.jsonl:1: field "response_a": named by parameters.model_a, but line 1 has no such field (it has "prompt", "response_b", "category")
  pairs.jsonl:1: field "response_b": not used by any template or model column; the service fails the job with "Unsupported dataset column(s)": use it as {{response_b}} in a template, name it as the model column, or remove it
  pairs.jsonl:1: field "category": not used by any template or model column; the service fails the job with "Unsupported dataset column(s)": use it as {{category}} in a template, name it as the model column, or remove it`
	if err == nil || err.Error() != want {
		t.Errorf("bad file: error\n%v\nwant\n%s", err, want)
	}
}
