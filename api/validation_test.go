package api_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

func TestCreateRejections(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(3, twoColumns))
	other := e.uploadAs("fine-tune", "{\"a\": 1}\n")

	// edit returns a classify request changed by fn.
	edit := func(base map[string]any, fn func(p map[string]any)) map[string]any {
		fn(params(base))
		return base
	}
	classify := func() map[string]any { return classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}) }
	score := func() map[string]any { return scoreReq(f.ID, 1, 10, 7) }
	model := func() map[string]any {
		return map[string]any{
			"model": "Qwen/Qwen3.5-9B", "max_tokens": 64, "temperature": 0.5,
			"system_template": "Be brief.", "input_template": "{{prompt}}", "model_source": "serverless",
		}
	}

	cases := []struct {
		name    string
		body    any
		param   string
		message string
	}{
		// Against the schema.
		{"one label", edit(classify(), func(p map[string]any) { p["labels"] = []string{"yes"} }), "parameters.labels", "minimum number of items is 2"},
		{"no pass labels", edit(classify(), func(p map[string]any) { p["pass_labels"] = []string{} }), "parameters.pass_labels", "minimum number of items"},
		{"empty label", edit(classify(), func(p map[string]any) { p["labels"] = []string{"yes", ""} }), "parameters.labels[1]", "minimum string length"},
		{"missing threshold", edit(score(), func(p map[string]any) { delete(p, "pass_threshold") }), "parameters.pass_threshold", "missing"},
		{"judge temperature", edit(classify(), func(p map[string]any) { p["judge"].(map[string]any)["temperature"] = 3 }), "parameters.judge.temperature", "at most 2"},
		{"judge model source", edit(classify(), func(p map[string]any) { p["judge"].(map[string]any)["model_source"] = "cloud" }), "parameters.judge.model_source", "allowed values"},
		{"no judge", edit(classify(), func(p map[string]any) { delete(p, "judge") }), "parameters.judge", "missing"},
		{"model without max_tokens", edit(classify(), func(p map[string]any) {
			m := model()
			delete(m, "max_tokens")
			p["model_to_evaluate"] = m
		}), "parameters.model_to_evaluate.max_tokens", "missing"},
		{"model a number", edit(classify(), func(p map[string]any) { p["model_to_evaluate"] = 5 }), "parameters.model_to_evaluate", "must be a string"},
		{"unknown type", `{"type": "rank", "parameters": {}}`, "type", "classify, compare, score"},
		{"no type", `{"parameters": {}}`, "type", "required"},
		{"no parameters", `{"type": "classify"}`, "parameters", "missing"},
		{"not JSON", `{"type": `, "", "request body"},
		{"not an object", `[1, 2]`, "", "must be an object"},
		// The service's own rules.
		{"pass label not a label", edit(classify(), func(p map[string]any) { p["pass_labels"] = []string{"maybe"} }), "parameters.pass_labels", `"maybe" is not one of the labels`},
		{"duplicate labels", edit(classify(), func(p map[string]any) { p["labels"] = []string{"yes", "no", "yes"} }), "parameters.labels", "more than once"},
		{"min equals max", edit(score(), func(p map[string]any) { p["min_score"], p["max_score"], p["pass_threshold"] = 5, 5, 5 }), "parameters.min_score", "less than max_score"},
		{"min above max", edit(score(), func(p map[string]any) { p["min_score"] = 11 }), "parameters.min_score", "less than max_score"},
		{"threshold above max", edit(score(), func(p map[string]any) { p["pass_threshold"] = 10.5 }), "parameters.pass_threshold", "between"},
		{"threshold below min", edit(score(), func(p map[string]any) { p["pass_threshold"] = 0 }), "parameters.pass_threshold", "between"},
		{"external judge without URL", edit(classify(), func(p map[string]any) { p["judge"].(map[string]any)["model_source"] = "external" }), "parameters.judge.external_base_url", "external"},
		{"external model without URL", edit(classify(), func(p map[string]any) {
			m := model()
			m["model_source"] = "external"
			p["model_to_evaluate"] = m
		}), "parameters.model_to_evaluate.external_base_url", "external"},
		{"compare without model_b", edit(compareReq(f.ID), func(p map[string]any) { delete(p, "model_b") }), "parameters.model_b", "required for a compare job"},
		{"input file missing", edit(classify(), func(p map[string]any) { p["input_data_file_path"] = "file-nope" }), "parameters.input_data_file_path", "not found"},
		{"input file not eval", edit(classify(), func(p map[string]any) { p["input_data_file_path"] = other.ID }), "parameters.input_data_file_path", `purpose "fine-tune"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, b := e.postJSON("/evaluation", tc.body)
			d := wantError(t, status, b, http.StatusBadRequest, tc.param)
			if d.Type != "invalid_request_error" || !strings.Contains(d.Message, tc.message) {
				t.Errorf("type %q message %q, want one saying %q", d.Type, d.Message, tc.message)
			}
		})
	}
	var list []any
	e.getJSON("/evaluation", &list)
	if len(list) != 0 {
		t.Errorf("%d jobs were created by rejected requests", len(list))
	}
}

// TestCreateAcceptsFieldsItDoesNotKnow: the spec allows more fields, and the service's SDKs send
// some this spec does not list (an older compare's num_samples).
func TestCreateAcceptsFieldsItDoesNotKnow(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(2, `{"prompt": "q%d", "response_a": "a", "response_b": "b"}`))
	req := compareReq(f.ID)
	req["client"] = "test"
	params(req)["num_samples"] = 2
	params(req)["judge"].(map[string]any)["num_workers"] = 3
	if j := e.finished(e.create(req)); j.Status != "completed" {
		t.Errorf("%s: %+v", j.Status, j.Results)
	}
}

// TestInvalidFixturesOfTheSpecAreRejected: the root's invalid create requests get 400 naming the
// field the contract tests expect.
func TestInvalidFixturesOfTheSpecAreRejected(t *testing.T) {
	e := newEnv(t)
	for name, param := range map[string]string{
		"create_one_label.json":               "parameters.labels",
		"create_unknown_type.json":            "type",
		"create_score_missing_threshold.json": "parameters.pass_threshold",
		"create_judge_temperature.json":       "parameters.judge.temperature",
	} {
		b, err := fs.ReadFile(os.DirFS(filepath.Join("..", "testdata", "invalid")), name)
		if err != nil {
			t.Fatal(err)
		}
		status, body := e.postJSON("/evaluation", b)
		t.Run(name, func(t *testing.T) { wantError(t, status, body, http.StatusBadRequest, param) })
	}
}

func TestCreateBodyTooLargeIs400(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(1, twoColumns))
	req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"].(map[string]any)["system_template"] = strings.Repeat("x", 2<<20)
	status, b := e.postJSON("/evaluation", req)
	d := wantError(t, status, b, http.StatusBadRequest, "")
	if !strings.Contains(d.Message, "larger than") {
		t.Errorf("message %q", d.Message)
	}
}

func TestCreateWithWrongContentTypeIs400(t *testing.T) {
	e := newEnv(t)
	status, _, b := e.request(http.MethodPost, "/evaluation", strings.NewReader(`{"type": "classify"}`), "text/plain")
	wantError(t, status, b, http.StatusBadRequest, "")
}

func TestQueryRejections(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ path, param, message string }{
		{"/evaluation?limit=0", "limit", "at least 1"},
		{"/evaluation?limit=ten", "limit", "not a valid value"},
		{"/evaluation?status=done", "status", "allowed values"},
		{"/evaluation/model-list?model_source=cloud", "model_source", "allowed values"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, _, b := e.request(http.MethodGet, tc.path, nil, "")
			d := wantError(t, status, b, http.StatusBadRequest, tc.param)
			if !strings.Contains(d.Message, tc.message) {
				t.Errorf("message %q, want one saying %q", d.Message, tc.message)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, api.WithAPIKeys("sk-one", testKey))
	for _, tc := range []struct{ name, header string }{
		{"no header", ""},
		{"no scheme", testKey + "x"},
		{"basic", "Basic " + testKey},
		{"empty key", "Bearer "},
		{"wrong key", "Bearer sk-wrong-secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/evaluation", "/evaluation/eval-1", "/files/file-1/content", "/nowhere"} {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.base+path, nil)
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := e.ts.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body bytes.Buffer
				_, _ = body.ReadFrom(resp.Body)
				_ = resp.Body.Close()
				d := wantError(t, resp.StatusCode, body.Bytes(), http.StatusUnauthorized, "")
				if d.Type != "invalid_request_error" || d.Code == nil || *d.Code != "invalid_api_key" {
					t.Errorf("%s: %+v", path, d)
				}
				if strings.Contains(body.String(), "sk-wrong-secret") || strings.Contains(body.String(), testKey) {
					t.Errorf("%s: the answer shows the key: %s", path, body.String())
				}
				if path != "/nowhere" {
					if err := e.spec.ValidateResponse(t.Context(), req, resp.StatusCode, resp.Header, body.Bytes()); err != nil {
						t.Errorf("%s: %v", path, err)
					}
				}
			}
		})
	}
	for _, key := range []string{"sk-one", testKey} {
		if status, _, b := e.requestAs(key, http.MethodGet, "/evaluation", nil, ""); status != http.StatusOK {
			t.Errorf("key accepted: %d %s", status, b)
		}
	}
}

func TestAnyKeyByDefault(t *testing.T) {
	e := newEnv(t)
	if status, _, b := e.requestAs("anything", http.MethodGet, "/evaluation", nil, ""); status != http.StatusOK {
		t.Errorf("%d %s", status, b)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t)
	status, _, b := e.request(http.MethodGet, "/nowhere", nil, "")
	d := wantError(t, status, b, http.StatusNotFound, "")
	if !strings.Contains(d.Message, "/v1/nowhere") {
		t.Errorf("message %q", d.Message)
	}
	status, _, b = e.request(http.MethodGet, "/evaluation/eval-1/status/extra", nil, "")
	wantError(t, status, b, http.StatusNotFound, "")
	status, _, b = e.request(http.MethodDelete, "/evaluation", nil, "")
	wantError(t, status, b, http.StatusMethodNotAllowed, "")
	for _, p := range []string{"//evaluation", "/evaluation/", "/evaluation//status", "/evaluation/x/../eval-1", "/files/./x"} {
		// kin-openapi's router forgives a trailing slash; the server does not, so the client-side
		// check would misjudge these.
		status, _, b = e.unchecked(testKey, http.MethodGet, p, nil, "")
		wantError(t, status, b, http.StatusNotFound, "")
	}
	// An escaped id is one path segment, unescaped.
	status, _, b = e.request(http.MethodGet, "/evaluation/a%2Fb%20c/status", nil, "")
	if d := wantError(t, status, b, http.StatusNotFound, ""); !strings.Contains(d.Message, `"a/b c"`) {
		t.Errorf("message %q", d.Message)
	}
	status, _, b = e.request(http.MethodHead, "/evaluation", nil, "")
	if status != http.StatusMethodNotAllowed || len(b) != 0 {
		t.Errorf("HEAD: %d %q", status, b)
	}
	status, _, b = e.request(http.MethodGet, "/files/upload", nil, "")
	// GET /files/upload is GET /files/{id} for id "upload": no such file.
	wantError(t, status, b, http.StatusNotFound, "")
}

// TestCreateWithTrailingDataIsRefused: a body is one JSON value; a second one is not ignored.
func TestCreateWithTrailingDataIsRefused(t *testing.T) {
	e := newEnv(t)
	file := e.upload(rows(1, `{"prompt": "q%d", "response": "r"}`))
	body, err := json.Marshal(classifyReq(file.ID, []string{"yes", "no"}, []string{"yes"}))
	if err != nil {
		t.Fatal(err)
	}
	status, answer := e.postJSON("/evaluation", string(body)+`{"type":"classify"}`)
	d := wantError(t, status, answer, http.StatusBadRequest, "")
	if !strings.Contains(d.Message, "more than one JSON value") {
		t.Errorf("message = %q", d.Message)
	}
	if n := e.srv.Requests(api.OpCreateEvaluation); n != 1 {
		t.Errorf("%d create requests counted", n)
	}
	var jobs []generated.EvaluationJob
	e.getJSON("/evaluation", &jobs)
	if len(jobs) != 0 {
		t.Errorf("%d jobs created", len(jobs))
	}
}

// TestBadTextAndNumbersNameTheField: invalid UTF-8 in a JSON body, and a number no float64 holds,
// are refused with a 400 that names the field, in plain words.
func TestBadTextAndNumbersNameTheField(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(2, twoColumns))
	valid, _ := json.Marshal(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	cases := []struct {
		name, old, new, param, msg string
	}{
		{"invalid UTF-8 in a label", `"yes"`, "\"y\xffs\"", "parameters.labels[0]", "not valid UTF-8"},
		{"invalid UTF-8 in the template", `"Does`, "\"\xc3(Does", "parameters.judge.system_template", "not valid UTF-8"},
		{"a number out of range", `"labels"`, `"num_workers_x": 1e999, "labels"`, "parameters.num_workers_x", "the number 1e999 is out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := strings.Replace(string(valid), c.old, c.new, 1)
			status, b := e.postJSON("/evaluation", []byte(body))
			d := wantError(t, status, b, http.StatusBadRequest, c.param)
			if !strings.Contains(d.Message, c.msg) || strings.Contains(d.Message, "json.Number") || strings.Contains(d.Message, `\"`) {
				t.Errorf("message %q", d.Message)
			}
			if !utf8.Valid(b) {
				t.Errorf("the answer is not valid UTF-8: %q", b)
			}
		})
	}
	score, _ := json.Marshal(scoreReq(f.ID, 1, 10, 5))
	status, b := e.postJSON("/evaluation", []byte(strings.Replace(string(score), `"min_score":1`, `"min_score":-1e999`, 1)))
	if d := wantError(t, status, b, http.StatusBadRequest, "parameters.min_score"); !strings.Contains(d.Message, "-1e999 is out of range") {
		t.Errorf("message %q", d.Message)
	}
}

// TestMalformedIDNamesWhatWasAsked: an id that cannot exist (longer than the spec allows) is a 404
// that names the kind of thing asked for, on every operation that takes an id.
func TestMalformedIDNamesWhatWasAsked(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("a", 300)
	for _, c := range []struct{ method, path, what string }{
		{http.MethodGet, "/evaluation/" + long, "Evaluation job"},
		{http.MethodGet, "/evaluation/" + long + "/status", "Evaluation job"},
		{http.MethodGet, "/files/" + long, "File"},
		{http.MethodGet, "/files/" + long + "/content", "File"},
		{http.MethodDelete, "/files/" + long, "File"},
	} {
		status, _, b := e.request(c.method, c.path, nil, "")
		if d := wantError(t, status, b, http.StatusNotFound, ""); !strings.HasPrefix(d.Message, c.what+" not found") {
			t.Errorf("%s %s...: %q", c.method, c.path[:12], d.Message)
		}
	}
}
