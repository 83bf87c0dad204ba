// Command specdrift tells what differs between a version of the provider's OpenAPI document and the
// project's openapi.yaml, for the operations openapi.yaml describes and the schemas they reach, leaving
// out the differences listed on purpose in openapi-deviations.yaml. Run it from the repository root
// (make spec-drift UPSTREAM=FILE does):
//
//	go run ./internal/cmd/specdrift [-o text|json] [-spec openapi.yaml] [-deviations openapi-deviations.yaml] FILE
//
// It prints one line per finding and per stale deviation, and exits 0 when there is none, 1 when
// there are some, and 2 when a file cannot be read or is not what it should be, or the flags are
// wrong (one message on stderr).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/evalkit/together-evals/internal/specdrift"
)

// Exit codes.
const (
	exitQuiet    = 0
	exitFindings = 1
	exitInput    = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("specdrift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("o", "text", "output format: text (one line per finding) or json")
	spec := fs.String("spec", specdrift.DefaultSpec, "the project's OpenAPI document")
	deviations := fs.String("deviations", specdrift.DefaultDeviations, "the file listing the deliberate differences")
	fs.Usage = func() {
		_, _ = fmt.Fprintln(stderr, "usage: specdrift [-o text|json] [-spec FILE] [-deviations FILE] UPSTREAM")
		_, _ = fmt.Fprintln(stderr, "Compares the provider's OpenAPI document UPSTREAM with the project's; exits 0 quiet, 1 findings, 2 bad input.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitQuiet
		}
		return exitInput
	}
	if *output != "text" && *output != "json" {
		_, _ = fmt.Fprintf(stderr, "specdrift: -o must be text or json, not %s\n", *output)
		return exitInput
	}
	if fs.NArg() != 1 {
		_, _ = fmt.Fprintln(stderr, "specdrift: name one file: the provider's OpenAPI document (usage: specdrift [-o text|json] UPSTREAM)")
		return exitInput
	}
	rep, err := specdrift.Check(fs.Arg(0), specdrift.WithSpec(*spec), specdrift.WithDeviations(*deviations))
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "specdrift: "+err.Error())
		return exitInput
	}
	if *output == "json" {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "specdrift: writing the report: "+err.Error())
		return exitInput
	}
	if rep.Quiet() {
		return exitQuiet
	}
	return exitFindings
}
