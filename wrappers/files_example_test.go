package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// exampleInput writes an evaluation input file in dir and returns its path.
func exampleInput(dir, content string) string {
	path := filepath.Join(dir, "questions.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		log.Fatal(err)
	}
	return path
}

// Upload an input file, checked first against the job it is for, run the job, then stream its
// result rows and check that they add up to the job's results. The in-memory api stands in for
// the service here; its __judge field forces each row's verdict.
func ExampleClient_UploadFile() {
	srv := httptest.NewServer(api.NewHandler(api.WithPhaseDurations(0, 0, 0)))
	defer srv.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("demo-key"), wrappers.WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	req := wrappers.ClassifyRequest{
		Judge:           wrappers.Judge{Model: "openai/gpt-oss-120b", SystemTemplate: "Does the response answer {{prompt}}?"},
		Labels:          []string{"yes", "no"},
		PassLabels:      []string{"yes"},
		ModelToEvaluate: wrappers.Column("response"),
	}

	// A file with a column no template uses is refused before anything is sent.
	bad := exampleInput(dir, `{"prompt": "Is the sky blue?", "response": "Yes", "id": 1}`+"\n")
	_, err = client.UploadFile(ctx, bad, wrappers.WithUploadRequest(req))
	var inputErr *wrappers.InputError
	if errors.As(err, &inputErr) {
		p := inputErr.Problems[0]
		fmt.Printf("line %d, field %q: not used\n", p.Line, p.Field)
	}

	good := exampleInput(dir, `{"prompt": "Is the sky blue?", "response": "Yes", "__judge": "yes"}
{"prompt": "Is water dry?", "response": "Yes", "__judge": "no"}
{"prompt": "Is fire hot?", "response": "Yes", "__judge": "yes"}
`)
	file, err := client.UploadFile(ctx, good, wrappers.WithUploadRequest(req),
		wrappers.WithUploadCheck(wrappers.InputCheckOptions{AllowUnused: []string{"__judge"}}))
	if err != nil {
		log.Fatal(err)
	}
	req.InputFileID = file.ID
	created, err := client.Create(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	job, err := client.Wait(ctx, created.ID, wrappers.WaitOptions{FirstInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}

	for row, err := range client.JobResultRows(ctx, job) {
		if err != nil {
			log.Fatal(err)
		}
		prompt, _ := row.StringField("prompt")
		label, _ := row.Label()
		fmt.Printf("%s %s %s\n", prompt, label, row.FinalDecision())
	}

	summary, err := client.CheckJobRows(ctx, job)
	if err != nil {
		log.Fatal(err) // a *wrappers.SummaryMismatchError when the rows disagree with the job
	}
	fmt.Println(summary.LabelCounts, summary.ClassifyPassPercentage())
	// Output:
	// line 1, field "id": not used
	// Is the sky blue? yes pass
	// Is water dry? no fail
	// Is fire hot? yes pass
	// map[no:1 yes:2] 66.66666666666667
}
