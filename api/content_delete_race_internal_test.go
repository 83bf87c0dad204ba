package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
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
	fileID := loopbackUpload(t, ts.URL, `{"a":1}`+"\n")

	openContents = func(path string) (*os.File, error) {
		if err := s.store.deleteFile(context.Background(), ownerOfKey("k"), fileID); err != nil {
			t.Errorf("delete: %v", err)
		}
		return os.Open(path) //nolint:gosec // a path of the store's own
	}
	t.Cleanup(func() { openContents = os.Open })
	status, b := loopbackCall(t, ts.URL, http.MethodGet, "/files/"+fileID+"/content", "", nil)
	if status != http.StatusNotFound {
		t.Errorf("GET content of a file deleted meanwhile: %d %s", status, b)
	}
}
