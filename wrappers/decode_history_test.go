package wrappers

import (
	"encoding/json"
	"reflect"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// FuzzCheckedHistoryMatchesEager holds decodeCheckedHistory to the eager decoder on every history
// checkHistory passes: the same updates, time stamps by instant and offset.
func FuzzCheckedHistoryMatchesEager(f *testing.F) {
	_, list := benchBodies()
	var jobs []struct {
		History json.RawMessage `json:"status_updates"`
	}
	if err := json.Unmarshal(list, &jobs); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(jobs[0].History))
	f.Add([]byte(jobs[7].History))
	for _, s := range []string{
		`[]`, ` [ ] `, `[{}]`, `[{},{}]`,
		`[{"status":"a","status":"b","message":null,"timestamp":null}]`,
		`[{"status":"a","status":null},{"message":"m","message":"n"}]`,
		`[{"timestamp":"2025-07-23T17:10:04+02:00"},{"timestamp":"2025-07-23T17:10:04.123456789Z","timestamp":null}]`,
		`[ {"status" : "a" , "message":"m\"}]{,","timestamp":"2025-07-23T17:10:04.5+02:00"} , {} ]`,
		`[{"extra":{"a":["}",{"b":"\\"}],"c":null},"note":"x\\","n":-1.5e3,"t":true,"status":"s"}]`,
		`[{"message":"\ud800\u00e9 \u0041\n\t\"x\""}]`, "[{\"message\":\"a\xc3(\xff\",\"status\":\"\xe2\x82\xac\"}]",
		`[{"message":"caf\u00e9","status":"running"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		if !json.Valid(v) || len(v) == 0 || !checkHistory(v) {
			return
		}
		var want statusHistory
		if err := jsonv2.Unmarshal(v, &want, decodeOptions); err != nil {
			t.Fatalf("%q passed the check, the eager decoder fails: %v", v, err)
		}
		got, ok := decodeCheckedHistory(v)
		if !ok {
			t.Fatalf("%q passed the check, decodeCheckedHistory refused it", v)
		}
		if len(got) != len(want) || (got == nil) != (want == nil) {
			t.Fatalf("%q: %d updates (nil %v), the eager decoder %d (nil %v)", v, len(got), got == nil, len(want), want == nil)
		}
		for i := range got {
			g, w := got[i], want[i]
			_, goff := g.Time.Zone()
			_, woff := w.Time.Zone()
			if g.Status != w.Status || g.Message != w.Message || !g.Time.Equal(w.Time) || goff != woff || g.Time.IsZero() != w.Time.IsZero() {
				t.Fatalf("%q: update %d = %+v, the eager decoder's %+v", v, i, g, w)
			}
		}
	})
}

// TestCheckedHistoryAllocations: a history of 20 updates costs two allocations (the updates and
// one string for their text), whatever its length, when its time stamps are in UTC.
func TestCheckedHistoryAllocations(t *testing.T) {
	_, list := benchBodies()
	var jobs []struct {
		History json.RawMessage `json:"status_updates"`
	}
	if err := json.Unmarshal(list, &jobs); err != nil {
		t.Fatal(err)
	}
	h := []byte(jobs[3].History)
	if !checkHistory(h) {
		t.Fatal("the benchmark's history does not pass the check")
	}
	var want statusHistory
	if err := jsonv2.Unmarshal(h, &want, decodeOptions); err != nil {
		t.Fatal(err)
	}
	got, _ := decodeCheckedHistory(h)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if raceEnabled {
		t.Skip("allocations are counted without the race detector")
	}
	if n := testing.AllocsPerRun(20, func() { decodeCheckedHistory(h) }); n > 2 {
		t.Errorf("%v allocations for %d updates, want 2", n, len(want))
	}
}
