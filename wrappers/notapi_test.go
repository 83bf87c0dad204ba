package wrappers_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

// TestAnswersNotFromTheAPI checks which answers make a *NotAPIError (the base URL points
// elsewhere) and which stay an *APIError: a 404 of the API itself is "not found", never a
// configuration problem, and a 404 of another server is never "not found".
func TestAnswersNotFromTheAPI(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		notAPI      bool
		answer      string // the NotAPIError's Answer
		notFound    bool
	}{
		{
			"404 web page", 404, "text/html; charset=utf-8", "<!DOCTYPE html><html><h1>Not Found</h1></html>", true,
			"404 Not Found with an HTML page, not the API's JSON error", false,
		},
		{
			"404 plain text", 404, "text/plain", "404 page not found\n", true,
			"404 Not Found with a text/plain body, not the API's JSON error", false,
		},
		{
			"404 another service's JSON", 404, "application/json", `{"detail": "Not Found"}`, true,
			"404 Not Found with another service's JSON, not the API's JSON error", false,
		},
		{"404 empty", 404, "", "", true, "404 Not Found with an empty body, not the API's JSON error", false},
		{
			"404 unknown route", 404, "application/json",
			`{"error": {"message": "Unknown request URL: GET /evaluation/eval-x. Please check the URL for typos.", "type": "invalid_request_error"}}`,
			true, `404 Not Found for a path it does not have ("Unknown request URL: GET /evaluation/eval-x. Please check the URL for typos.")`, false,
		},
		{
			"404 invalid URL", 404, "application/json",
			`{"error": {"message": "Invalid URL (GET /v1/evaluation/eval-x)", "type": "invalid_request_error"}}`,
			true, `404 Not Found for a path it does not have ("Invalid URL (GET /v1/evaluation/eval-x)")`, false,
		},
		{
			"405 web page", 405, "text/html", "<html>Method Not Allowed</html>", true,
			"405 Method Not Allowed with an HTML page, not the API's JSON error", false,
		},
		{"200 web page", 200, "text/html", "<html>hello</html>", true, "200 OK with an HTML page", false},
		{"200 text", 200, "text/plain", "hello", true, "200 OK with a text/plain body", false},
		{
			"404 of the API", 404, "application/json",
			`{"error": {"message": "Evaluation job \"eval-x\" not found", "type": "not_found_error"}}`, false, "", true,
		},
		{"404 of the API, cut off", 404, "application/json", `{"error": {"message": "Evaluation`, false, "", true},
		{"502 web page of a proxy", 502, "text/html", "<html>Bad Gateway</html>", false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServerNoChecks(t, func(w http.ResponseWriter, _ *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(s.URL+"/v1"), wrappers.WithMaxRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Retrieve(ctxT(t), "eval-x")
			var na *wrappers.NotAPIError
			if got := errors.As(err, &na); got != tc.notAPI {
				t.Fatalf("error = %v: a *NotAPIError: %v, want %v", err, got, tc.notAPI)
			}
			if got := errors.Is(err, wrappers.ErrNotEvaluationsAPI); got != tc.notAPI {
				t.Errorf("errors.Is(err, ErrNotEvaluationsAPI) = %v, want %v", got, tc.notAPI)
			}
			if got := errors.Is(err, wrappers.ErrNotFound); got != tc.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", got, tc.notFound)
			}
			if na == nil {
				var ae *wrappers.APIError
				if !errors.As(err, &ae) {
					t.Errorf("error = %v, want an *APIError", err)
				}
				return
			}
			want := wrappers.NotAPIError{
				BaseURL: s.URL + "/v1", Method: "GET", Path: "/evaluation/eval-x",
				StatusCode: tc.status, ContentType: tc.contentType, Answer: tc.answer,
			}
			if *na != want {
				t.Errorf("NotAPIError =\n %+v\nwant\n %+v", *na, want)
			}
			var ae *wrappers.APIError
			if errors.As(err, &ae) {
				t.Errorf("a *NotAPIError is also an *APIError: %v", err)
			}
		})
	}
}

// TestBaseURLWithoutVersionPath runs the client against the in-memory API with the base URL's /v1
// left out: every path is unknown there, which is a NotAPIError, while an unknown job with the
// right base URL is ErrNotFound.
func TestBaseURLWithoutVersionPath(t *testing.T) {
	hs := httptest.NewServer(api.New().Handler())
	t.Cleanup(hs.Close)
	for _, tc := range []struct {
		base     string
		notAPI   bool
		notFound bool
	}{{hs.URL, true, false}, {hs.URL + "/v2", true, false}, {hs.URL + "/v1", false, true}} {
		c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(tc.base))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Retrieve(ctxT(t), "eval-none")
		if errors.Is(err, wrappers.ErrNotEvaluationsAPI) != tc.notAPI || errors.Is(err, wrappers.ErrNotFound) != tc.notFound {
			t.Errorf("base %s: error = %v: ErrNotEvaluationsAPI %v (want %v), ErrNotFound %v (want %v)", tc.base, err,
				errors.Is(err, wrappers.ErrNotEvaluationsAPI), tc.notAPI, errors.Is(err, wrappers.ErrNotFound), tc.notFound)
		}
	}
}

// TestWaitStopsAtOnceOnAnotherServer checks that Wait does not poll on against a server that is
// not the API, as it does through transient failures.
func TestWaitStopsAtOnceOnAnotherServer(t *testing.T) {
	s := newServerNoChecks(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>a web site</html>"))
	})
	c, err := wrappers.NewClient(wrappers.WithAPIKey(testKey), wrappers.WithBaseURL(s.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Wait(ctxT(t), "eval-x", wrappers.WaitOptions{FirstInterval: time.Hour, MaxInterval: time.Hour})
	if !errors.Is(err, wrappers.ErrNotEvaluationsAPI) {
		t.Fatalf("error = %v, want ErrNotEvaluationsAPI at once", err)
	}
}
