package decide_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// Gate a job that has ended: here a job on the project's local API, whose rows force their
// verdicts with the __judge column (4 good answers of 5: 80%).
func ExampleGate() {
	clock := api.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := httptest.NewServer(api.New(api.WithClock(clock)).Handler())
	defer srv.Close()
	ctx := context.Background()
	c, err := wrappers.NewClient(wrappers.WithAPIKey("example-key"), wrappers.WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}
	var rows strings.Builder
	for i, v := range []string{"good", "good", "bad", "good", "good"} {
		fmt.Fprintf(&rows, `{"id": "q%d", "answer": "answer %d", "__judge": %q}`+"\n", i, i, v)
	}
	file, err := c.Upload(ctx, "rows.jsonl", strings.NewReader(rows.String()))
	if err != nil {
		log.Fatal(err)
	}
	created, err := c.Create(ctx, wrappers.ClassifyRequest{
		Judge:  wrappers.Judge{Model: "judge/model", SystemTemplate: "Is answer {{id}} good?"},
		Labels: []string{"good", "bad"}, PassLabels: []string{"good"},
		ModelToEvaluate: wrappers.Column("answer"), InputFileID: file.ID,
	})
	if err != nil {
		log.Fatal(err)
	}
	clock.Advance(time.Hour)
	job, err := c.Wait(ctx, created.ID, wrappers.WaitOptions{FirstInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}

	g, err := decide.Gate(ctx, c, job, decide.Thresholds{MinPass: wrappers.Float64(80), MaxInvalid: wrappers.Float64(0)})
	if err != nil {
		log.Fatal(err)
	}
	for _, check := range g.Checks {
		fmt.Printf("--%s %s: %s%%, held: %v\n", check.Name, decide.FormatNumber(check.Limit), decide.FormatNumber(check.Figure), check.Held)
	}
	fmt.Println("every threshold held:", g.Held())
	// Output:
	// --min-pass 80: 80%, held: true
	// --max-invalid 0: 0%, held: true
	// every threshold held: true
}
