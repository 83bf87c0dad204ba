package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestResultsTimeout: a server that sends two rows of the result file and then holds the
// connection open (as one dripping a row every few seconds would, never silent for a whole
// request timeout) cannot hold `evals results` past --timeout: it says so, once, and exits 1.
func TestResultsTimeout(t *testing.T) {
	job := fixtureFile(t, "responses/job_compare.json")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/evaluation/eval-7c1d2e3f":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, job)
		case "/v1/files/file-res-2/content":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, `{"response_a": "a", "response_b": "b", "success": true, "final_decision": "A", "feedback": "A is better"}`+"\n"+
				`{"response_a": "c", "response_b": "d", "success": true, "final_decision": "B", "feedback": "B is better"}`+"\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	c := newCLI(t, hs.URL+"/v1")
	r := c.mustRun(1, "results", "eval-7c1d2e3f", "--timeout", "300ms")
	want := "evals: results eval-7c1d2e3f: gave up after 300ms (--timeout) with 2 rows read; the result file was still coming: try a longer --timeout, or --timeout 0 for no limit\n"
	if r.stderr != want {
		t.Errorf("stderr\n%q\nwant\n%q", r.stderr, want)
	}
	if n := strings.Count(r.stdout, "\n"); n != 3 {
		t.Errorf("stdout has %d lines, want the header and the two rows:\n%s", n, r.stdout)
	}

	r = c.mustRun(2, "results", "eval-7c1d2e3f", "--timeout", "-1s")
	if want := "evals: --timeout: must be 0 (no limit) or more, got -1s\n"; !strings.HasPrefix(r.stderr, want) {
		t.Errorf("stderr %q, want it to start %q", r.stderr, want)
	}
}

// TestResultsHasADefaultTimeout: without --timeout, results is bounded all the same.
func TestResultsHasADefaultTimeout(t *testing.T) {
	cmd := newCLI(t, "").app(io.Discard, io.Discard).resultsCmd()
	f := cmd.Flags().Lookup("timeout")
	if f == nil || f.DefValue != "10m0s" {
		t.Fatalf("results --timeout defaults to %v, want 10m0s", f)
	}
}
