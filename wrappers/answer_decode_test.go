package wrappers_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// TestJSONThatIsNotTheAPIs checks that a successful JSON answer that no answer of the API looks
// like (an empty object for a job, an array for a job, an object for the job list) is a
// *NotAPIError, not a decoding error nor ErrNotFound: another service answered.
func TestJSONThatIsNotTheAPIs(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		call       func(*wrappers.Client) error
		want       string
	}{
		{
			"empty object for a job", `{}`, func(c *wrappers.Client) error { _, err := c.Retrieve(ctxT(t), "eval-1"); return err },
			"GET /evaluation/eval-1 got 200 OK with JSON that is not a job (it has no workflow_id)",
		},
		{
			"empty object for a status", `{"ok": true}`, func(c *wrappers.Client) error { _, err := c.Status(ctxT(t), "eval-1"); return err },
			"GET /evaluation/eval-1/status got 200 OK with JSON that is not a job's status (it has no status)",
		},
		{
			"array for a job", `[{"workflow_id": "eval-1"}]`, func(c *wrappers.Client) error { _, err := c.Retrieve(ctxT(t), "eval-1"); return err },
			"GET /evaluation/eval-1 got 200 OK with JSON that is an array, where the API sends an object",
		},
		{
			"object for the job list", `{"jobs": []}`, func(c *wrappers.Client) error { _, err := c.List(ctxT(t), wrappers.ListOptions{}); return err },
			"GET /evaluation got 200 OK with JSON that is an object, where the API sends an array",
		},
		{
			"string for a file", `"file-1"`, func(c *wrappers.Client) error { _, err := c.File(ctxT(t), "file-1"); return err },
			"GET /files/file-1 got 200 OK with JSON that is a string, where the API sends an object",
		},
		{
			"empty object for a file", `{}`, func(c *wrappers.Client) error { _, err := c.File(ctxT(t), "file-1"); return err },
			"GET /files/file-1 got 200 OK with JSON that is not a file (it has no id)",
		},
		{
			"object without data for the file list", `{"files": []}`, func(c *wrappers.Client) error { _, err := c.Files(ctxT(t)); return err },
			"GET /files got 200 OK with JSON that is not a file list (it has no data)",
		},
		{
			"object without model_list", `{}`, func(c *wrappers.Client) error { _, err := c.Models(ctxT(t), ""); return err },
			"GET /evaluation/model-list got 200 OK with JSON that is not a model list (it has no model_list)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, []byte(tc.body)) })
			err := tc.call(newClient(t, s))
			var na *wrappers.NotAPIError
			if !errors.As(err, &na) || !errors.Is(err, wrappers.ErrNotEvaluationsAPI) || errors.Is(err, wrappers.ErrNotFound) {
				t.Fatalf("error = %v, want a *NotAPIError matching ErrNotEvaluationsAPI only", err)
			}
			mustContain(t, err.Error(), "does not answer as the Evaluations API: "+tc.want)
			if na.StatusCode != http.StatusOK || na.ContentType != "application/json" {
				t.Errorf("status %d, content type %q", na.StatusCode, na.ContentType)
			}
		})
	}
}

// TestAnswerThatCannotBeRead checks that a JSON answer that is broken, or holds a value of
// another kind than the API sends, says so in words, with the place, and keeps the decoder's
// error reachable.
func TestAnswerThatCannotBeRead(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		call       func(*wrappers.Client) error
		want       string
	}{
		{
			"invalid JSON", `{"id": nul}`, func(c *wrappers.Client) error { _, err := c.File(ctxT(t), "file-1"); return err },
			`wrappers: GET /files/file-1: the answer (200 OK) cannot be read: it is not valid JSON: at byte 11: expected null, found "}"`,
		},
		{
			// Valid JSON, nested deeper than the decoder goes (10000 levels): not "not valid JSON".
			"nested too deeply", `{"id": ` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
			func(c *wrappers.Client) error { _, err := c.File(ctxT(t), "file-1"); return err },
			`wrappers: GET /files/file-1: the answer (200 OK) cannot be read: it nests values more than 10000 levels deep (at byte 10007)`,
		},
		{
			"a job nested too deeply", `{"workflow_id": "eval-1", "x": ` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
			func(c *wrappers.Client) error { _, err := c.Retrieve(ctxT(t), "eval-1"); return err },
			`wrappers: GET /evaluation/eval-1: the answer (200 OK) cannot be read: it nests values more than 10000 levels deep (at byte 10031)`,
		},
		{
			"a number for a string", `{"id": 5}`, func(c *wrappers.Client) error { _, err := c.File(ctxT(t), "file-1"); return err },
			`wrappers: GET /files/file-1: the answer (200 OK) cannot be read: "/id" is a number where the API sends a string`,
		},
		{
			"a job of the list", `[{"workflow_id": "eval-1", "type": "classify", "status": "completed"}, ["eval-2"]]`,
			func(c *wrappers.Client) error { _, err := c.List(ctxT(t), wrappers.ListOptions{}); return err },
			`wrappers: GET /evaluation: the answer (200 OK) cannot be read: job 2 of 2: it is an array where the API sends an object`,
		},
		{
			"a file of the list", `{"data": [{"id": "file-1"}, {"id": []}]}`, func(c *wrappers.Client) error { _, err := c.Files(ctxT(t)); return err },
			`wrappers: GET /files: the answer (200 OK) cannot be read: file 2 of 2: "/id" is an array where the API sends a string`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, []byte(tc.body)) })
			err := tc.call(newClient(t, s))
			var de *wrappers.AnswerDecodeError
			if !errors.As(err, &de) || errors.Is(err, wrappers.ErrNotEvaluationsAPI) {
				t.Fatalf("error = %v, want an *AnswerDecodeError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
			if de.Unwrap() == nil {
				t.Error("the decoder's error is not kept")
			}
		})
	}
}

// TestWaitStopsAtJSONThatIsNotTheAPIs checks that Wait does not poll on, until its timeout, a
// server that answers every poll with JSON that is not a job's status.
func TestWaitStopsAtJSONThatIsNotTheAPIs(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, []byte(`{}`)) })
	ctx, cancel := context.WithTimeout(ctxT(t), 10*time.Second)
	defer cancel()
	_, err := newClient(t, s).Wait(ctx, "eval-1", wrappers.WaitOptions{FirstInterval: time.Millisecond, MaxInterval: time.Millisecond})
	if !errors.Is(err, wrappers.ErrNotEvaluationsAPI) {
		t.Fatalf("error = %v, want one matching ErrNotEvaluationsAPI", err)
	}
	if n := s.n(); n != 1 {
		t.Errorf("%d polls, want 1", n)
	}
}

// TestNullListsAreEmpty checks that a list the API sends as null is read as empty, not taken for
// another service's answer: only a list that is absent is.
func TestNullListsAreEmpty(t *testing.T) {
	for path, body := range map[string]string{"/v1/files": `{"data": null}`, "/v1/evaluation/model-list": `{"model_list": null}`} {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				http.NotFound(w, r)
				return
			}
			writeJSON(w, http.StatusOK, []byte(body))
		})
		c := newClient(t, s)
		var n int
		var err error
		if path == "/v1/files" {
			var files []*wrappers.File
			files, err = c.Files(ctxT(t))
			n = len(files)
		} else {
			var models []string
			models, err = c.Models(ctxT(t), "")
			n = len(models)
		}
		if err != nil || n != 0 {
			t.Errorf("%s answered %s: %d items, error %v; want none and no error", path, body, n, err)
		}
	}
}
