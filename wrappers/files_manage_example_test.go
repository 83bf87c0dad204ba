package wrappers_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// Upload input data built in memory, checked first like a file on disk, then list the stored
// files and delete the upload. The in-memory api stands in for the service.
func ExampleClient_Upload() {
	srv := httptest.NewServer(api.NewHandler())
	defer srv.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("demo-key"), wrappers.WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	var rows strings.Builder
	for _, q := range []string{"Is the sky blue?", "Is water dry?"} {
		fmt.Fprintf(&rows, "{\"prompt\": %q, \"response\": \"Yes\"}\n", q)
	}
	file, err := client.Upload(ctx, "questions.jsonl", strings.NewReader(rows.String()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(file.Filename, file.Bytes, "bytes,", file.Purpose)

	// Data that breaks a rule is not sent.
	_, err = client.Upload(ctx, "broken.jsonl", strings.NewReader("{\"prompt\": \"a\"}\n[1, 2]\n"))
	var inputErr *wrappers.InputError
	if errors.As(err, &inputErr) {
		fmt.Println("line", inputErr.Problems[0].Line, "refused")
	}
	// Output:
	// questions.jsonl 97 bytes, eval
	// line 2 refused
}

// List the stored files, then delete one.
func ExampleClient_DeleteFile() {
	srv := httptest.NewServer(api.NewHandler())
	defer srv.Close()
	client, err := wrappers.NewClient(wrappers.WithAPIKey("demo-key"), wrappers.WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"a.jsonl", "b.jsonl"} {
		if _, err := client.Upload(ctx, name, strings.NewReader("{\"q\": 1}\n")); err != nil {
			log.Fatal(err)
		}
	}

	files, err := client.Files(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(f.Filename, f.Purpose)
	}
	if err := client.DeleteFile(ctx, files[0].ID); err != nil {
		log.Fatal(err)
	}
	err = client.DeleteFile(ctx, files[0].ID)
	fmt.Println("deleted; again:", errors.Is(err, wrappers.ErrNotFound))
	// Output:
	// b.jsonl eval
	// a.jsonl eval
	// deleted; again: true
}
