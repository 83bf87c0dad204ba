package decide

import (
	"errors"
	"math"
)

// entry is what the index keeps of one row of the base run: its verdict, packed, and where it
// is. It is the only thing Diff keeps per row: 40 bytes, about 70 with its map slot
// (BenchmarkIndexBytesPerRow).
type entry struct {
	check    uint64 // the input fields' hash, when rows pair by line
	score    float64
	line     int32
	next     int32  // the next entry with the same key, in order of appearance; -1 at the end
	label    uint32 // interned label + 1; 0 for none
	decision uint32 // interned final decision + 1; 0 for none
	outcome  Outcome
	hasScore bool
	matched  bool
}

// chain is the entries that share a key: the first not yet paired, and the last.
type chain struct{ head, tail int32 }

// index is a compact per-row index of the base run: the rows' verdicts, found by key. Rows with
// the same key are paired in their order of appearance.
type index struct {
	entries []entry
	byKey   map[uint64]chain
	strs    []string
	strIDs  map[string]uint32
}

func newIndex() *index {
	return &index{byKey: map[uint64]chain{}, strIDs: map[string]uint32{}}
}

var errTooManyRows = errors.New("more than 2,147,483,647 rows")

// intern returns s's number + 1, or 0 for "".
func (x *index) intern(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := x.strIDs[s]; ok {
		return id
	}
	x.strs = append(x.strs, s)
	id := uint32(len(x.strs)) //nolint:gosec // bounded by the rows, themselves bounded by errTooManyRows
	x.strIDs[s] = id
	return id
}

func (x *index) str(id uint32) string {
	if id == 0 {
		return ""
	}
	return x.strs[id-1]
}

// add appends a base row.
func (x *index) add(key, check uint64, v Verdict) error {
	if len(x.entries) >= math.MaxInt32 || v.Line > math.MaxInt32 {
		return errTooManyRows
	}
	i := int32(len(x.entries)) //nolint:gosec // checked above
	x.entries = append(x.entries, entry{
		check: check, score: v.Score, line: int32(v.Line), next: -1, //nolint:gosec // checked above
		label: x.intern(v.Label), decision: x.intern(v.Decision), outcome: v.Outcome, hasScore: v.HasScore,
	})
	if c, ok := x.byKey[key]; ok {
		x.entries[c.tail].next = i
		c.tail = i
		if c.head < 0 {
			c.head = i
		}
		x.byKey[key] = c
		return nil
	}
	x.byKey[key] = chain{head: i, tail: i}
	return nil
}

// take pairs a row of the new run with the first base row of the same key not yet paired, and
// returns its entry number, or -1 when there is none.
func (x *index) take(key uint64) int {
	c, ok := x.byKey[key]
	if !ok || c.head < 0 {
		return -1
	}
	i := c.head
	x.entries[i].matched = true
	c.head = x.entries[i].next
	x.byKey[key] = c
	return int(i)
}

// verdict unpacks entry i.
func (x *index) verdict(i int) Verdict {
	e := &x.entries[i]
	return Verdict{
		Line: int(e.line), Outcome: e.outcome, Label: x.str(e.label),
		Score: e.score, HasScore: e.hasScore, Decision: x.str(e.decision),
	}
}
