package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

const twoColumns = `{"prompt": "question %d", "response": "answer"}`

// TestEachFixtureRequestRunsToCompletion creates a job from each request fixture of the root
// testdata, over a file with just the columns it uses, and follows it to the end; every answer on
// the way is checked against the spec (by the server, and by the client in env.request).
func TestEachFixtureRequestRunsToCompletion(t *testing.T) {
	e := newEnv(t)
	columns := map[string]string{
		"create_classify.json":       `{"prompt": "q%d", "response": "r"}`,
		"create_classify_model.json": `{"prompt": "q%d"}`,
		"create_score.json":          `{"prompt": "q%d", "response": "r"}`,
		"create_compare.json":        `{"prompt": "q%d", "response_a": "a"}`,
	}
	for name, pattern := range columns {
		t.Run(name, func(t *testing.T) {
			f := e.upload(rows(20, pattern))
			req := fixture(t, name, f.ID)
			id := e.create(req)
			j := e.job(id)
			if j.WorkflowID != id || string(j.Type) != req["type"] || j.Status != generated.EvaluationStatusPending || j.Results != nil {
				t.Errorf("new job: %+v", j)
			}
			if j.CreatedAt == nil || !j.CreatedAt.Equal(e.clock.Now()) || j.UpdatedAt == nil || !j.UpdatedAt.Equal(*j.CreatedAt) {
				t.Errorf("created_at %v updated_at %v, want %v", j.CreatedAt, j.UpdatedAt, e.clock.Now())
			}
			if j.OwnerID == nil || *j.OwnerID != wantOwnerID(testKey) {
				t.Errorf("owner %v", j.OwnerID)
			}
			// The parameters come back as sent, except for external API tokens.
			var got, want map[string]any
			if err := json.Unmarshal(*j.Parameters, &got); err != nil {
				t.Fatal(err)
			}
			wantRaw, _ := json.Marshal(req["parameters"])
			_ = json.Unmarshal(wantRaw, &want)
			if judge := want["judge"].(map[string]any); judge["external_api_token"] != nil {
				judge["external_api_token"] = "REDACTED"
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("parameters\n got %s\nwant %s", gb, wb)
			}
			if strings.Contains(string(*j.Parameters), "sk-test") {
				t.Error("the external API token is shown")
			}
			for range 4 {
				e.clock.Advance(lifetime / 4)
				j = e.job(id)
			}
			if j.Status != generated.EvaluationStatusCompleted || j.Results == nil || j.Results.ResultFileID == nil {
				t.Fatalf("%s: %+v", j.Status, j.Results)
			}
			if rs := e.resultRows(j); len(rs) != 20 {
				t.Errorf("%d result rows", len(rs))
			}
		})
	}
}

func TestGetUnknownJobIs404(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/evaluation/eval-nope", "/evaluation/eval-nope/status"} {
		status, _, b := e.request(http.MethodGet, path, nil, "")
		d := wantError(t, status, b, http.StatusNotFound, "")
		if d.Type != "not_found_error" || !strings.Contains(d.Message, "eval-nope") {
			t.Errorf("%s: %+v", path, d)
		}
	}
	// An id the spec does not allow cannot name a job: 404, since these operations have no 400.
	status, _, b := e.request(http.MethodGet, "/evaluation/"+strings.Repeat("x", 300), nil, "")
	wantError(t, status, b, http.StatusNotFound, "")
}

func TestStatusEndpoint(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(4, twoColumns))
	id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))

	var st generated.EvaluationStatusResponse
	e.getJSON("/evaluation/"+id+"/status", &st)
	if st.Status != generated.EvaluationStatusPending || st.Results != nil {
		t.Errorf("%+v", st)
	}
	e.clock.Advance(lifetime)
	e.getJSON("/evaluation/"+id+"/status", &st)
	full := e.job(id)
	if st.Status != generated.EvaluationStatusCompleted || st.Results == nil {
		t.Fatalf("%+v", st)
	}
	a, _ := json.Marshal(st.Results)
	b, _ := json.Marshal(full.Results)
	if string(a) != string(b) {
		t.Errorf("status results %s, job results %s", a, b)
	}
}

func TestListNewestFirstWithStatusAndLimit(t *testing.T) {
	e := newEnv(t)
	f := e.upload(rows(3, twoColumns))
	var ids []string
	for range 12 {
		ids = append(ids, e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})))
		e.clock.Advance(time.Second)
	}
	// Now: the first job was created 12 s ago (ended), the last 1 s ago (queued).
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)

	var list []generated.EvaluationJob
	e.getJSON("/evaluation", &list)
	if got := jobIDs(list); !slices.Equal(got, newestFirst[:10]) {
		t.Errorf("default list %v, want the 10 newest %v", got, newestFirst[:10])
	}
	e.getJSON("/evaluation?limit=3", &list)
	if got := jobIDs(list); !slices.Equal(got, newestFirst[:3]) {
		t.Errorf("limit 3: %v", got)
	}
	e.getJSON("/evaluation?limit=100", &list)
	if len(list) != 12 {
		t.Errorf("limit 100: %d jobs", len(list))
	}

	byStatus := map[generated.EvaluationStatus][]string{}
	for _, j := range list {
		byStatus[j.Status] = append(byStatus[j.Status], j.WorkflowID)
	}
	// Ages 1..12 s; pending < 1 s, queued < 3 s, running < 6 s, ended from 6 s.
	want := map[generated.EvaluationStatus]int{"queued": 2, "running": 3, "completed": 7}
	for status, n := range want {
		if len(byStatus[status]) != n {
			t.Errorf("%d jobs %s, want %d (%v)", len(byStatus[status]), status, n, byStatus)
		}
		var filtered []generated.EvaluationJob
		e.getJSON("/evaluation?limit=100&status="+string(status), &filtered)
		if got := jobIDs(filtered); !slices.Equal(got, byStatus[status]) {
			t.Errorf("status=%s: %v, want %v", status, got, byStatus[status])
		}
	}
	e.getJSON("/evaluation?status=completed&limit=2", &list)
	if got := jobIDs(list); !slices.Equal(got, byStatus["completed"][:2]) {
		t.Errorf("completed, limit 2: %v", got)
	}
	e.getJSON("/evaluation?status=user_error", &list)
	if len(list) != 0 {
		t.Errorf("user_error: %v", jobIDs(list))
	}
}

func jobIDs(list []generated.EvaluationJob) []string {
	out := []string{}
	for _, j := range list {
		out = append(out, j.WorkflowID)
	}
	return out
}

func TestListEmpty(t *testing.T) {
	e := newEnv(t)
	status, _, b := e.request(http.MethodGet, "/evaluation", nil, "")
	if status != http.StatusOK || strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("%d %s", status, b)
	}
}

func TestModelList(t *testing.T) {
	e := newEnv(t)
	lists := map[string][]string{}
	for _, source := range []string{"", "all", "serverless", "dedicated", "external"} {
		var m generated.EvaluationModelList
		path := "/evaluation/model-list"
		if source != "" {
			path += "?model_source=" + source
		}
		e.getJSON(path, &m)
		if len(m.ModelList) == 0 {
			t.Errorf("%q: no models", source)
		}
		lists[source] = m.ModelList
	}
	if !slices.Equal(lists[""], lists["all"]) {
		t.Errorf("default %v, all %v", lists[""], lists["all"])
	}
	if n := len(lists["serverless"]) + len(lists["dedicated"]) + len(lists["external"]); n != len(lists["all"]) {
		t.Errorf("the sources hold %d models, all holds %d", n, len(lists["all"]))
	}
	if !slices.Contains(lists["serverless"], "openai/gpt-oss-120b") || slices.Contains(lists["dedicated"], "openai/gpt-oss-120b") {
		t.Errorf("serverless %v, dedicated %v", lists["serverless"], lists["dedicated"])
	}
}

func TestBasePath(t *testing.T) {
	for _, base := range []string{"/api/v2", ""} {
		t.Run("base "+base, func(t *testing.T) {
			e := newEnv(t, api.WithBasePath(base+"/"))
			e.base = e.ts.URL + base
			e.spec = specValidator(t, base)
			f := e.upload(rows(2, twoColumns))
			id := e.create(classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"}))
			if j := e.job(id); j.WorkflowID != id {
				t.Errorf("%+v", j)
			}
			// An escaped "/" in an id stays in the id, under any base path.
			status, _, b := e.request(http.MethodGet, "/evaluation/a%2Fb/status", nil, "")
			if d := wantError(t, status, b, http.StatusNotFound, ""); !strings.Contains(d.Message, `"a/b" not found`) {
				t.Errorf("escaped id: message %q", d.Message)
			}
			e.base = e.ts.URL
			status, _, b = e.request(http.MethodGet, "/v1/evaluation/"+id, nil, "")
			wantError(t, status, b, http.StatusNotFound, "")
		})
	}
}

// TestOperationsCoverTheSpec: api serves every operation of openapi.yaml except those tagged chat
// (the call the local judge makes, see TestChatCompletionsIsNotServed).
func TestOperationsCoverTheSpec(t *testing.T) {
	v := specValidator(t, "/v1")
	var ops []string
	for _, item := range v.Doc().Paths.Map() {
		for _, op := range item.Operations() {
			if slices.Contains(op.Tags, "chat") {
				continue
			}
			ops = append(ops, strings.ToUpper(op.OperationID[:1])+op.OperationID[1:])
		}
	}
	slices.Sort(ops)
	want := api.Operations()
	slices.Sort(want)
	if !slices.Equal(ops, want) {
		t.Errorf("spec operations %v, api.Operations %v", ops, want)
	}
}
