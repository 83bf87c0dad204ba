// Command floor retrieves one evaluation job with net/http and encoding/json alone and prints its
// status: the floor the wrappers program's size is compared with.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
)

func main() {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet,
		os.Getenv("TOGETHER_BASE_URL")+"/evaluation/"+url.PathEscape(os.Args[1]), nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("TOGETHER_API_KEY"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var job struct {
		WorkflowID string `json:"workflow_id"`
		Status     string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&job); err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.WorkflowID, job.Status)
}
