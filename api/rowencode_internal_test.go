package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// jsonValueCases are values whose encoding jsonValue writes without reflection, beside values it
// leaves to encoding/json: both must come out as json.Marshal writes them.
var jsonValueCases = []any{
	"", "yes", "question 1", "fine.", "a \"quoted\" word", `back\slash`, "<b>&amp;</b>", "tab\there",
	"line\nbreak", "\x00\x1f\x7f", "héllo", "\u2028\u2029", "bad \xff utf-8", "emoji 🙂",
	nil, true, false, 0.5, 3, int64(-7),
	generated.TokenUsage{PromptTokens: 20, CompletionTokens: 5, TotalTokens: 25},
	generated.TokenUsage{},
	generated.TokenUsage{PromptTokens: -1, CompletionTokens: 1 << 40, TotalTokens: 9},
}

func TestJSONValueIsMarshal(t *testing.T) {
	for _, v := range jsonValueCases {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonValue(v); !bytes.Equal(got, want) {
			t.Errorf("jsonValue(%#v) = %s, json.Marshal writes %s", v, got, want)
		}
	}
}

func FuzzJSONValueString(f *testing.F) {
	for _, v := range jsonValueCases {
		if s, ok := v.(string); ok {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonValue(s); !bytes.Equal(got, want) {
			t.Errorf("jsonValue(%q) = %s, json.Marshal writes %s", s, got, want)
		}
		key, err := appendJSONString([]byte("x"), s)
		if err != nil || !bytes.Equal(key, append([]byte("x"), want...)) {
			t.Errorf("appendJSONString(%q) = %s, %v; json.Marshal writes %s", s, key, err, want)
		}
	})
}

// TestEncodeRowKeys: a result row keeps the input's fields it does not replace, in their order,
// then its own; keys are encoded as encoding/json writes them.
func TestEncodeRowKeys(t *testing.T) {
	in := []member{
		{key: "prompt", value: json.RawMessage(`"q"`)},
		{key: "label", value: json.RawMessage(`"old"`)},
		{key: "<odd>\"key\"", value: json.RawMessage(`1`)},
	}
	out := []member{{key: "label", value: json.RawMessage(`"yes"`)}, {key: "success", value: json.RawMessage(`true`)}}
	got, err := encodeRow(in, out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"prompt": "q", "\u003codd\u003e\"key\"": 1, "label": "yes", "success": true}`
	if string(got) != want {
		t.Errorf("encodeRow = %s, want %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil || len(v) != 4 {
		t.Errorf("encodeRow wrote %s: %v, %d keys", got, err, len(v))
	}
}

// TestRetryRequestBody: the retrying client sends the generated client's body whole on every
// attempt, with its length, without reading it into a copy first.
func TestRetryRequestBody(t *testing.T) {
	const body = `{"model": "m"}`
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := retryRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	if rr.ContentLength != int64(len(body)) {
		t.Errorf("ContentLength = %d, want %d", rr.ContentLength, len(body))
	}
	for attempt := range 2 {
		rc, err := rr.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		if string(b) != body {
			t.Errorf("attempt %d: body %q, want %q", attempt, b, body)
		}
	}
}
