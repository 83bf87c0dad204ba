package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// exampleServer stands in for the API in the examples: one classify job, "eval-1234aedf", that is
// running on the first status poll and completed after.
func exampleServer() *httptest.Server {
	const job = `{"workflow_id": "eval-1234aedf", "type": "classify", "status": "completed",
		"parameters": {"labels": ["yes", "no"], "pass_labels": ["yes"]},
		"results": {"generation_fail_count": 0, "judge_fail_count": 0, "invalid_label_count": 0,
			"result_file_id": "file-1234-aefd", "pass_percentage": 10, "label_counts": "{\"yes\": 10, \"no\": 0}"}}`
	var mu sync.Mutex
	polls := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/evaluation":
			_, _ = w.Write([]byte(`{"workflow_id": "eval-1234aedf", "status": "pending"}`))
		case r.URL.Path == "/v1/evaluation/eval-1234aedf/status":
			mu.Lock()
			polls++
			status := "running"
			if polls > 1 {
				status = "completed"
			}
			mu.Unlock()
			_, _ = w.Write([]byte(`{"status": "` + status + `"}`))
		case r.URL.Path == "/v1/evaluation/eval-1234aedf":
			_, _ = w.Write([]byte(job))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/evaluation":
			_, _ = w.Write([]byte(`[{"workflow_id": "eval-5678bcde", "type": "score", "status": "running",
				"status_updates": [
					{"status": "pending", "message": "Job is pending evaluation", "timestamp": "2025-07-23T17:10:04Z"},
					{"status": "running", "message": "Job is running", "timestamp": "2025-07-23T17:11:30Z"}]},
				` + job + `]`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error": {"message": "Evaluation job not found", "type": "not_found_error"}}`))
		}
	}))
}

func ExampleNewClient() {
	api := exampleServer() // stands in for https://api.together.ai/v1
	defer api.Close()

	// Without options the key comes from TOGETHER_API_KEY and the base URL from
	// TOGETHER_BASE_URL (default https://api.together.ai/v1).
	client, err := wrappers.NewClient(
		wrappers.WithAPIKey("sk-example"),
		wrappers.WithBaseURL(api.URL+"/v1"),
		wrappers.WithMaxRetries(3),
		wrappers.WithTimeout(30*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("printing the client shows the key:", strings.Contains(fmt.Sprintf("%#v", client), "sk-example"))

	// The key never crosses the network in clear.
	_, err = wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL("http://api.together.ai/v1"))
	fmt.Println(err)
	// Output:
	// printing the client shows the key: false
	// wrappers: base URL "http://api.together.ai/v1": refusing to send the API key over plain http to a host that is not loopback; use https
}

func ExampleClient_Retrieve() {
	api := exampleServer()
	defer api.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(api.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	job, err := client.Retrieve(ctx, "eval-1234aedf")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.ID, job.Type, job.Status)
	// label_counts arrives as the string "{\"yes\": 10, \"no\": 0}"; it is decoded here.
	counts, err := job.LabelCountsOrdered()
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range counts {
		fmt.Printf("%s: %d\n", c.Label, c.Count)
	}
	pass, _ := job.PassPercentage()
	fmt.Printf("pass labels %v: %.0f%%\n", job.PassLabels(), pass)

	_, err = client.Retrieve(ctx, "eval-unknown")
	fmt.Println(errors.Is(err, wrappers.ErrNotFound))
	_, err = client.Retrieve(ctx, "..")
	fmt.Println(err)
	// Output:
	// eval-1234aedf classify completed
	// yes: 10
	// no: 0
	// pass labels [yes]: 10%
	// true
	// wrappers: invalid evaluation id "..": "." and ".." are not ids
}

func ExampleClient_Create() {
	api := exampleServer()
	defer api.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(api.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	created, err := client.Create(ctx, wrappers.ClassifyRequest{
		Judge: wrappers.Judge{
			Model:          "openai/gpt-oss-120b",
			SystemTemplate: "Does the response answer the prompt? Prompt: {{prompt}}",
		},
		Labels:          []string{"yes", "no"},
		PassLabels:      []string{"yes"},
		ModelToEvaluate: wrappers.Column("response"),
		InputFileID:     "file-1234-aefd",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.ID, created.Status)

	// Requests are checked before anything is sent.
	_, err = client.Create(ctx, wrappers.ScoreRequest{
		Judge:    wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: "Rate it from 1 to 10."},
		MinScore: 1, MaxScore: 10, PassThreshold: 11,
		InputFileID: "file-1234-aefd",
	})
	var invalid *wrappers.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println(invalid.Field)
	}
	fmt.Println(err)
	// Output:
	// eval-1234aedf pending
	// parameters.pass_threshold
	// wrappers: create score: parameters.pass_threshold: must be between min_score (1) and max_score (10), got 11
}

func ExampleClient_Wait() {
	api := exampleServer()
	defer api.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(api.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}

	job, err := client.Wait(context.Background(), "eval-1234aedf", wrappers.WaitOptions{
		FirstInterval: 10 * time.Millisecond, // the defaults poll after 1 s, then every 1.5x longer up to 30 s
		Timeout:       time.Minute,
		OnChange:      func(s wrappers.Status) { fmt.Println("status:", s) },
	})
	var failed *wrappers.JobFailedError
	if errors.As(err, &failed) {
		log.Fatalf("the job failed: %s", failed.Message)
	}
	if err != nil {
		log.Fatal(err)
	}
	counts, err := job.LabelCounts()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(counts)
	// Output:
	// status: running
	// status: completed
	// map[no:0 yes:10]
}

func ExampleClient_List() {
	api := exampleServer()
	defer api.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(api.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}

	jobs, err := client.List(context.Background(), wrappers.ListOptions{Limit: 50})
	if err != nil {
		log.Fatal(err)
	}
	for _, job := range jobs {
		fmt.Println(job.ID, job.Type, job.Status, "done:", job.Done())
		// The status history is checked with the list and decoded when first read.
		for _, u := range job.StatusUpdates() {
			fmt.Printf("  %s %-8s %s\n", u.Time.Format(time.TimeOnly), u.Status, u.Message)
		}
	}
	// Output:
	// eval-5678bcde score running done: false
	//   17:10:04 pending  Job is pending evaluation
	//   17:11:30 running  Job is running
	// eval-1234aedf classify completed done: true
}

func ExampleClient_Status() {
	api := exampleServer()
	defer api.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("sk-example"), wrappers.WithBaseURL(api.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}

	// The light call for polling (Wait uses it): a status and, once the job has ended, results.
	st, err := client.Status(context.Background(), "eval-1234aedf")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Status, st.Done(), st.HasResults())
	// Output:
	// running false false
}
