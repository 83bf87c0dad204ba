package wrappers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/evalkit/together-evals/generated"
)

// fileList is the answer of GET /files with each file kept raw, so that every [File] carries its
// own metadata as sent (File.Raw).
type fileList struct {
	// Data is nil when the answer's "data" is absent (then it is not the API's) or null.
	Data *[]json.RawMessage `json:"data"`
}

// Files lists the stored files (GET /files): uploaded input files and the result files of jobs,
// in the order the service gives them (the local api: newest first). Each [File] keeps its
// metadata as sent in File.Raw. A file without an id fails the call, naming its place in the list.
func (c *Client) Files(ctx context.Context) ([]*File, error) {
	const path = "/files"
	resp, err := c.api.ListFiles(withWholeBody(ctx)) //nolint:bodyclose // checkResponse closes it
	list, raw, err := checkResponse[fileList](c, http.MethodGet, path, resp, err)
	if err != nil {
		return nil, err
	}
	if list.Data == nil && !hasMember(raw, "data") {
		// Every answer of the API holds the list, empty or not (null is read as empty).
		return nil, c.notAResource(http.MethodGet, path, resp.StatusCode, resp.Header.Get("Content-Type"), "a file list", "data")
	}
	var data []json.RawMessage
	if list.Data != nil {
		data = *list.Data
	}
	files := make([]*File, 0, len(data))
	for i, raw := range data {
		var g generated.FileObject
		if err := decodeJSON(raw, &g); err != nil {
			return nil, &AnswerDecodeError{
				Method: http.MethodGet, Path: path, StatusCode: resp.StatusCode,
				Problem: fmt.Sprintf("file %d of %d: %s", i+1, len(data), decodeProblem(raw, err)), Err: err,
			}
		}
		if g.ID == "" {
			return nil, fmt.Errorf("wrappers: GET %s: file %d of %d has no id", path, i+1, len(data))
		}
		files = append(files, newFile(&g, raw))
	}
	return files, nil
}

// ErrNotDeleted is returned by [Client.DeleteFile] when the service answers a delete with
// "deleted": false (an answer without "deleted" counts as done).
var ErrNotDeleted = errors.New("wrappers: the service did not delete the file")

// DeleteFile deletes a stored file (DELETE /files/{id}). The id is checked and path-escaped first;
// see [ErrInvalidID]. An unknown id is an [*APIError] that matches [ErrNotFound].
//
// A delete is sent again only where the service certainly did not act on it (a 429, or a
// connection never made), like a create: a retried delete of a file that is already gone would
// answer 404. A job created on the file before it was deleted is not affected by the local api,
// which keeps the data the job was created with.
func (c *Client) DeleteFile(ctx context.Context, id string) error {
	if err := checkID("file", id); err != nil {
		return err
	}
	path := "/files/" + escapedID(id)
	resp, err := c.api.DeleteFile(ctx, id) //nolint:bodyclose // checkResponse closes it
	g, _, err := checkResponse[deleteAnswer](c, http.MethodDelete, path, resp, err)
	if err != nil {
		return err
	}
	if g.Deleted != nil && !*g.Deleted {
		return fmt.Errorf("%w %q (DELETE %s answered deleted: false)", ErrNotDeleted, id, path)
	}
	return nil
}

// deleteAnswer is the answer of DELETE /files/{id} (the spec's FileDeleteResponse), read so that
// a missing "deleted" is told from false: a 2xx answer without it still means the file is gone.
type deleteAnswer struct {
	Deleted *bool `json:"deleted"`
}
