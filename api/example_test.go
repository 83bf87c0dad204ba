package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/evalkit/together-evals/api"
)

// call sends one request with an API key and returns the status and the body.
func call(method, url, contentType string, body io.Reader) (int, []byte) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer any-key")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	return resp.StatusCode, b
}

// uploadJSONL uploads an evaluation input file and returns its id.
func uploadJSONL(baseURL, content string) string {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("purpose", "eval")
	_ = mw.WriteField("file_name", "data.jsonl")
	w, _ := mw.CreateFormFile("file", "data.jsonl")
	_, _ = io.WriteString(w, content)
	_ = mw.Close()
	_, b := call(http.MethodPost, baseURL+"/files/upload", mw.FormDataContentType(), &body)
	var file struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		log.Fatal(err)
	}
	return file.ID
}

// createClassify creates a classify job over the file and returns its id.
func createClassify(baseURL, fileID string) string {
	req := fmt.Sprintf(`{"type": "classify", "parameters": {
		"judge": {"model": "openai/gpt-oss-120b", "model_source": "serverless",
		          "system_template": "Does the response answer {{prompt}}?"},
		"labels": ["yes", "no"], "pass_labels": ["yes"],
		"model_to_evaluate": "response", "input_data_file_path": %q}}`, fileID)
	_, b := call(http.MethodPost, baseURL+"/evaluation", "application/json", strings.NewReader(req))
	var created struct {
		WorkflowID string `json:"workflow_id"`
	}
	if err := json.Unmarshal(b, &created); err != nil {
		log.Fatal(err)
	}
	return created.WorkflowID
}

// The in-memory API as a fake in a test: start it on loopback and point any client at it. Here
// jobs end as soon as the background runner has judged them, and the results come from the
// deterministic stand-in judge.
func Example() {
	s := api.New(api.WithPhaseDurations(0, 0, 0))
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	base := srv.URL + "/v1"

	fileID := uploadJSONL(base, `{"prompt": "Is the sky blue?", "response": "Yes"}
{"prompt": "What is 2 + 2?", "response": "4"}
{"prompt": "Name a prime.", "response": "9"}
{"prompt": "Capital of France?", "response": "Paris"}
`)
	id := createClassify(base, fileID)
	if err := s.WaitIdle(context.Background()); err != nil { // a client would poll the status instead
		log.Fatal(err)
	}

	_, b := call(http.MethodGet, base+"/evaluation/"+id+"/status", "", nil)
	var st struct {
		Status  string `json:"status"`
		Results struct {
			LabelCounts       string  `json:"label_counts"`
			PassPercentage    float64 `json:"pass_percentage"`
			InvalidLabelCount float64 `json:"invalid_label_count"`
			JudgeFailCount    float64 `json:"judge_fail_count"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Status)
	fmt.Println(st.Results.LabelCounts)
	fmt.Printf("%.1f%% pass, %v invalid, %v judge failures\n",
		st.Results.PassPercentage, st.Results.InvalidLabelCount, st.Results.JudgeFailCount)
	// Output:
	// completed
	// {"yes": 2, "no": 1}
	// 66.7% pass, 0 invalid, 1 judge failures
}

// A job's life on a fake clock: it moves only when the clock does.
func ExampleFakeClock() {
	clock := api.NewFakeClock(time.Date(2025, 7, 23, 17, 10, 4, 0, time.UTC))
	s := api.New(
		api.WithClock(clock),
		api.WithPhaseDurations(time.Second, time.Second, 10*time.Second),
	)
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	base := srv.URL + "/v1"
	id := createClassify(base, uploadJSONL(base, `{"prompt": "Hi?", "response": "Hello"}`))

	for _, step := range []time.Duration{0, time.Second, time.Second, 10 * time.Second} {
		clock.Advance(step)
		if err := s.WaitIdle(context.Background()); err != nil { // the runner has judged the rows
			log.Fatal(err)
		}
		_, b := call(http.MethodGet, base+"/evaluation/"+id, "", nil)
		var job struct {
			Status    string    `json:"status"`
			UpdatedAt time.Time `json:"updated_at"`
		}
		if err := json.Unmarshal(b, &job); err != nil {
			log.Fatal(err)
		}
		fmt.Println(job.Status, job.UpdatedAt.Format(time.TimeOnly))
	}
	// Output:
	// pending 17:10:04
	// queued 17:10:05
	// running 17:10:06
	// completed 17:10:16
}

// Fault injection: make the next request to an operation fail, and count what a client sent.
func ExampleServer_Faults() {
	s := api.New()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	s.Faults().Inject(api.OpListEvaluations, 1, api.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"})
	for range 2 {
		status, _ := call(http.MethodGet, srv.URL+"/v1/evaluation", "", nil)
		fmt.Println(status)
	}
	fmt.Println(s.Requests(api.OpListEvaluations), "requests")
	// Output:
	// 429
	// 200
	// 2 requests
}

// A real judge: jobs are judged by a model behind any OpenAI-compatible chat-completions endpoint
// (here a tiny one that says "yes" to answers that hold a digit). The key goes to that endpoint
// only; it never appears in a job, a log or an error.
func ExampleWithChatJudge() {
	judgeModel := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		label := "no"
		if strings.ContainsAny(req.Messages[len(req.Messages)-1].Content, "0123456789") {
			label = "yes"
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"choices": [{"message": {"role": "assistant", "content": "{\"feedback\": \"checked\", \"label\": \"%s\"}"}}],
			"usage": {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59}}`, label)
	}))
	defer judgeModel.Close()

	s := api.New(
		api.WithPhaseDurations(0, 0, 0),
		api.WithChatJudge(judgeModel.URL+"/v1", api.WithJudgeAPIKey("sk-judge")),
	)
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	base := srv.URL + "/v1"

	id := createClassify(base, uploadJSONL(base, `{"prompt": "What is 2 + 2?", "response": "4"}
{"prompt": "Name a prime.", "response": "nine"}
`))
	if err := s.WaitIdle(context.Background()); err != nil { // a client would poll the status instead
		log.Fatal(err)
	}
	_, b := call(http.MethodGet, base+"/evaluation/"+id+"/status", "", nil)
	var st struct {
		Status  string `json:"status"`
		Results struct {
			LabelCounts string `json:"label_counts"`
			Usage       struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Status, st.Results.LabelCounts, st.Results.Usage.TotalTokens, "tokens")
	// Output:
	// completed {"yes": 1, "no": 1} 118 tokens
}

// A server that keeps its data in a directory: a second Open of the same directory serves the
// same files (and jobs) as the first.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "evals-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	ctx := context.Background()

	s, err := api.Open(ctx, dir)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	fileID := uploadJSONL(srv.URL+"/v1", `{"prompt": "Is the sky blue?", "response": "Yes"}`)
	srv.Close()
	_ = s.Close()

	s, err = api.Open(ctx, dir) // a restart
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	srv = httptest.NewServer(s.Handler())
	defer srv.Close()
	_, b := call(http.MethodGet, srv.URL+"/v1/files/"+fileID+"/content", "", nil)
	fmt.Print(string(b))
	// Output:
	// {"prompt": "Is the sky blue?", "response": "Yes"}
}
