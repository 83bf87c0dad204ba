package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	evals "github.com/evalkit/together-evals"
	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
	"github.com/evalkit/together-evals/internal/contract"
)

const testKey = "sk-test-key-0123456789"

// start is the fake clock's first reading: the documented example's created_at.
var start = time.Date(2025, 7, 23, 17, 10, 4, 837888000, time.UTC)

// Phase durations of test servers: long enough to tell the phases apart on a fake clock.
const (
	pendingFor = 1 * time.Second
	queuedFor  = 2 * time.Second
	runningFor = 3 * time.Second
	lifetime   = pendingFor + queuedFor + runningFor
)

// env is a test server on loopback with a fake clock, and a plain net/http client for it.
type env struct {
	t     *testing.T
	srv   *api.Server
	ts    *httptest.Server
	clock *api.FakeClock
	base  string // URL of the API, with its base path
	spec  *contract.Validator
	// noWait sends requests without first waiting for the background runner (tests of a judge
	// that blocks).
	noWait bool
}

// newEnv starts a server with response validation on. At the end of the test it fails if the server
// recorded any answer that breaks the spec.
func newEnv(t *testing.T, opts ...api.Option) *env {
	t.Helper()
	clock := api.NewFakeClock(start)
	return serveEnv(t, clock, api.New(envOptions(clock, opts)...))
}

func envOptions(clock *api.FakeClock, opts []api.Option) []api.Option {
	return append([]api.Option{
		api.WithClock(clock),
		api.WithPhaseDurations(pendingFor, queuedFor, runningFor),
		api.WithResponseValidation(true),
	}, opts...)
}

// openEnv is newEnv on a server that keeps its data in dir (api.Open), on the given clock.
func openEnv(t *testing.T, dir string, clock *api.FakeClock, opts ...api.Option) *env {
	t.Helper()
	srv, err := api.Open(context.Background(), dir, envOptions(clock, opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return serveEnv(t, clock, srv)
}

// backends makes a test env of each store: in memory, and on disk.
var backends = map[string]func(t *testing.T, opts ...api.Option) *env{
	"memory": newEnv,
	"disk": func(t *testing.T, opts ...api.Option) *env {
		return openEnv(t, t.TempDir(), api.NewFakeClock(start), opts...)
	},
}

func serveEnv(t *testing.T, clock *api.FakeClock, srv *api.Server) *env {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	e := &env{t: t, srv: srv, ts: ts, clock: clock, base: ts.URL + "/v1", spec: specValidator(t, "/v1")}
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		for _, v := range srv.Violations() {
			t.Errorf("the server answered against the spec: %v", v)
		}
	})
	return e
}

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
)

// specValidator checks against openapi.yaml itself, independently of the server's own checks. The
// file is loaded once.
func specValidator(t *testing.T, base string) *contract.Validator {
	t.Helper()
	specOnce.Do(func() { specDoc, specErr = contract.Load(context.Background(), evals.Spec) })
	if specErr != nil {
		t.Fatal(specErr)
	}
	v, err := contract.New(specDoc, base)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// request sends a request with the test key and returns the status, headers and body. Every
// answer to a spec operation is also validated here, on the client side.
func (e *env) request(method, path string, body io.Reader, contentType string) (int, http.Header, []byte) {
	e.t.Helper()
	return e.requestAs(testKey, method, path, body, contentType)
}

func (e *env) requestAs(key, method, path string, body io.Reader, contentType string) (int, http.Header, []byte) {
	e.t.Helper()
	return e.send(key, method, path, body, contentType, true)
}

// unchecked is requestAs without the client-side check, for answers that break the spec on
// purpose (injected faults).
func (e *env) unchecked(key, method, path string, body io.Reader, contentType string) (int, http.Header, []byte) {
	e.t.Helper()
	return e.send(key, method, path, body, contentType, false)
}

func (e *env) send(key, method, path string, body io.Reader, contentType string, check bool) (int, http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// What a request reads must not depend on how fast the background runner is.
	if !e.noWait {
		waitCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.srv.WaitIdle(waitCtx); err != nil {
			e.t.Fatalf("the runner did not finish its jobs: %v", err)
		}
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if _, _, err := e.spec.Route(req); err == nil && check {
		if err := e.spec.ValidateResponse(context.Background(), req, resp.StatusCode, resp.Header, b); err != nil {
			e.t.Errorf("%s %s: answer breaks the spec: %v", method, path, err)
		}
	}
	return resp.StatusCode, resp.Header, b
}

// getJSON GETs path, wants 200 and decodes the body into out.
func (e *env) getJSON(path string, out any) {
	e.t.Helper()
	status, _, body := e.request(http.MethodGet, path, nil, "")
	if status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		e.t.Fatalf("GET %s: decode: %v\n%s", path, err, body)
	}
}

// form is a multipart upload, fields in order; a field named "file" is sent as a file part.
type form [][2]string

func (f form) encode() (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, kv := range f {
		if kv[0] == "file" {
			w, _ := mw.CreateFormFile("file", "data.jsonl")
			_, _ = io.WriteString(w, kv[1])
			continue
		}
		_ = mw.WriteField(kv[0], kv[1])
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// uploadForm posts a multipart form to /files/upload.
func (e *env) uploadForm(f form) (int, []byte) {
	e.t.Helper()
	body, ct := f.encode()
	status, _, b := e.request(http.MethodPost, "/files/upload", body, ct)
	return status, b
}

// upload stores content as an eval file and returns its object.
func (e *env) upload(content string) generated.FileObject {
	e.t.Helper()
	return e.uploadAs("eval", content)
}

func (e *env) uploadAs(purpose, content string) generated.FileObject {
	e.t.Helper()
	status, b := e.uploadForm(form{{"purpose", purpose}, {"file_name", "data.jsonl"}, {"file_type", "jsonl"}, {"file", content}})
	if status != http.StatusOK {
		e.t.Fatalf("upload: %d %s", status, b)
	}
	var f generated.FileObject
	if err := json.Unmarshal(b, &f); err != nil {
		e.t.Fatal(err)
	}
	return f
}

// create posts a create request and wants 200; it returns the new job's id.
func (e *env) create(body any) string {
	e.t.Helper()
	status, b := e.postJSON("/evaluation", body)
	if status != http.StatusOK {
		e.t.Fatalf("create: %d %s", status, b)
	}
	var resp generated.EvaluationCreateResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		e.t.Fatal(err)
	}
	if resp.Status != generated.EvaluationCreateResponseStatusPending || !strings.HasPrefix(resp.WorkflowID, "eval-") {
		e.t.Fatalf("create answered %s", b)
	}
	return resp.WorkflowID
}

func (e *env) postJSON(path string, body any) (int, []byte) {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	status, _, b := e.request(http.MethodPost, path, bytes.NewReader(raw), "application/json")
	return status, b
}

func (e *env) job(id string) generated.EvaluationJob {
	e.t.Helper()
	var j generated.EvaluationJob
	e.getJSON("/evaluation/"+id, &j)
	return j
}

// finished advances the clock past the job's life and returns the job.
func (e *env) finished(id string) generated.EvaluationJob {
	e.t.Helper()
	e.clock.Advance(lifetime)
	return e.job(id)
}

func (e *env) content(fileID string) string {
	e.t.Helper()
	status, h, b := e.request(http.MethodGet, "/files/"+fileID+"/content", nil, "")
	if status != http.StatusOK {
		e.t.Fatalf("content of %s: %d %s", fileID, status, b)
	}
	if ct := h.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		e.t.Errorf("content type %q", ct)
	}
	return string(b)
}

// errorData decodes an ErrorData answer.
func errorData(t *testing.T, body []byte) generated.ErrorDetail {
	t.Helper()
	var d generated.ErrorData
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("not ErrorData: %v\n%s", err, body)
	}
	if d.Error.Type == "" || d.Error.Message == "" {
		t.Fatalf("ErrorData without type or message: %s", body)
	}
	return d.Error
}

// wantError checks an error answer: its status, and a param naming the field (none if param is "").
func wantError(t *testing.T, status int, body []byte, wantStatus int, param string) generated.ErrorDetail {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	d := errorData(t, body)
	got := ""
	if d.Param != nil {
		got = *d.Param
	}
	if got != param {
		t.Errorf("param %q, want %q (message %q)", got, param, d.Message)
	}
	if param != "" && !strings.Contains(d.Message, param) {
		t.Errorf("message %q does not name %q", d.Message, param)
	}
	return d
}

// fixture reads a create request of the root testdata and points it at fileID.
func fixture(t *testing.T, name, fileID string) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(os.DirFS(filepath.Join("..", "testdata", "requests")), name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["parameters"].(map[string]any)["input_data_file_path"] = fileID
	return m
}

// classifyReq is a classify job over the columns prompt and response.
func classifyReq(fileID string, labels, pass []string) map[string]any {
	return map[string]any{
		"type": "classify",
		"parameters": map[string]any{
			"judge":                judge("openai/gpt-oss-120b", "Does the response answer {{prompt}}?"),
			"labels":               labels,
			"pass_labels":          pass,
			"model_to_evaluate":    "response",
			"input_data_file_path": fileID,
		},
	}
}

func scoreReq(fileID string, lo, hi, threshold float64) map[string]any {
	return map[string]any{
		"type": "score",
		"parameters": map[string]any{
			"judge":                judge("openai/gpt-oss-120b", "Rate the response to {{prompt}}."),
			"min_score":            lo,
			"max_score":            hi,
			"pass_threshold":       threshold,
			"model_to_evaluate":    "response",
			"input_data_file_path": fileID,
		},
	}
}

func compareReq(fileID string) map[string]any {
	return map[string]any{
		"type": "compare",
		"parameters": map[string]any{
			"judge":                judge("openai/gpt-oss-120b", "Which answer to {{prompt}} is better?"),
			"model_a":              "response_a",
			"model_b":              "response_b",
			"input_data_file_path": fileID,
		},
	}
}

func judge(model, template string) map[string]any {
	return map[string]any{"model": model, "model_source": "serverless", "system_template": template}
}

// params returns the parameters object of a request built above.
func params(req map[string]any) map[string]any { return req["parameters"].(map[string]any) }

// rows makes n JSONL rows from a pattern with one %d.
func rows(n int, pattern string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, pattern+"\n", i)
	}
	return b.String()
}

// newServer serves srv on loopback until the test ends.
func newServer(t *testing.T, srv *api.Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// wantOwnerID is the owner_id of a key's jobs: "user-" and the first 16 hex digits of the key's
// SHA-256 (the server keeps the hash, never the key).
func wantOwnerID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "user-" + hex.EncodeToString(sum[:])[:16]
}
