// Command wrappers retrieves one evaluation job with the wrappers client and prints its status.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/evalkit/together-evals/wrappers"
)

func main() {
	client, err := wrappers.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	job, err := client.Retrieve(context.Background(), os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.ID, job.Status)
}
