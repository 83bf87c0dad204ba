package api

import (
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// The internal tests' calls to a server on loopback, with the key "k".

// loopbackCall sends method baseURL/v1+path with body (of contentType, if not empty) and returns
// the answer's status and body.
func loopbackCall(t *testing.T, baseURL, method, path, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, baseURL+"/v1"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer k")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// loopbackUpload uploads jsonl as in.jsonl for evaluations and returns the file's id.
func loopbackUpload(t *testing.T, baseURL, jsonl string) string {
	t.Helper()
	var form strings.Builder
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("purpose", "eval")
	_ = mw.WriteField("file_name", "in.jsonl")
	fw, _ := mw.CreateFormFile("file", "in.jsonl")
	_, _ = io.WriteString(fw, jsonl)
	_ = mw.Close()
	status, b := loopbackCall(t, baseURL, http.MethodPost, "/files/upload", mw.FormDataContentType(), strings.NewReader(form.String()))
	if status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, b)
	}
	var file struct{ ID string }
	if err := json.Unmarshal(b, &file); err != nil || file.ID == "" {
		t.Fatalf("upload answered %s", b)
	}
	return file.ID
}

// classifyOn is the body of a create of a classify job on the input file fileID.
func classifyOn(fileID string) string {
	return `{"type":"classify","parameters":{"judge":{"model":"openai/gpt-oss-120b","model_source":"serverless",` +
		`"system_template":"Does the response answer {{prompt}}?"},"labels":["good","bad"],"pass_labels":["good"],` +
		`"model_to_evaluate":"response","input_data_file_path":"` + fileID + `"}}`
}
