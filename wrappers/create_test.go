package wrappers_test

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/wrappers"
)

const judgeTemplate = "You are an expert evaluator. Prompt: {{prompt}}"

func judge() wrappers.Judge {
	return wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: judgeTemplate}
}

// fixtureRequests are the typed equivalents of testdata/requests/*.json.
func fixtureRequests() map[string]wrappers.CreateRequest {
	return map[string]wrappers.CreateRequest{
		"create_classify.json": wrappers.ClassifyRequest{
			Judge:           wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: judgeTemplate, ModelSource: wrappers.ModelSourceServerless},
			Labels:          []string{"good", "bad"},
			PassLabels:      []string{"good"},
			ModelToEvaluate: wrappers.Column("response"),
			InputFileID:     "file-abc123",
		},
		"create_classify_model.json": &wrappers.ClassifyRequest{
			Judge: wrappers.Judge{
				Model: "openai/gpt-oss-120b", SystemTemplate: judgeTemplate,
				MaxTokens: 256, Temperature: wrappers.Float64(0.2), NumWorkers: 4,
			},
			Labels:     []string{"good", "bad", "ugly"},
			PassLabels: []string{"good"},
			ModelToEvaluate: &wrappers.Model{
				Name: "Qwen/Qwen3.5-9B", MaxTokens: 512, Temperature: wrappers.Float64(0.7),
				SystemTemplate: "Be helpful.", InputTemplate: "{{prompt}}",
			},
			InputFileID: "file-abc123",
		},
		"create_score.json": wrappers.ScoreRequest{
			Judge:    judge(),
			MinScore: 1, MaxScore: 10, PassThreshold: 7.5,
			ModelToEvaluate: wrappers.Column("response"),
			InputFileID:     "file-abc123",
		},
		"create_compare.json": wrappers.CompareRequest{
			Judge: wrappers.Judge{
				Model: "openai/gpt-oss-120b", SystemTemplate: judgeTemplate,
				ModelSource:      wrappers.ModelSourceExternal,
				ExternalBaseURL:  "https://api.openai.com/v1",
				ExternalAPIToken: "sk-test",
			},
			ModelA: wrappers.Column("response_a"),
			ModelB: wrappers.Model{
				Name: "Qwen/Qwen3.5-9B", MaxTokens: 512, Temperature: wrappers.Float64(0),
				SystemTemplate: "Be brief.", InputTemplate: "{{prompt}}", ModelSource: wrappers.ModelSourceDedicated,
			},
			DisablePositionBiasCorrection: true,
			InputFileID:                   "file-abc123",
		},
	}
}

func TestCreateSendsTheWireFormat(t *testing.T) {
	for name, req := range fixtureRequests() {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, serveFixture(t, 200, "responses/create.json"))
			created, err := newClient(t, s).Create(ctxT(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if created.ID != "eval-1234-1244513" || created.Status != wrappers.StatusPending {
				t.Errorf("Created = %+v", created)
			}
			reqs := s.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/v1/evaluation" {
				t.Fatalf("requests = %+v", reqs)
			}
			if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var got, want any
			if err := json.Unmarshal(reqs[0].Body, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(fixture(t, "requests/"+name), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("sent\n %s\nwant\n %s", reqs[0].Body, fixture(t, "requests/"+name))
			}
		})
	}
}

func TestCreateDefaultsModelSourceToServerless(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/create.json"))
	_, err := newClient(t, s).Create(ctxT(t), wrappers.ScoreRequest{
		Judge: judge(), MinScore: 0, MaxScore: 1, PassThreshold: 0.5, InputFileID: "file-1",
		ModelToEvaluate: &wrappers.Model{Name: "m", MaxTokens: 1, InputTemplate: "{{q}}", Temperature: wrappers.Float64(0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := string(s.requests()[0].Body)
	if strings.Count(body, `"model_source":"serverless"`) != 2 {
		t.Errorf("body = %s", body)
	}
}

func TestCreateIsNotSentWhenInvalid(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/create.json"))
	c := newClient(t, s)
	_, err := c.Create(ctxT(t), wrappers.ClassifyRequest{Judge: judge(), Labels: []string{"yes"}, PassLabels: []string{"yes"}, InputFileID: "f"})
	var ve *wrappers.ValidationError
	if !errors.As(err, &ve) || ve.Field != "parameters.labels" || ve.Problem != "at least 2 labels are required, got 1" {
		t.Errorf("error = %v", err)
	}
	mustContain(t, err.Error(), "wrappers: create classify: parameters.labels: at least 2 labels are required, got 1")
	if _, err := c.Create(ctxT(t), nil); err == nil {
		t.Error("Create(nil) succeeded")
	}
	var nilReq *wrappers.CompareRequest
	if _, err := c.Create(ctxT(t), nilReq); err == nil {
		t.Error("Create((*CompareRequest)(nil)) succeeded")
	}
	if s.n() != 0 {
		t.Errorf("%d requests were sent", s.n())
	}
}

func TestValidationRules(t *testing.T) {
	okClassify := func(f func(r *wrappers.ClassifyRequest)) wrappers.ClassifyRequest {
		r := wrappers.ClassifyRequest{Judge: judge(), Labels: []string{"yes", "no"}, PassLabels: []string{"yes"}, InputFileID: "file-1"}
		f(&r)
		return r
	}
	okScore := func(f func(r *wrappers.ScoreRequest)) wrappers.ScoreRequest {
		r := wrappers.ScoreRequest{Judge: judge(), MinScore: 1, MaxScore: 10, PassThreshold: 7, InputFileID: "file-1"}
		f(&r)
		return r
	}
	okCompare := func(f func(r *wrappers.CompareRequest)) wrappers.CompareRequest {
		r := wrappers.CompareRequest{Judge: judge(), ModelA: wrappers.Column("a"), ModelB: wrappers.Column("b"), InputFileID: "file-1"}
		f(&r)
		return r
	}
	okModel := func(f func(m *wrappers.Model)) *wrappers.Model {
		m := &wrappers.Model{Name: "m", MaxTokens: 16, Temperature: wrappers.Float64(0.5), InputTemplate: "{{q}}"}
		f(m)
		return m
	}
	for _, tc := range []struct {
		name string
		req  wrappers.CreateRequest
		want []string // "field: problem", in order
	}{
		{"valid classify", okClassify(func(*wrappers.ClassifyRequest) {}), nil},
		{"valid score", okScore(func(*wrappers.ScoreRequest) {}), nil},
		{"valid compare", okCompare(func(*wrappers.CompareRequest) {}), nil},
		{"compare without models", okCompare(func(r *wrappers.CompareRequest) { r.ModelA, r.ModelB = nil, nil }), []string{
			"parameters.model_a: is required for a compare job: a column of the input file or a model",
			"parameters.model_b: is required for a compare job: a column of the input file or a model",
		}},
		{"external judge without base URL", okCompare(func(r *wrappers.CompareRequest) {
			r.Judge.ModelSource, r.Judge.ExternalAPIToken = wrappers.ModelSourceExternal, "tok"
		}), []string{`parameters.judge.external_base_url: is required when model_source is "external"`}},
		{"score threshold at the bounds", okScore(func(r *wrappers.ScoreRequest) { r.PassThreshold = 10 }), nil},
		{"judge temperature 0 and 2", okCompare(func(r *wrappers.CompareRequest) { r.Judge.Temperature = wrappers.Float64(2) }), nil},
		{"external judge", okCompare(func(r *wrappers.CompareRequest) {
			r.Judge.ModelSource, r.Judge.ExternalBaseURL, r.Judge.ExternalAPIToken = wrappers.ModelSourceExternal, "https://x.example/v1", "tok"
		}), nil},

		{
			"judge model missing", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.Model = "" }),
			[]string{"parameters.judge.model: is required"},
		},
		{
			"judge template missing", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.SystemTemplate = "" }),
			[]string{"parameters.judge.system_template: is required"},
		},
		{
			"judge source unknown", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.ModelSource = "cloud" }),
			[]string{`parameters.judge.model_source: must be one of serverless, dedicated, external, got "cloud"`},
		},
		{
			"judge source all", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.ModelSource = wrappers.ModelSourceAll }),
			[]string{`parameters.judge.model_source: must be one of serverless, dedicated, external, got "all"`},
		},
		{
			"judge max_tokens negative", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.MaxTokens = -1 }),
			[]string{"parameters.judge.max_tokens: must be at least 1, got -1"},
		},
		{
			"judge num_workers negative", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.NumWorkers = -2 }),
			[]string{"parameters.judge.num_workers: must be at least 1, got -2"},
		},
		{
			"judge temperature high", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.Temperature = wrappers.Float64(2.5) }),
			[]string{"parameters.judge.temperature: must be between 0 and 2, got 2.5"},
		},
		{
			"judge temperature negative", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.Temperature = wrappers.Float64(-0.1) }),
			[]string{"parameters.judge.temperature: must be between 0 and 2, got -0.1"},
		},
		{
			"judge temperature NaN", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.Temperature = wrappers.Float64(math.NaN()) }),
			[]string{"parameters.judge.temperature: must be between 0 and 2, got NaN"},
		},
		{
			"external token without external source", okClassify(func(r *wrappers.ClassifyRequest) { r.Judge.ExternalAPIToken = "tok" }),
			[]string{`parameters.judge.external_api_token: is only used with model_source "external"`},
		},
		{"external url without external source", okClassify(func(r *wrappers.ClassifyRequest) {
			r.Judge.ModelSource, r.Judge.ExternalBaseURL = wrappers.ModelSourceDedicated, "https://x.example"
		}), []string{`parameters.judge.external_base_url: is only used with model_source "external"`}},
		{"external url not absolute", okClassify(func(r *wrappers.ClassifyRequest) {
			r.Judge.ModelSource, r.Judge.ExternalBaseURL = wrappers.ModelSourceExternal, "x.example/v1"
		}), []string{`parameters.judge.external_base_url: must be an absolute http(s) URL, got "x.example/v1"`}},

		{
			"no labels", okClassify(func(r *wrappers.ClassifyRequest) { r.Labels = nil; r.PassLabels = nil }),
			[]string{"parameters.labels: at least 2 labels are required, got 0", "parameters.pass_labels: at least 1 pass label is required"},
		},
		{
			"one label", okClassify(func(r *wrappers.ClassifyRequest) { r.Labels = []string{"yes"} }),
			[]string{"parameters.labels: at least 2 labels are required, got 1"},
		},
		{
			"empty label", okClassify(func(r *wrappers.ClassifyRequest) { r.Labels = []string{"yes", ""} }),
			[]string{"parameters.labels[1]: must not be empty"},
		},
		{
			"duplicate label", okClassify(func(r *wrappers.ClassifyRequest) { r.Labels = []string{"yes", "no", "yes"} }),
			[]string{`parameters.labels[2]: "yes" appears more than once`},
		},
		{
			"pass label not a label", okClassify(func(r *wrappers.ClassifyRequest) { r.PassLabels = []string{"maybe"} }),
			[]string{`parameters.pass_labels[0]: "maybe" is not one of the labels`},
		},
		{
			"empty pass label", okClassify(func(r *wrappers.ClassifyRequest) { r.PassLabels = []string{"yes", ""} }),
			[]string{"parameters.pass_labels[1]: must not be empty"},
		},
		{
			"duplicate pass label", okClassify(func(r *wrappers.ClassifyRequest) { r.PassLabels = []string{"yes", "yes"} }),
			[]string{`parameters.pass_labels[1]: "yes" appears more than once`},
		},
		{
			"no input file", okClassify(func(r *wrappers.ClassifyRequest) { r.InputFileID = "" }),
			[]string{"parameters.input_data_file_path: is required: the id of the uploaded input file"},
		},
		{
			"input file with control char", okClassify(func(r *wrappers.ClassifyRequest) { r.InputFileID = "file\n1" }),
			[]string{`parameters.input_data_file_path: holds a control character: "file\n1"`},
		},
		{
			"empty column", okClassify(func(r *wrappers.ClassifyRequest) { r.ModelToEvaluate = wrappers.Column("") }),
			[]string{"parameters.model_to_evaluate: the column name must not be empty"},
		},
		{
			"nil *Model", okClassify(func(r *wrappers.ClassifyRequest) { r.ModelToEvaluate = (*wrappers.Model)(nil) }),
			[]string{"parameters.model_to_evaluate: is a nil *Model"},
		},
		{
			"model missing fields", okClassify(func(r *wrappers.ClassifyRequest) { r.ModelToEvaluate = &wrappers.Model{} }),
			[]string{
				"parameters.model_to_evaluate.model: is required",
				"parameters.model_to_evaluate.input_template: is required",
				"parameters.model_to_evaluate.max_tokens: is required and must be at least 1, got 0",
				"parameters.model_to_evaluate.temperature: is required (0 to 2)",
			},
		},
		{"model temperature", okScore(func(r *wrappers.ScoreRequest) {
			r.ModelToEvaluate = okModel(func(m *wrappers.Model) { m.Temperature = wrappers.Float64(3) })
		}), []string{"parameters.model_to_evaluate.temperature: must be between 0 and 2, got 3"}},
		{"model temperature unset", okScore(func(r *wrappers.ScoreRequest) {
			r.ModelToEvaluate = okModel(func(m *wrappers.Model) { m.Temperature = nil })
		}), []string{"parameters.model_to_evaluate.temperature: is required (0 to 2)"}},
		{"model source", okScore(func(r *wrappers.ScoreRequest) {
			r.ModelToEvaluate = okModel(func(m *wrappers.Model) { m.ModelSource = "x" })
		}), []string{`parameters.model_to_evaluate.model_source: must be one of serverless, dedicated, external, got "x"`}},
		{"model num_workers", okScore(func(r *wrappers.ScoreRequest) {
			r.ModelToEvaluate = okModel(func(m *wrappers.Model) { m.NumWorkers = -1 })
		}), []string{"parameters.model_to_evaluate.num_workers: must be at least 1, got -1"}},
		{"model external token without source", okScore(func(r *wrappers.ScoreRequest) {
			r.ModelToEvaluate = okModel(func(m *wrappers.Model) { m.ExternalAPIToken = "t" })
		}), []string{`parameters.model_to_evaluate.external_api_token: is only used with model_source "external"`}},

		{
			"min equals max", okScore(func(r *wrappers.ScoreRequest) { r.MinScore, r.MaxScore, r.PassThreshold = 5, 5, 5 }),
			[]string{"parameters.max_score: must be greater than min_score (5), got 5"},
		},
		{
			"min above max", okScore(func(r *wrappers.ScoreRequest) { r.MinScore, r.MaxScore = 10, 1 }),
			[]string{"parameters.max_score: must be greater than min_score (10), got 1"},
		},
		{
			"threshold below min", okScore(func(r *wrappers.ScoreRequest) { r.PassThreshold = 0.5 }),
			[]string{"parameters.pass_threshold: must be between min_score (1) and max_score (10), got 0.5"},
		},
		{
			"threshold above max", okScore(func(r *wrappers.ScoreRequest) { r.PassThreshold = 11 }),
			[]string{"parameters.pass_threshold: must be between min_score (1) and max_score (10), got 11"},
		},
		{
			"score NaN", okScore(func(r *wrappers.ScoreRequest) { r.MaxScore = math.NaN() }),
			[]string{"parameters.max_score: must be a finite number, got NaN"},
		},
		{
			"score Inf", okScore(func(r *wrappers.ScoreRequest) { r.PassThreshold = math.Inf(1) }),
			[]string{"parameters.pass_threshold: must be a finite number, got +Inf"},
		},

		{
			"compare same column", okCompare(func(r *wrappers.CompareRequest) { r.ModelB = wrappers.Column("a") }),
			[]string{`parameters.model_b: names the same column as model_a ("a")`},
		},
		{
			"compare bad model_a", okCompare(func(r *wrappers.CompareRequest) { r.ModelA = wrappers.Model{Name: "m", InputTemplate: "x"} }),
			[]string{
				"parameters.model_a.max_tokens: is required and must be at least 1, got 0",
				"parameters.model_a.temperature: is required (0 to 2)",
			},
		},
		{
			"several problems",
			wrappers.CompareRequest{},
			[]string{
				"parameters.judge.model: is required",
				"parameters.judge.system_template: is required",
				"parameters.model_a: is required for a compare job: a column of the input file or a model",
				"parameters.model_b: is required for a compare job: a column of the input file or a model",
				"parameters.input_data_file_path: is required: the id of the uploaded input file",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			var got []string
			for _, ve := range wrappers.ValidationErrors(err) {
				got = append(got, ve.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Validate() problems =\n %q\nwant\n %q", got, tc.want)
			}
			if (err == nil) != (len(tc.want) == 0) {
				t.Errorf("Validate() = %v", err)
			}
			if err != nil {
				var ve *wrappers.ValidationError
				if !errors.As(err, &ve) || ve.Field == "" || ve.Problem == "" {
					t.Errorf("errors.As(*ValidationError) failed on %v", err)
				}
			}
		})
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	req := fixtureRequests()["create_compare.json"]
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmtSprintf(verb, req); strings.Contains(s, "sk-test") {
			t.Errorf("%s of a request shows the external token: %s", verb, s)
		}
	}
}
