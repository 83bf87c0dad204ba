package wrappers_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

func TestNewClientMissingKey(t *testing.T) {
	t.Setenv(wrappers.EnvAPIKey, "")
	_, err := wrappers.NewClient()
	if err == nil {
		t.Fatal("NewClient without a key succeeded")
	}
	mustContain(t, err.Error(), "TOGETHER_API_KEY")
	mustContain(t, err.Error(), "WithAPIKey")
}

func TestNewClientFromEnvironment(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "documented_job.json"))
	t.Setenv(wrappers.EnvAPIKey, testKey+"\n")
	t.Setenv(wrappers.EnvBaseURL, s.URL+"/v1/")
	c, err := wrappers.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.BaseURL(), s.URL+"/v1"; got != want {
		t.Errorf("BaseURL() = %q, want %q", got, want)
	}
	if _, err := c.Retrieve(ctxT(t), "eval-1234aedf"); err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[0].Path; got != "/v1/evaluation/eval-1234aedf" {
		t.Errorf("path = %q", got)
	}
}

func TestNewClientDefaultBaseURL(t *testing.T) {
	t.Setenv(wrappers.EnvBaseURL, "")
	c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BaseURL(); got != "https://api.together.ai/v1" {
		t.Errorf("BaseURL() = %q", got)
	}
}

func TestNewClientBaseURLs(t *testing.T) {
	for _, tc := range []struct {
		url     string
		wantErr string
	}{
		{"https://api.together.ai/v1", ""},
		{"http://127.0.0.1:8080/v1", ""},
		{"http://127.5.6.7/v1", ""},
		{"http://localhost:8080/v1", ""},
		{"http://LOCALHOST/v1", ""},
		{"http://[::1]:8080/v1", ""},
		{"http://api.together.ai/v1", "refusing to send the API key over plain http"},
		{"http://10.0.0.1/v1", "refusing to send the API key over plain http"},
		{"http://localhost.example.com/v1", "refusing to send the API key over plain http"},
		{"http://127.0.0.1.nip.io/v1", "refusing to send the API key over plain http"},
		{"ftp://api.together.ai/v1", "the scheme must be https"},
		{"api.together.ai/v1", "the scheme must be https"},
		{"https:///v1", "no host"},
		{"https://user:hunter2@api.together.ai/v1", "must not hold credentials"},
		{"https://api.together.ai/v1?x=1", "must not have a query"},
		{"https://api.together.ai/v1#x", "must not have a query or fragment"},
		{"https://api.together.ai/%zz", `base URL: not a URL: invalid URL escape "%zz"`},
		// A URL that does not parse is not quoted back: it may hold credentials.
		{"https://user:hunter2@api.together.ai:x/v1", `base URL: not a URL: invalid port ":x" after host`},
		{"http://[::1", "base URL: not a URL: missing ']' in host"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(tc.url))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatal("no error")
			case err != nil:
				mustContain(t, err.Error(), tc.wantErr)
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), testKey) {
					t.Errorf("error leaks a credential: %v", err)
				}
			}
		})
	}
}

func TestNewClientOptionErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		opt  wrappers.Option
		want string
	}{
		"empty key":        {wrappers.WithAPIKey(""), "WithAPIKey: the key is empty"},
		"key with space":   {wrappers.WithAPIKey("sk bad"), "the API key holds a space or a control character"},
		"key with newline": {wrappers.WithAPIKey("sk\nbad"), "the API key holds a space or a control character"},
		"empty base":       {wrappers.WithBaseURL(""), "WithBaseURL: the URL is empty"},
		"nil client":       {wrappers.WithHTTPClient(nil), "WithHTTPClient: the client is nil"},
		"negative retries": {wrappers.WithMaxRetries(-1), "WithMaxRetries: -1 is negative"},
		"negative timeout": {wrappers.WithTimeout(-time.Second), "WithTimeout: -1s is negative"},
		"empty ua":         {wrappers.WithUserAgent(""), "WithUserAgent: the user agent is empty"},
		"ua newline":       {wrappers.WithUserAgent("a\r\nX-Evil: 1"), "control character"},
		"zero min wait":    {wrappers.WithRetryWaitBounds(0, time.Second), "need 0 < min <= max"},
		"max below min":    {wrappers.WithRetryWaitBounds(time.Second, time.Millisecond), "need 0 < min <= max"},
	} {
		t.Run(name, func(t *testing.T) {
			opts := []wrappers.Option{wrappers.WithAPIKey(testKey), tc.opt}
			_, err := wrappers.NewClient(opts...)
			if err == nil {
				t.Fatal("no error")
			}
			mustContain(t, err.Error(), tc.want)
			if strings.Contains(err.Error(), "bad") {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "documented_job.json"))
	if _, err := newClient(t, s).Retrieve(ctxT(t), "eval-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := newClient(t, s, wrappers.WithUserAgent("my-tool/2")).Retrieve(ctxT(t), "eval-1"); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if got := reqs[0].Header.Get("User-Agent"); got != wrappers.DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, wrappers.DefaultUserAgent)
	}
	if got := reqs[1].Header.Get("User-Agent"); got != "my-tool/2" {
		t.Errorf("User-Agent = %q, want my-tool/2", got)
	}
	if got := reqs[0].Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
}

func TestRetrieveDocumentedExample(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "documented_job.json"))
	job, err := newClient(t, s).Retrieve(ctxT(t), "eval-1234aedf")
	if err != nil {
		t.Fatal(err)
	}
	counts, err := job.LabelCounts()
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts["yes"] != 10 || counts["no"] != 0 {
		t.Errorf("LabelCounts() = %v, want map[no:0 yes:10]", counts)
	}
	if _, ok := counts["no"]; !ok {
		t.Error(`LabelCounts() lost "no"`)
	}
	created := time.Date(2025, 7, 23, 17, 10, 4, 837888000, time.UTC)
	if job.ID != "eval-1234aedf" || job.Type != wrappers.TypeClassify || job.Status != wrappers.StatusCompleted ||
		job.OwnerID != "<string>" || !job.CreatedAt.Equal(created) || !job.UpdatedAt.Equal(created) {
		t.Errorf("job = %+v", job)
	}
	if !job.Done() || !job.Succeeded() || !job.HasResults() {
		t.Error("the completed job is not done and succeeded with results")
	}
	if len(job.StatusUpdates()) != 1 || job.StatusUpdates()[0].Status != wrappers.StatusPending ||
		job.StatusUpdates()[0].Message != "Job is pending evaluation" || !job.StatusUpdates()[0].Time.Equal(created) {
		t.Errorf("StatusUpdates() = %+v", job.StatusUpdates())
	}
	if string(job.Parameters) != "{}" {
		t.Errorf("Parameters = %s", job.Parameters)
	}
	if string(job.Raw) != string(fixture(t, "documented_job.json")) {
		t.Error("Raw is not the body as sent")
	}
	res, err := job.ClassifyResults()
	if err != nil {
		t.Fatal(err)
	}
	if res.ResultFileID != "file-1234-aefd" || res.InvalidLabelCount != 0 || res.GenerationFailCount != 0 ||
		res.JudgeFailCount != 0 || res.PassPercentage == nil || *res.PassPercentage != 10 ||
		res.LabelCountsRaw != `{"yes": 10, "no": 0}` || len(res.Absent) != 0 || res.Usage != nil {
		t.Errorf("ClassifyResults() = %+v", res)
	}
	if p, ok := job.PassPercentage(); !ok || p != 10 {
		t.Errorf("PassPercentage() = %v, %v", p, ok)
	}
	raw, ok := job.RawLabelCounts()
	if !ok || raw != `{"yes": 10, "no": 0}` {
		t.Errorf("RawLabelCounts() = %q, %v", raw, ok)
	}
	ordered, err := job.LabelCountsOrdered()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ordered) != "[{yes 10} {no 0}]" {
		t.Errorf("LabelCountsOrdered() = %v", ordered)
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		status  wrappers.Status
		done    bool
		results string // the concrete results type, or "" for none
	}{
		{"status_completed.json", wrappers.StatusCompleted, true, "*wrappers.ClassifyResults"},
		{"status_failed.json", wrappers.StatusError, true, "*wrappers.ErrorResults"},
		{"status_queued_no_results.json", wrappers.StatusQueued, false, ""},
		{"status_running.json", wrappers.StatusRunning, false, ""},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			s := newServer(t, serveFixture(t, 200, "responses/"+tc.fixture))
			st, err := newClient(t, s).Status(ctxT(t), "eval-1")
			if err != nil {
				t.Fatal(err)
			}
			if got := s.requests()[0].Path; got != "/v1/evaluation/eval-1/status" {
				t.Errorf("path = %q", got)
			}
			if st.ID != "eval-1" || st.Status != tc.status || st.Done() != tc.done || st.HasResults() != (tc.results != "") {
				t.Errorf("status = %+v", st)
			}
			res, err := st.Results()
			if tc.results == "" {
				if !errors.Is(err, wrappers.ErrNoResults) {
					t.Errorf("Results() error = %v, want ErrNoResults", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", res); got != tc.results {
				t.Errorf("Results() is %s, want %s", got, tc.results)
			}
		})
	}
}

func TestStatusLabelCountsAndError(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/status_completed.json"))
	st, err := newClient(t, s).Status(ctxT(t), "eval-1")
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.LabelCounts()
	if err != nil || counts["yes"] != 10 || counts["no"] != 0 || len(counts) != 2 {
		t.Errorf("LabelCounts() = %v, %v", counts, err)
	}
	s2 := newServer(t, serveFixture(t, 200, "responses/status_failed.json"))
	st, err = newClient(t, s2).Status(ctxT(t), "eval-1")
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := st.ErrorResult(); !ok || msg != "judge returned no output for 100% of rows" {
		t.Errorf("ErrorResult() = %q, %v", msg, ok)
	}
	if st.Succeeded() {
		t.Error("a failed status succeeded")
	}
}

func TestList(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/list.json"))
	c := newClient(t, s)
	jobs, err := c.List(ctxT(t), wrappers.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].ID != "eval-7c1d2e3f" || jobs[0].Status != wrappers.StatusRunning ||
		jobs[1].ID != "eval-2" || jobs[1].Type != wrappers.TypeCompare {
		t.Fatalf("jobs = %+v", jobs)
	}
	if !strings.Contains(string(jobs[1].Raw), `"workflow_id": "eval-2"`) || strings.Contains(string(jobs[1].Raw), "eval-7c1d2e3f") {
		t.Errorf("Raw of job 2 = %s", jobs[1].Raw)
	}
	cr, err := jobs[1].CompareResults()
	if err != nil || cr.AWins != 1 || cr.BWins != 0 || cr.Ties != 0 {
		t.Errorf("CompareResults() = %+v, %v", cr, err)
	}
	if _, err := c.List(ctxT(t), wrappers.ListOptions{Status: wrappers.StatusCompleted, Limit: 5}); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if reqs[0].RawQuery != "" || reqs[0].Path != "/v1/evaluation" {
		t.Errorf("first list sent %s?%s", reqs[0].Path, reqs[0].RawQuery)
	}
	if reqs[1].RawQuery != "status=completed&limit=5" {
		t.Errorf("query = %q", reqs[1].RawQuery)
	}
}

func TestListEmpty(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/list_empty.json"))
	jobs, err := newClient(t, s).List(ctxT(t), wrappers.ListOptions{})
	if err != nil || jobs == nil || len(jobs) != 0 {
		t.Errorf("List() = %v, %v; want an empty list", jobs, err)
	}
}

func TestListOptionsValidated(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/list.json"))
	c := newClient(t, s)
	for _, tc := range []struct {
		opts wrappers.ListOptions
		want string
	}{
		{wrappers.ListOptions{Status: "exploded"}, `status: must be one of pending, queued, running, completed, error, user_error, got "exploded"`},
		{wrappers.ListOptions{Limit: -1}, "limit: must be at least 1, got -1"},
	} {
		_, err := c.List(ctxT(t), tc.opts)
		var ve *wrappers.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("List(%+v) error = %v, want a *ValidationError", tc.opts, err)
		}
		mustContain(t, err.Error(), tc.want)
	}
	if s.n() != 0 {
		t.Errorf("%d requests sent for invalid options", s.n())
	}
}

func TestModels(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "responses/models.json"))
	c := newClient(t, s)
	models, err := c.Models(ctxT(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(models, ",") != "openai/gpt-oss-120b,Qwen/Qwen3.5-9B,deepseek-ai/DeepSeek-V3" {
		t.Errorf("Models() = %v", models)
	}
	if _, err := c.Models(ctxT(t), wrappers.ModelSourceServerless); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Models(ctxT(t), wrappers.ModelSourceAll); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if reqs[0].Path != "/v1/evaluation/model-list" || reqs[0].RawQuery != "" ||
		reqs[1].RawQuery != "model_source=serverless" || reqs[2].RawQuery != "model_source=all" {
		t.Errorf("requests = %+v", reqs)
	}
	_, err = c.Models(ctxT(t), "cloud")
	mustContain(t, fmt.Sprint(err), `model_source: must be one of all, serverless, dedicated, external, got "cloud"`)
	if s.n() != 3 {
		t.Errorf("an invalid source was sent")
	}
}

func TestAPIErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		sentinel   error
		want       wrappers.APIError
		wantSubstr string
	}{
		{
			name: "404 json", status: 404, body: string(fixture(t, "responses/error_404.json")),
			header:   http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-123"}},
			sentinel: wrappers.ErrNotFound,
			want: wrappers.APIError{
				StatusCode: 404, Method: "GET", Path: "/evaluation/eval-x", Type: "not_found_error",
				Message: "Evaluation job not found", RequestID: "req-123",
			},
			wantSubstr: "wrappers: GET /evaluation/eval-x: 404 Not Found: not_found_error: Evaluation job not found (request id req-123)",
		},
		{
			name: "401 json", status: 401, body: string(fixture(t, "responses/error_401.json")),
			header:   http.Header{"Content-Type": {"application/json"}, "Request-Id": {"r-9"}},
			sentinel: wrappers.ErrUnauthorized,
			want: wrappers.APIError{
				StatusCode: 401, Method: "GET", Path: "/evaluation/eval-x", Type: "invalid_request_error",
				Message: "Invalid API key provided", RequestID: "r-9",
			},
		},
		{
			name: "429 with retry-after", status: 429, body: string(fixture(t, "responses/error_429.json")),
			header:   http.Header{"Content-Type": {"application/json"}, "Retry-After": {"7"}},
			sentinel: wrappers.ErrRateLimited,
			want: wrappers.APIError{
				StatusCode: 429, Method: "GET", Path: "/evaluation/eval-x", Type: "rate_limit_error",
				Code: "rate_limit_exceeded", Message: "Rate limit exceeded", RetryAfter: 7 * time.Second,
			},
		},
		{
			name: "400 with param", status: 400, body: string(fixture(t, "responses/error_400.json")),
			header: http.Header{"Content-Type": {"application/json"}},
			want: wrappers.APIError{
				StatusCode: 400, Method: "GET", Path: "/evaluation/eval-x", Type: "invalid_request_error",
				Code: "invalid_value", Param: "parameters.labels", Message: "labels: at least 2 labels are required",
			},
			wantSubstr: "(param parameters.labels)",
		},
		{
			name: "html 403", status: 403, body: "<html><body>\n  Forbidden by proxy\n</body></html>",
			header:     http.Header{"Content-Type": {"text/html"}},
			want:       wrappers.APIError{StatusCode: 403, Method: "GET", Path: "/evaluation/eval-x", Body: "<html><body>   Forbidden by proxy </body></html>"},
			wantSubstr: `403 Forbidden: "<html><body>   Forbidden by proxy </body></html>"`,
		},
		{
			name: "json content type, broken body", status: 404, body: `{"error": {"message": "trunc`,
			header:   http.Header{"Content-Type": {"application/json"}},
			sentinel: wrappers.ErrNotFound,
			want:     wrappers.APIError{StatusCode: 404, Method: "GET", Path: "/evaluation/eval-x", Body: `{"error": {"message": "trunc`},
		},
		{
			name: "empty body", status: 418, header: http.Header{},
			want: wrappers.APIError{StatusCode: 418, Method: "GET", Path: "/evaluation/eval-x"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tc.header {
					w.Header()[k] = v
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := newClient(t, s, wrappers.WithMaxRetries(0)).Retrieve(ctxT(t), "eval-x")
			var ae *wrappers.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v, want an *APIError", err)
			}
			if *ae != tc.want {
				t.Errorf("APIError =\n %+v\nwant\n %+v", *ae, tc.want)
			}
			for _, sentinel := range []error{wrappers.ErrNotFound, wrappers.ErrUnauthorized, wrappers.ErrRateLimited} {
				if got, want := errors.Is(err, sentinel), tc.sentinel != nil && errors.Is(tc.sentinel, sentinel); got != want {
					t.Errorf("errors.Is(err, %v) = %v", sentinel, got)
				}
			}
			if tc.wantSubstr != "" {
				mustContain(t, err.Error(), tc.wantSubstr)
			}
		})
	}
}

func TestAPIErrorBodyIsBounded(t *testing.T) {
	huge := strings.Repeat("x", 4<<20)
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		_, _ = w.Write([]byte(huge))
	})
	_, err := newClient(t, s, wrappers.WithMaxRetries(0)).Retrieve(ctxT(t), "eval-x")
	var ae *wrappers.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v", err)
	}
	if ae.StatusCode != 500 || len(ae.Body) > 520 || !strings.HasPrefix(ae.Body, "xxxx") || !strings.HasSuffix(ae.Body, "...") {
		t.Errorf("status %d, body snippet of %d bytes", ae.StatusCode, len(ae.Body))
	}
	if len(err.Error()) > 700 {
		t.Errorf("the error message is %d bytes long", len(err.Error()))
	}
}

func TestSuccessWithUndecodableBody(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>captive portal</html>"))
	})
	_, err := newClient(t, s).Retrieve(ctxT(t), "eval-x")
	var na *wrappers.NotAPIError
	if !errors.As(err, &na) {
		t.Fatalf("error = %v, want a *NotAPIError (a web page is not the API)", err)
	}
	if !errors.Is(err, wrappers.ErrNotEvaluationsAPI) || errors.Is(err, wrappers.ErrNotFound) {
		t.Errorf("error = %v: matches ErrNotEvaluationsAPI %v, ErrNotFound %v", err,
			errors.Is(err, wrappers.ErrNotEvaluationsAPI), errors.Is(err, wrappers.ErrNotFound))
	}
	mustContain(t, err.Error(), `does not answer as the Evaluations API: GET /evaluation/eval-x got 200 OK with an HTML page`)
}

// TestSuccessWithBrokenJSON checks that a JSON answer that does not decode stays a decoding
// error (the API's answer, damaged), not a *NotAPIError.
func TestSuccessWithBrokenJSON(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"workflow_id": "eval-x", "status": `))
	})
	_, err := newClient(t, s, wrappers.WithMaxRetries(0)).Retrieve(ctxT(t), "eval-x")
	var de *wrappers.AnswerDecodeError
	if !errors.As(err, &de) || errors.Is(err, wrappers.ErrNotEvaluationsAPI) {
		t.Fatalf("error = %v, want an *AnswerDecodeError", err)
	}
	if want := "wrappers: GET /evaluation/eval-x: the answer (200 OK) cannot be read: its JSON ends early (the answer was cut off)"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestRedirectToAnotherHostDropsTheKey(t *testing.T) {
	var otherAuth []string
	var mu sync.Mutex
	other := newServerNoChecks(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		otherAuth = append(otherAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		writeJSON(w, 200, fixture(t, "documented_job.json"))
	})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect) //nolint:gosec // a test server
	})
	job, err := newClient(t, s).Retrieve(ctxT(t), "eval-1234aedf")
	if err != nil {
		t.Fatal(err)
	}
	if job.ID != "eval-1234aedf" {
		t.Errorf("ID = %q", job.ID)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(otherAuth) != 1 || otherAuth[0] != "" {
		t.Errorf("the other host got Authorization %q", otherAuth)
	}
}

func TestRedirectURLsStayOutOfErrors(t *testing.T) {
	other := newServerNoChecks(t, func(w http.ResponseWriter, _ *http.Request) {
		hijackAndClose(t, w)
	})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path+"?k="+testKey, http.StatusTemporaryRedirect) //nolint:gosec // a test server
	})
	_, err := newClient(t, s, wrappers.WithMaxRetries(0)).Retrieve(ctxT(t), "eval-1234aedf")
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "?k=") {
		t.Errorf("the redirect URL appears in %q", err)
	}
}

func TestRedirectOfACreateIsNotFollowed(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v1/evaluation/elsewhere", http.StatusTemporaryRedirect) //nolint:gosec // a test server
	})
	_, err := newClient(t, s).Create(ctxT(t), wrappers.CompareRequest{
		Judge:  wrappers.Judge{Model: "m", SystemTemplate: "t"},
		ModelA: wrappers.Column("a"), ModelB: wrappers.Column("b"), InputFileID: "file-1",
	})
	var apiErr *wrappers.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("err = %v, want the 307 as an APIError", err)
	}
}

func TestTransportErrorsHideTheRedirectURL(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("k") != "" {
			// Same origin, so it is followed; then the connection drops.
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			_ = conn.Close()
			return
		}
		http.Redirect(w, r, r.URL.Path+"?k="+testKey, http.StatusFound) //nolint:gosec // a test server
	})
	_, err := newClient(t, s, wrappers.WithMaxRetries(0)).Retrieve(ctxT(t), "eval-1234aedf")
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "?k=") {
		t.Errorf("the redirect URL appears in %q", err)
	}
}

func TestRedirectLoopStops(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound) //nolint:gosec // a test server
	})
	_, err := newClient(t, s).Retrieve(ctxT(t), "eval-1")
	if err == nil {
		t.Fatal("no error")
	}
	mustContain(t, err.Error(), "stopped after 10 redirects")
	if s.n() != 10 {
		t.Errorf("%d requests, want 10 (redirect errors are not retried)", s.n())
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newServer(t, serveFixture(t, 200, "documented_job.json"))
	c := newClient(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job, err := c.Retrieve(ctxT(t), fmt.Sprintf("eval-%d", i))
			if err == nil {
				_, err = job.LabelCounts()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if s.n() != 32 {
		t.Errorf("%d requests, want 32", s.n())
	}
}

// TestStatusLabelCountsOfScoreAndCompare: the status carries no type, but a score or compare
// job's results (told by their fields) have no label counts: ErrWrongJobType, not "absent".
func TestStatusLabelCountsOfScoreAndCompare(t *testing.T) {
	for _, results := range []string{
		`{"aggregated_scores": {"mean_score": 7, "std_score": 1, "pass_percentage": 50}, "invalid_score_count": 0, "failed_samples": 0}`,
		`{"A_wins": 1, "B_wins": 2, "Ties": 0}`,
	} {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, []byte(`{"status": "completed", "results": `+results+`}`))
		})
		st, err := newClient(t, s).Status(ctxT(t), "eval-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.LabelCounts(); !errors.Is(err, wrappers.ErrWrongJobType) {
			t.Errorf("LabelCounts() of %s: %v, want ErrWrongJobType", results, err)
		}
	}
}

// TestPassPercentageIsFalseForCompare: a compare job has no pass percentage, even when its results
// carry a stray pass_percentage.
func TestPassPercentageIsFalseForCompare(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, []byte(`{"workflow_id": "eval-1", "type": "compare", "status": "completed",
			"results": {"A_wins": 1, "B_wins": 2, "Ties": 0, "pass_percentage": 50}}`))
	})
	job, err := newClient(t, s).Retrieve(ctxT(t), "eval-1")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := job.PassPercentage(); ok {
		t.Errorf("PassPercentage() of a compare job = %v, true", p)
	}
}
