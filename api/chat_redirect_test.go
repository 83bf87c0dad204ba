package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

// TestChatJudgeDoesNotFollowRedirects: an endpoint that redirects the call elsewhere on the same
// host name (another port: another server) gets no key sent on; the row fails saying why, and
// nothing in the job holds the key.
func TestChatJudgeDoesNotFollowRedirects(t *testing.T) {
	other := newFakeChat(t, func(chatCall) reply { return reply{content: verdictJSON("label", "yes")} })
	var redirected atomic.Int64
	judgeSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, other.url()+"/chat/completions", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(judgeSrv.Close)
	e := chatEnv(t, &fakeChat{srv: judgeSrv})
	id := e.create(classifyReq(e.upload(`{"prompt": "p", "response": "r"}`+"\n").ID, []string{"yes", "no"}, []string{"yes"}))
	j := e.finished(id)
	wantFailed(t, j, generated.EvaluationStatusError, "1 of 1 rows failed (more than 30%); the first: judge failed: openai/gpt-oss-120b: "+
		judgeSrv.URL+"/v1/chat/completions answered 307 Temporary Redirect: redirects are not followed (the key goes only to the URL given); give the URL it points at")
	if n := len(other.received()); n != 0 {
		t.Errorf("the redirect was followed: %d calls reached the other server (Authorization %q)", n, other.received()[0].Auth)
	}
	if redirected.Load() != 1 {
		t.Errorf("%d calls to the redirecting endpoint, want 1 (a redirect is not retried)", redirected.Load())
	}
	_, _, b := e.request(http.MethodGet, "/evaluation/"+id, nil, "")
	if strings.Contains(string(b), judgeKey) {
		t.Errorf("the job holds the key: %s", b)
	}
}

// TestChatJudgeServerlessIgnoresTheJobsBaseURL: a serverless judge is called at the server's
// endpoint with the server's key, even when the job names an external_base_url: a client cannot
// have the server's key sent to a URL of its choosing.
func TestChatJudgeServerlessIgnoresTheJobsBaseURL(t *testing.T) {
	server := newFakeChat(t, func(chatCall) reply { return reply{content: verdictJSON("label", "yes")} })
	elsewhere := newFakeChat(t, func(chatCall) reply { return reply{content: verdictJSON("label", "yes")} })
	e := chatEnv(t, server, api.WithJudgeAllowExternal(true))
	req := classifyReq(e.upload(`{"prompt": "p", "response": "r"}`+"\n").ID, []string{"yes", "no"}, []string{"yes"})
	params(req)["judge"].(map[string]any)["external_base_url"] = elsewhere.url()
	j := e.finished(e.create(req))
	if j.Status != generated.EvaluationStatusCompleted {
		t.Fatalf("status %s: %+v", j.Status, j.Results)
	}
	if n := len(elsewhere.received()); n != 0 {
		t.Errorf("%d calls went to the job's external_base_url (Authorization %q)", n, elsewhere.received()[0].Auth)
	}
	if calls := server.received(); len(calls) != 1 || calls[0].Auth != "Bearer "+judgeKey {
		t.Errorf("calls to the server's endpoint: %+v", calls)
	}
}
