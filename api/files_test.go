package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/generated"
)

func TestUploadGetAndStreamFile(t *testing.T) {
	e := newEnv(t)
	content := "{\"prompt\": \"Is the sky blue?\", \"response\": \"Yes\"}\n{\"prompt\": \"2+2?\", \"response\": \"4\"}\n"
	f := e.upload(content)

	if !strings.HasPrefix(f.ID, "file-") || f.Object != generated.FileObjectObjectFile || f.Filename != "data.jsonl" ||
		f.Bytes != int64(len(content)) || f.Purpose != generated.FilePurposeEval || f.FileType != generated.FileTypeJsonl ||
		f.CreatedAt != start.Unix() {
		t.Errorf("upload answered %+v", f)
	}
	var got generated.FileObject
	e.getJSON("/files/"+f.ID, &got)
	if got != f {
		t.Errorf("GET /files/{id} = %+v, want %+v", got, f)
	}
	if c := e.content(f.ID); c != content {
		t.Errorf("content = %q, want %q", c, content)
	}
}

func TestUploadWithoutFileTypeIsJSONL(t *testing.T) {
	e := newEnv(t)
	status, b := e.uploadForm(form{{"file", `{"a": 1}`}, {"file_name", "x.jsonl"}, {"purpose", "eval"}})
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, b)
	}
	var f generated.FileObject
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.FileType != generated.FileTypeJsonl || f.Bytes != 8 {
		t.Errorf("%+v", f)
	}
}

func TestUploadOtherPurposeIsNotCheckedAsJSONL(t *testing.T) {
	e := newEnv(t)
	status, b := e.uploadForm(form{{"purpose", "fine-tune"}, {"file_name", "x.csv"}, {"file_type", "csv"}, {"file", "a,b\n1,2\n"}})
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, b)
	}
}

func TestUploadRejections(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name    string
		form    form
		param   string
		message string
	}{
		{"array line", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": 1}\n[1, 2]\n"}}, "file", "line 2: not a JSON object"},
		{"broken JSON", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": \n"}}, "file", "line 3: not valid JSON"},
		{"two values", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": 1} {\"a\": 2}\n"}}, "file", "line 1: more than one JSON value"},
		{"empty line", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": 1}\n\n{\"a\": 2}\n"}}, "file", "line 2: empty line"},
		{"bad UTF-8", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": \"\xff\"}\n"}}, "file", "line 1: not valid UTF-8"},
		{"no rows", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", ""}}, "file", "no rows"},
		{"csv for eval", form{{"purpose", "eval"}, {"file_name", "d.csv"}, {"file_type", "csv"}, {"file", "{\"a\": 1}\n"}}, "file_type", "must be jsonl"},
		{"missing purpose", form{{"file_name", "d.jsonl"}, {"file", "{\"a\": 1}\n"}}, "purpose", "missing"},
		{"missing file_name", form{{"purpose", "eval"}, {"file", "{\"a\": 1}\n"}}, "file_name", "missing"},
		{"empty file_name", form{{"purpose", "eval"}, {"file_name", ""}, {"file", "{\"a\": 1}\n"}}, "file_name", "length"},
		{"missing file", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}}, "file", "missing"},
		{"unknown purpose", form{{"purpose", "evals"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": 1}\n"}}, "purpose", "allowed values"},
		{"unknown file_type", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file_type", "txt"}, {"file", "{\"a\": 1}\n"}}, "file_type", "allowed values"},
		{"unknown field", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"color", "red"}, {"file", "{\"a\": 1}\n"}}, "color", "unexpected form field"},
		{"field twice", form{{"purpose", "eval"}, {"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": 1}\n"}}, "purpose", "more than once"},
		{"file twice", form{{"purpose", "eval"}, {"file_name", "d.jsonl"}, {"file", "{\"a\": 1}\n"}, {"file", "{\"a\": 1}\n"}}, "file", "more than once"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, b := e.uploadForm(tc.form)
			d := wantError(t, status, b, http.StatusBadRequest, tc.param)
			if !strings.Contains(d.Message, tc.message) {
				t.Errorf("message %q does not say %q", d.Message, tc.message)
			}
		})
	}
}

func TestUploadThatIsNotMultipartIs400(t *testing.T) {
	e := newEnv(t)
	status, _, b := e.request(http.MethodPost, "/files/upload", strings.NewReader(`{"purpose": "eval"}`), "application/json")
	d := wantError(t, status, b, http.StatusBadRequest, "")
	if !strings.Contains(d.Message, "multipart") {
		t.Errorf("message %q", d.Message)
	}
}

func TestUploadOverTheLimitIs413(t *testing.T) {
	const limit = 4096
	e := newEnv(t, api.WithMaxUploadBytes(limit))
	big := rows(200, `{"prompt": "question number %d", "response": "an answer"}`)
	body, ct := form{{"purpose", "eval"}, {"file_name", "big.jsonl"}, {"file", big}}.encode()
	raw := body.Bytes()

	// With a declared length: refused before the body is read.
	status, _, b := e.request(http.MethodPost, "/files/upload", bytes.NewReader(raw), ct)
	wantError(t, status, b, http.StatusRequestEntityTooLarge, "")

	// Without one (chunked): refused when the stream passes the limit.
	status, _, b = e.request(http.MethodPost, "/files/upload", io.MultiReader(bytes.NewReader(raw)), ct)
	wantError(t, status, b, http.StatusRequestEntityTooLarge, "")

	// Just under the limit is fine.
	small := rows(20, `{"prompt": "question number %d", "response": "an answer"}`)
	status, b = e.uploadForm(form{{"purpose", "eval"}, {"file_name", "small.jsonl"}, {"file", small}})
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, b)
	}
}

func TestUnknownFileIs404(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/files/file-nope", "/files/file-nope/content"} {
		status, _, b := e.request(http.MethodGet, path, nil, "")
		d := wantError(t, status, b, http.StatusNotFound, "")
		if d.Type != "not_found_error" || !strings.Contains(d.Message, "file-nope") {
			t.Errorf("%s: %+v", path, d)
		}
	}
}

// TestUploadStreamsPartsInAnyOrder sends the file before the fields, as some clients do.
func TestUploadStreamsPartsInAnyOrder(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "upload.jsonl")
	_, _ = io.WriteString(w, "{\"q\": 1}\n")
	_ = mw.WriteField("file_name", "upload.jsonl")
	_ = mw.WriteField("purpose", "eval")
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.base+"/files/upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}
