package api

import (
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestContentRacingDeleteIsNotFound: a GET of a file's content that meets a DELETE of the file
// (its row read, its contents removed just after) answers 404, as a GET after the delete, not 500.
func TestContentRacingDeleteIsNotFound(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir(), WithPhaseDurations(0, 0, 0), WithResponseValidation(true))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); _ = s.Close() })
	do := func(method, path, contentType string, body io.Reader) (int, []byte) {
		req, _ := http.NewRequest(method, ts.URL+"/v1"+path, body)
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
	var form strings.Builder
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("purpose", "eval")
	_ = mw.WriteField("file_name", "in.jsonl")
	fw, _ := mw.CreateFormFile("file", "in.jsonl")
	_, _ = io.WriteString(fw, `{"a":1}`+"\n")
	_ = mw.Close()
	status, b := do(http.MethodPost, "/files/upload", mw.FormDataContentType(), strings.NewReader(form.String()))
	if status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, b)
	}
	var file struct{ ID string }
	_ = json.Unmarshal(b, &file)

	openContents = func(path string) (*os.File, error) {
		if err := s.store.deleteFile(context.Background(), ownerOfKey("k"), file.ID); err != nil {
			t.Errorf("delete: %v", err)
		}
		return os.Open(path) //nolint:gosec // a path of the store's own
	}
	t.Cleanup(func() { openContents = os.Open })
	status, b = do(http.MethodGet, "/files/"+file.ID+"/content", "", nil)
	if status != http.StatusNotFound {
		t.Errorf("GET content of a file deleted meanwhile: %d %s", status, b)
	}
}
