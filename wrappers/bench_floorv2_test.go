package wrappers

// The json/v2 floor of the benchmarks: a hand-written client that decodes with the same decoder as
// the wrappers (github.com/go-json-experiment/json, default options) into a minimal struct. It is
// the limit the wrappers are held to: where the wrappers leave the status histories for later,
// floorv2 leaves them raw too (floorJobV2), and where every history is built, so is floorv2's
// (floorJobV2Eager). The encoding/json floor of bench_test.go stays as what a typical hand-written
// client does.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// implFloorV2 names the json/v2 floor's sub-benchmarks.
const implFloorV2 = "impl=floorv2"

// floorJobOf is the floor's minimal struct on json/v2; H is how it holds the status history.
type floorJobOf[H any] struct {
	WorkflowID    string         `json:"workflow_id"`
	Type          string         `json:"type"`
	OwnerID       string         `json:"owner_id"`
	Status        string         `json:"status"`
	StatusUpdates H              `json:"status_updates"`
	Parameters    jsontext.Value `json:"parameters"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Results       *floorResults  `json:"results"`
}

type (
	// floorJobV2 leaves the history raw, as the wrappers do until it is read.
	floorJobV2 = floorJobOf[jsontext.Value]
	// floorJobV2Eager builds every history.
	floorJobV2Eager = floorJobOf[[]floorUpdate]
)

// floorV2LabelCounts decodes label_counts, a JSON string holding an object of counts, as a
// hand-written client would.
func floorV2LabelCounts(r *floorResults) (map[string]int, error) {
	if r == nil || r.LabelCounts == "" {
		return nil, nil
	}
	var counts map[string]int
	return counts, jsonv2.Unmarshal([]byte(r.LabelCounts), &counts)
}

// floorV2Decode decodes one job and its label counts.
func floorV2Decode(body []byte) (*floorJobV2, map[string]int, error) {
	var j floorJobV2
	if err := jsonv2.Unmarshal(body, &j); err != nil {
		return nil, nil, err
	}
	counts, err := floorV2LabelCounts(j.Results)
	return &j, counts, err
}

// getV2 is floorClient.get with the body decoded by json/v2.
func (f *floorClient) getV2(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Accept", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return jsonv2.UnmarshalRead(resp.Body, v)
}

// retrieveV2 is GET /evaluation/{id} with json/v2, label counts decoded.
func (f *floorClient) retrieveV2(ctx context.Context, id string) (*floorJobV2, map[string]int, error) {
	var j floorJobV2
	if err := f.getV2(ctx, "/evaluation/"+url.PathEscape(id), &j); err != nil {
		return nil, nil, err
	}
	counts, err := floorV2LabelCounts(j.Results)
	return &j, counts, err
}

// listV2 is GET /evaluation with json/v2, histories left raw.
func (f *floorClient) listV2(ctx context.Context) ([]floorJobV2, error) {
	var jobs []floorJobV2
	return jobs, f.getV2(ctx, "/evaluation", &jobs)
}
