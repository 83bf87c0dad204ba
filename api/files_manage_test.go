package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

// listFiles GETs /files and returns the ids in the order given.
func (e *env) listFiles() []generated.FileObject {
	e.t.Helper()
	status, _, b := e.request(http.MethodGet, "/files", nil, "")
	if status != http.StatusOK {
		e.t.Fatalf("GET /files: %d %s", status, b)
	}
	if !strings.Contains(string(b), `"data":[`) {
		e.t.Errorf("GET /files: data is not a list: %s", b)
	}
	var list generated.FileList
	if err := json.Unmarshal(b, &list); err != nil {
		e.t.Fatal(err)
	}
	return list.Data
}

func ids(files []generated.FileObject) string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.ID
	}
	return strings.Join(out, " ")
}

func TestListFilesNewestFirstWithResultFiles(t *testing.T) {
	e := newEnv(t)
	if got := e.listFiles(); len(got) != 0 {
		t.Fatalf("a new server lists %v", got)
	}
	a := e.upload(rows(3, `{"prompt": "q%d", "response": "r", "__judge": "yes"}`))
	b := e.uploadAs("fine-tune", "{\"x\": 1}\n")
	job := e.finished(e.create(classifyReq(a.ID, []string{"yes", "no"}, []string{"yes"})))
	result := *job.Results.ResultFileID

	got := e.listFiles()
	if want := result + " " + b.ID + " " + a.ID; ids(got) != want {
		t.Fatalf("GET /files lists %q, want newest first %q", ids(got), want)
	}
	if got[2] != a || got[1] != b {
		t.Errorf("listed metadata differs from the upload's: %+v", got)
	}
	var meta generated.FileObject
	e.getJSON("/files/"+result, &meta)
	if got[0] != meta || meta.Purpose != generated.FilePurposeEvalOutput {
		t.Errorf("result file listed as %+v, GET /files/{id} says %+v", got[0], meta)
	}
	if n := e.srv.Requests(api.OpListFiles); n != 2 {
		t.Errorf("Requests(ListFiles) = %d, want 2", n)
	}
}

func TestDeleteFile(t *testing.T) {
	e := newEnv(t)
	keep := e.upload("{\"a\": 1}\n")
	gone := e.upload("{\"a\": 2}\n")

	status, _, b := e.request(http.MethodDelete, "/files/"+gone.ID, nil, "")
	if status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", status, b)
	}
	var resp generated.FileDeleteResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	if resp != (generated.FileDeleteResponse{ID: gone.ID, Deleted: true}) {
		t.Errorf("DELETE answered %s", b)
	}
	if got := ids(e.listFiles()); got != keep.ID {
		t.Errorf("after the delete GET /files lists %q, want %q", got, keep.ID)
	}
	for _, req := range [][2]string{
		{http.MethodGet, "/files/" + gone.ID},
		{http.MethodGet, "/files/" + gone.ID + "/content"},
		{http.MethodDelete, "/files/" + gone.ID},
	} {
		status, _, b := e.request(req[0], req[1], nil, "")
		d := wantError(t, status, b, http.StatusNotFound, "")
		if !strings.Contains(d.Message, gone.ID) {
			t.Errorf("%s %s: %+v", req[0], req[1], d)
		}
	}
	status, b = e.postJSON("/evaluation", classifyReq(gone.ID, []string{"yes", "no"}, []string{"yes"}))
	if d := wantError(t, status, b, http.StatusBadRequest, "parameters.input_data_file_path"); !strings.Contains(d.Message, "not found") {
		t.Errorf("a job on a deleted file: %+v", d)
	}
	if e.content(keep.ID) != "{\"a\": 1}\n" {
		t.Error("the other file changed")
	}
	if n := e.srv.Requests(api.OpDeleteFile); n != 2 {
		t.Errorf("Requests(DeleteFile) = %d, want 2", n)
	}
}

// TestDeletingAnInputFileKeepsItsJob: a job created on a file reads the data it was created with,
// whenever the file is deleted.
func TestDeletingAnInputFileKeepsItsJob(t *testing.T) {
	e := newEnv(t)
	input := rows(4, `{"prompt": "q%d", "response": "r"}`)
	f := e.upload(input)
	id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
	if status, _, b := e.request(http.MethodDelete, "/files/"+f.ID, nil, ""); status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", status, b)
	}
	job := e.finished(id)
	if job.Status != generated.EvaluationStatusCompleted || job.Results == nil || job.Results.ResultFileID == nil {
		t.Fatalf("the job ended %s with %+v", job.Status, job.Results)
	}
	if got := strings.Count(e.content(*job.Results.ResultFileID), "\n"); got != 4 {
		t.Errorf("the result file has %d rows, want 4", got)
	}
}
