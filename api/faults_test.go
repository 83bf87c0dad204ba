package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
)

// answer is a response read whole.
type answer struct {
	StatusCode int
	Header     http.Header
}

// raw sends a GET with the test key and returns the answer or the transport error.
func (e *env) raw(ctx context.Context, path string) (answer, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+path, nil)
	if err != nil {
		return answer{}, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		return answer{}, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header}, b, err
}

func TestFaultStatusWithRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.srv.Faults().Inject(api.OpListEvaluations, 2, api.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3"})
	if n := e.srv.Faults().Pending(api.OpListEvaluations); n != 2 {
		t.Errorf("pending %d", n)
	}
	for i := range 2 {
		resp, b, err := e.raw(t.Context(), "/evaluation")
		if err != nil {
			t.Fatal(err)
		}
		d := wantError(t, resp.StatusCode, b, http.StatusTooManyRequests, "")
		if resp.Header.Get("Retry-After") != "3" || d.Type != "rate_limit_error" || d.Code == nil || *d.Code != "rate_limit_exceeded" {
			t.Errorf("answer %d: Retry-After %q, %+v", i, resp.Header.Get("Retry-After"), d)
		}
	}
	if status, _, b := e.request(http.MethodGet, "/evaluation", nil, ""); status != http.StatusOK {
		t.Errorf("after the faults: %d %s", status, b)
	}
	if n := e.srv.Requests(api.OpListEvaluations); n != 3 {
		t.Errorf("Requests = %d, want 3", n)
	}
	if n := e.srv.Requests("listEvaluations"); n != 3 {
		t.Errorf("Requests by the spec's spelling = %d, want 3", n)
	}
}

func TestFaultsQueueInOrderPerOperation(t *testing.T) {
	e := newEnv(t)
	f := e.srv.Faults()
	f.Inject(api.OpGetEvaluation, 1, api.Fault{Status: http.StatusServiceUnavailable, Message: "try later"})
	f.Inject(api.OpGetEvaluation, 1, api.Fault{Status: http.StatusInternalServerError})
	f.Inject(api.OpGetFile, 1, api.Fault{Status: http.StatusBadGateway})

	// Other operations are not affected.
	if status, _, b := e.request(http.MethodGet, "/evaluation", nil, ""); status != http.StatusOK {
		t.Errorf("list: %d %s", status, b)
	}
	for _, want := range []struct {
		status int
		msg    string
	}{{503, "try later"}, {500, "Internal Server Error"}, {404, "not found"}} {
		resp, b, err := e.raw(t.Context(), "/evaluation/eval-x")
		if err != nil {
			t.Fatal(err)
		}
		d := wantError(t, resp.StatusCode, b, want.status, "")
		if !strings.Contains(d.Message, want.msg) {
			t.Errorf("%d: message %q", want.status, d.Message)
		}
	}
	if f.Pending(api.OpGetFile) != 1 {
		t.Error("the GetFile fault was used up by another operation")
	}
	f.Reset()
	if f.Pending(api.OpGetFile) != 0 {
		t.Error("Reset left a fault")
	}
}

func TestFaultDelay(t *testing.T) {
	e := newEnv(t)
	e.srv.Faults().Inject(api.OpGetEvaluationStatus, 1, api.Fault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, _, err := e.raw(ctx, "/evaluation/eval-x/status")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client to give up waiting", err)
	}
	// A short delay, then the normal answer.
	e.srv.Faults().Inject(api.OpGetEvaluationStatus, 1, api.Fault{Delay: time.Millisecond})
	resp, b, err := e.raw(t.Context(), "/evaluation/eval-x/status")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode, b, http.StatusNotFound, "")
}

func TestFaultDrop(t *testing.T) {
	e := newEnv(t)
	e.srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Drop: true})
	_, _, err := e.raw(t.Context(), "/evaluation/eval-x")
	if err == nil {
		t.Fatal("a dropped connection gave an answer")
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("err = %v", err)
	}
	resp, b, err := e.raw(t.Context(), "/evaluation/eval-x")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode, b, http.StatusNotFound, "")
}

func TestFaultCut(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(4, twoColumns))
	id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	_, whole, err := e.raw(t.Context(), "/evaluation/"+id)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Faults().Inject(api.OpGetEvaluation, 1, api.Fault{Cut: true})
	resp, b, err := e.raw(t.Context(), "/evaluation/"+id)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want an unexpected EOF in the body", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Length") != strconv.Itoa(len(whole)) {
		t.Errorf("status %d, Content-Length %q; want 200 and %d", resp.StatusCode, resp.Header.Get("Content-Length"), len(whole))
	}
	if string(b) != string(whole[:len(whole)/2]) {
		t.Errorf("body %q, want the first half of %q", b, whole)
	}
	if _, again, err := e.raw(t.Context(), "/evaluation/"+id); err != nil || string(again) != string(whole) {
		t.Errorf("the next answer: %q, %v", again, err)
	}
}

func TestFaultMalformed(t *testing.T) {
	e := newEnv(t)
	e.srv.Faults().Inject(api.OpCreateEvaluation, 1, api.Fault{Malformed: true})
	status, _, b := e.unchecked(testKey, http.MethodPost, "/evaluation", strings.NewReader(`{}`), "application/json")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var v any
	if err := json.Unmarshal(b, &v); err == nil {
		t.Errorf("body %s is valid JSON", b)
	}
	if e.srv.Requests(api.OpCreateEvaluation) != 1 {
		t.Errorf("Requests = %d", e.srv.Requests(api.OpCreateEvaluation))
	}
}

// TestFaultsComeBeforeAuthentication: a fault stands for the network or a proxy failing, before
// the API looks at the request.
func TestFaultsComeBeforeAuthentication(t *testing.T) {
	e := newEnv(t)
	e.srv.Faults().Inject(api.OpListEvaluations, 1, api.Fault{Status: http.StatusBadGateway})
	status, _, b := e.unchecked("", http.MethodGet, "/evaluation", nil, "")
	wantError(t, status, b, http.StatusBadGateway, "")
	status, _, b = e.requestAs("", http.MethodGet, "/evaluation", nil, "")
	wantError(t, status, b, http.StatusUnauthorized, "")
	if n := e.srv.Requests(api.OpListEvaluations); n != 2 {
		t.Errorf("Requests = %d: rejected requests count too", n)
	}
}

func TestProgrammingErrorsPanic(t *testing.T) {
	srv := api.New()
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"Inject", func() { srv.Faults().Inject("GetEvalution", 1, api.Fault{Status: 500}) }, `unknown operation id "GetEvalution"`},
		{"Pending", func() { srv.Faults().Pending("nope") }, `unknown operation id "nope"`},
		{"Requests", func() { srv.Requests("") }, `unknown operation id ""`},
		{"status", func() { srv.Faults().Inject(api.OpGetFile, 1, api.Fault{Status: 1000}) }, "status 1000 is not an HTTP status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.Contains(r, tc.want) {
					t.Errorf("recovered %q, want a panic saying %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t, api.WithControlAPI(true))
	control := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequestWithContext(t.Context(), method, e.ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if status, b := control(http.MethodPost, "/_control/faults", `{"operation": "getEvaluation", "times": 1, "status": 429, "retry_after": "2"}`); status != http.StatusNoContent {
		t.Fatalf("%d %s", status, b)
	}
	resp, b, err := e.raw(t.Context(), "/evaluation/eval-x")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode, b, http.StatusTooManyRequests, "")
	if resp.Header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}

	status, b := control(http.MethodGet, "/_control/requests", "")
	var counts map[string]int
	if err := json.Unmarshal(b, &counts); status != http.StatusOK || err != nil || counts["GetEvaluation"] != 1 || counts["CreateEvaluation"] != 0 {
		t.Errorf("%d %s", status, b)
	}

	_, _ = control(http.MethodPost, "/_control/faults", `{"operation": "GetFile", "times": 3, "drop": true}`)
	if status, _ := control(http.MethodDelete, "/_control/faults", ""); status != http.StatusNoContent || e.srv.Faults().Pending(api.OpGetFile) != 0 {
		t.Errorf("DELETE: %d, %d pending", status, e.srv.Faults().Pending(api.OpGetFile))
	}

	for _, bad := range []struct{ body, param string }{
		{`{"operation": "Nope", "times": 1}`, "operation"},
		{`{"operation": "GetFile", "times": 0}`, "times"},
		{`{"operation": "GetFile", "times": 1, "status": 1000}`, "status"},
		{`{"operation": "GetFile", "times": 1, "colour": "red"}`, ""},
	} {
		status, b := control(http.MethodPost, "/_control/faults", bad.body)
		wantError(t, status, b, http.StatusBadRequest, bad.param)
	}
	status, b = control(http.MethodGet, "/_control/nothing", "")
	wantError(t, status, b, http.StatusNotFound, "")

	// The control API is off by default, and needs a key.
	status, _ = control(http.MethodGet, "/_control/requests", "")
	if status != http.StatusOK {
		t.Errorf("with a key: %d", status)
	}
	off := newEnv(t)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, off.ts.URL+"/_control/requests", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	r, err := off.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Body.Close()
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("control API off: %d", r.StatusCode)
	}
}
