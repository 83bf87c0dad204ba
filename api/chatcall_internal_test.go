package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/evalkit/together-evals/generated"
)

func TestChatBase(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.openai.com":                  "https://api.openai.com/v1",
		"https://api.openai.com/":                 "https://api.openai.com/v1",
		"https://api.together.xyz/v1":             "https://api.together.xyz/v1",
		"http://127.0.0.1:11434/v1/":              "http://127.0.0.1:11434/v1",
		"https://host/openai/v1/chat/completions": "https://host/openai/v1",
		" https://host:8443/proxy ":               "https://host:8443/proxy",
	} {
		if got, err := chatBase(in); err != nil || got != want {
			t.Errorf("chatBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                      "must start with http:// or https://",
		"ftp://host":            "must start with http:// or https://",
		"https://":              "has no host",
		"https://u:p@host/v1":   "must not hold a user name or password (give the key separately)",
		"https://host/v1?key=1": "must not have a query or a fragment",
		"http://[::1":           "is not a URL",
	} {
		if _, err := chatBase(in); err == nil || err.Error() != want {
			t.Errorf("chatBase(%q): %v, want %q", in, err, want)
		}
	}
	for base, want := range map[string]bool{
		"http://judge.example.com/v1": true, "http://10.0.0.2/v1": true,
		"http://127.0.0.1:8000/v1": false, "http://[::1]:8000/v1": false, "http://localhost/v1": false, "https://judge.example.com/v1": false,
	} {
		if plainRemote(base) != want {
			t.Errorf("plainRemote(%q) = %v", base, !want)
		}
	}
}

func TestBackoff(t *testing.T) {
	withHeader := func(v string) *http.Response {
		return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {v}}}
	}
	if d := backoff(time.Second, time.Minute, 0, withHeader("7")); d != 7*time.Second {
		t.Errorf("Retry-After 7: %s", d)
	}
	if d := backoff(time.Second, 5*time.Second, 0, withHeader("7")); d != 5*time.Second {
		t.Errorf("Retry-After past the cap: %s", d)
	}
	date := time.Now().Add(20 * time.Second).UTC().Format(http.TimeFormat)
	if d := backoff(time.Second, time.Minute, 0, withHeader(date)); d < 18*time.Second || d > 20*time.Second {
		t.Errorf("Retry-After %s: %s", date, d)
	}
	for attempt, want := range map[int]time.Duration{0: time.Second, 1: 2 * time.Second, 2: 4 * time.Second, 5: 10 * time.Second} {
		for range 20 {
			d := backoff(time.Second, 10*time.Second, attempt, withHeader("soon"))
			if d < want/2 || d > want {
				t.Errorf("attempt %d: %s, want between %s and %s", attempt, d, want/2, want)
			}
		}
	}
}

func TestCheckAnswer(t *testing.T) {
	classify := jobSpec{typ: generated.EvaluationTypeClassify, labels: []string{"good", "bad"}}
	score := jobSpec{typ: generated.EvaluationTypeScore, minScore: 1, maxScore: 5}
	compare := jobSpec{typ: generated.EvaluationTypeCompare}
	valid := []struct {
		spec jobSpec
		text string
		want verdict
	}{
		{classify, `{"feedback": "f", "label": "good"}`, verdict{label: "good", feedback: "f"}},
		{classify, "```json\n{\"label\": \" bad \"}\n```", verdict{label: "bad"}},
		{classify, `I think {"label": "good"} is right.`, verdict{label: "good"}},
		{score, `{"score": 5}`, verdict{score: 5}},
		{score, `{"score": "1.5", "feedback": "ok"}`, verdict{score: 1.5, feedback: "ok"}},
		{compare, `{"choice": "Tie"}`, verdict{choice: "Tie"}},
	}
	for _, tt := range valid {
		if got := check(tt.spec, tt.text); got.kind != verdictValid || got.label != tt.want.label || got.score != tt.want.score || got.choice != tt.want.choice || got.feedback != tt.want.feedback {
			t.Errorf("check(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
	invalid := []struct {
		spec jobSpec
		text string
	}{
		{classify, ""},
		{classify, "good"},
		{classify, `{"label": "Good"}`},
		{classify, `{"label": 1}`},
		{classify, `{"feedback": "no label"}`},
		{score, `{"score": 6}`},
		{score, `{"score": 0.99}`},
		{score, `{"score": "high"}`},
		{score, `{"score": null}`},
		{compare, `{"choice": "a"}`},
		{compare, `{"choice": "both"}`},
		{compare, `{"choice": ["A"]}`},
	}
	for _, tt := range invalid {
		got := check(tt.spec, tt.text)
		if got.kind != verdictInvalid || got.feedback == "" || got.answer == "" {
			t.Errorf("check(%q) = %+v, want an invalid verdict with feedback and the answer", tt.text, got)
		}
		if tt.text != "" && got.answer != tt.text {
			t.Errorf("check(%q) kept %q", tt.text, got.answer)
		}
	}
}
