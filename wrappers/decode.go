package wrappers

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/evalkit/together-evals/generated"
)

// Answers are decoded with github.com/go-json-experiment/json (the reference implementation of
// encoding/json/v2) set to encoding/json's semantics: field names matched without regard to case,
// duplicate names and invalid UTF-8 allowed (the last duplicate wins, as in encoding/json; invalid
// UTF-8 becomes U+FFFD), unknown fields ignored, time stamps parsed as encoding/json does. Only its
// errors are its own ([jsontext.SyntacticError], [jsonv2.SemanticError], which say where in the
// answer the problem is): asking for encoding/json's error types would make it check every value
// once more before decoding it. It decodes the generated types about twice as fast as
// encoding/json.

// decodeOptions give encoding/json's semantics to the decoder, except for the errors.
var decodeOptions = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv1.ReportErrorsWithLegacySemantics(false))

// jobWire is what a job decodes into: the generated type, with three of its fields decoded another
// way, so that the job view costs no second pass and no copy (except where historyField asks for
// one; a list with such a job is then decoded job by job):
//
//   - status_updates checked where it lies and kept as a span of the body, decoded into the
//     view's []StatusUpdate on first use (see historyField);
//   - parameters and results.label_counts as spans of the body, which the view slices instead of
//     copying them (the body is kept anyway, as the job's Raw).
//
// TestWireFieldsShadowTheGeneratedOnes checks that these names are still the generated ones.
//
// The generated type's other optional fields are pointers; before decoding they are pointed at
// values held in the wire struct itself (see reset and resultsWire.preset), which the decoder then
// fills in place instead of allocating one value per field.
type jobWire struct {
	generated.EvaluationJob
	StatusUpdates historyField `json:"status_updates,omitempty"`
	Parameters    rawSpan      `json:"parameters,omitempty"`
	Results       resultsField `json:"results,omitempty"`

	ownerID              string
	createdAt, updatedAt time.Time
}

// reset empties w for the next job and points the generated owner_id, created_at and updated_at
// at w's own values. A field absent from the job is then a pointer to a zero value instead of nil,
// which the view shows the same way; null still sets the pointer to nil, as encoding/json does.
func (w *jobWire) reset(eager bool) {
	*w = jobWire{StatusUpdates: historyField{eager: eager}}
	w.OwnerID, w.CreatedAt, w.UpdatedAt = &w.ownerID, &w.createdAt, &w.updatedAt
}

// resultsField is a job's results: nil for null (or absent), else a resultsWire decoded with its
// optional numbers and strings filled in place.
type resultsField struct{ r *resultsWire }

// UnmarshalJSONFrom decodes the results as encoding/json decodes a pointer to a struct: null sets
// it to nil, an object is decoded into the struct already there (a repeated "results" merges into
// the first) or into a new one.
func (f *resultsField) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		f.r = nil
		return err
	}
	if f.r == nil {
		f.r = new(resultsWire)
		f.r.preset()
	}
	err := jsonv2.UnmarshalDecode(dec, f.r)
	f.r.settle()
	return err
}

// resultsWire is generated.EvaluationResults with label_counts decoded as a span of the body.
type resultsWire struct {
	generated.EvaluationResults
	LabelCounts rawSpan `json:"label_counts,omitempty"`
	// labelCounts holds the slice EvaluationResults.LabelCounts points to.
	labelCounts json.RawMessage

	// What the generated number and string fields point at while decoding (see preset).
	numbers [10]float64
	strs    [2]string
}

// Values no JSON text decodes to, which mark a preset field the results did not hold: a NaN (JSON
// has none) and a string of invalid UTF-8 (the decoder turns invalid UTF-8 into U+FFFD).
var (
	absentNumber = math.Float64frombits(0x7ff8_0000_dead_beef)
	absentString = string([]byte{0xff})
)

// numberFields are the generated results' optional numbers, strFields its optional strings: the
// fields preset fills in place. TestPresetCoversTheGeneratedResults checks that they are all of
// them.
func (r *resultsWire) numberFields() [len(resultsWire{}.numbers)]**float64 {
	e := &r.EvaluationResults
	return [...]**float64{
		&e.AWins, &e.BWins, &e.Ties, &e.FailedSamples, &e.GenerationFailCount,
		&e.InvalidLabelCount, &e.InvalidScoreCount, &e.JudgeFailCount, &e.NumSamples, &e.PassPercentage,
	}
}

func (r *resultsWire) strFields() [len(resultsWire{}.strs)]**string {
	e := &r.EvaluationResults
	return [...]**string{&e.Error, &e.ResultFileID}
}

// preset points the optional numbers and strings at r's own values, marked absent.
func (r *resultsWire) preset() {
	for i, f := range r.numberFields() {
		r.numbers[i] = absentNumber
		*f = &r.numbers[i]
	}
	for i, f := range r.strFields() {
		r.strs[i] = absentString
		*f = &r.strs[i]
	}
}

// settle sets the fields the results did not hold back to nil, as encoding/json leaves them.
func (r *resultsWire) settle() {
	for _, f := range r.numberFields() {
		if *f != nil && math.Float64bits(**f) == math.Float64bits(absentNumber) {
			*f = nil
		}
	}
	for _, f := range r.strFields() {
		if *f != nil && **f == absentString {
			*f = nil
		}
	}
}

// rawSpan is where a JSON value lies in the input: [start, end), or end 0 if the value was null
// or absent (as encoding/json leaves a *json.RawMessage nil for null).
type rawSpan struct{ start, end int64 }

// UnmarshalJSONFrom records where the next value lies.
func (s *rawSpan) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() == 'n' {
		*s = rawSpan{}
		return nil
	}
	end := dec.InputOffset()
	*s = rawSpan{start: end - int64(len(v)), end: end}
	return nil
}

// in returns the value in body, with no room to append over what follows it, or nil.
func (s rawSpan) in(body []byte) json.RawMessage {
	if s.end == 0 || s.end > int64(len(body)) || s.start > s.end {
		return nil
	}
	return body[s.start:s.end:s.end]
}

// statusHistory is a job's status_updates, decoded into the view.
type statusHistory []StatusUpdate

// historyScratch is what decoding a history reuses: one generated update whose fields point at
// reused values, and a buffer for the updates before they are copied out at their final size.
type historyScratch struct {
	u       generated.StatusUpdate
	status  string
	message string
	at      time.Time
	updates []StatusUpdate
}

var historyScratches = sync.Pool{New: func() any { return new(historyScratch) }}

// UnmarshalJSONFrom decodes a JSON array of status updates (or null) with encoding/json's
// semantics: an update's missing or null field is the zero value, as the view has always shown it.
func (h *statusHistory) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		*h = nil
		return err
	case '[':
	default:
		// Not an array: let the generated type's decoder report it as it always has.
		var g []generated.StatusUpdate
		return jsonv2.UnmarshalDecode(dec, &g)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	sc, _ := historyScratches.Get().(*historyScratch)
	defer func() {
		clear(sc.updates)
		sc.updates = sc.updates[:0]
		sc.status, sc.message = "", ""
		historyScratches.Put(sc)
	}()
	// A second status_updates in the same object merges into the first, update by update, as
	// encoding/json does.
	merge := *h
	for dec.PeekKind() != ']' {
		// Fields absent from this update must not keep the last one's values: start from zero (or
		// from the update merged into), with the pointers set so that the decoder reuses the values
		// instead of allocating.
		sc.status, sc.message, sc.at = "", "", time.Time{}
		if i := len(sc.updates); i < len(merge) {
			sc.status, sc.message, sc.at = string(merge[i].Status), merge[i].Message, merge[i].Time
		}
		sc.u = generated.StatusUpdate{Status: &sc.status, Message: &sc.message, Timestamp: &sc.at}
		if err := jsonv2.UnmarshalDecode(dec, &sc.u); err != nil {
			return err
		}
		var u StatusUpdate
		if sc.u.Status != nil {
			u.Status = Status(*sc.u.Status)
		}
		if sc.u.Message != nil {
			u.Message = *sc.u.Message
		}
		if sc.u.Timestamp != nil {
			u.Time = *sc.u.Timestamp
		}
		sc.updates = append(sc.updates, u)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*h = append(make(statusHistory, 0, len(sc.updates)), sc.updates...)
	return nil
}

// errEagerHistory is what historyField returns for a status_updates it cannot vouch for: the job
// is then decoded again with its history decoded at once, so that what is accepted and every error
// are those of the generated type's decoder.
var errEagerHistory = errors.New("status_updates must be decoded at once")

// historyField is a job's status_updates. Most of a list's decoding used to go into its status
// histories (20 time stamps and 40 strings per job), which few callers read. So it is checked
// where it lies, without allocating: an array of objects whose status and message are strings or
// null, whose timestamp is an RFC 3339 string or null, and whose other members have names that
// cannot be one of those three. What passes is kept as a span of the body and decoded by
// [Job.StatusUpdates] on first use, by the decoder that would have decoded it at once (it cannot
// fail there: it accepts all that passes the check). Anything else (null elements, a name that
// could fold onto a field, a string with escapes in a time stamp, a second status_updates in the
// object) fails the job's decoding with errEagerHistory, and the job is decoded again with eager
// set. A syntax error fails it as it always has.
type historyField struct {
	// eager, set before decoding, decodes the history at once into updates.
	eager   bool
	seen    bool
	span    rawSpan
	updates statusHistory
}

// UnmarshalJSONFrom checks the history and records where it lies, or decodes it (eager).
func (h *historyField) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if h.eager {
		return h.updates.UnmarshalJSONFrom(dec)
	}
	if h.seen {
		return errEagerHistory
	}
	h.seen = true
	// The decoder checks the syntax of the whole value in one call; checkHistory then walks the
	// valid JSON it returns.
	v, err := dec.ReadValue()
	if err != nil {
		return err // a syntax error: the eager decoder would stop there too
	}
	if v.Kind() != '[' && v.Kind() != 'n' || v.Kind() == '[' && !checkHistory(v) {
		return errEagerHistory
	}
	if v.Kind() == '[' {
		end := dec.InputOffset()
		h.span = rawSpan{start: end - int64(len(v)), end: end}
	}
	return nil
}

// checkHistory reports whether the eager decoder surely accepts v, a JSON array with valid syntax
// (see historyField). Every loop moves forward in v or returns.
func checkHistory(v []byte) bool {
	i := skipWS(v, 1) // past '['
	for i < len(v) && v[i] != ']' {
		if v[i] != '{' {
			return false // null or not an object
		}
		i = skipWS(v, i+1)
		for i < len(v) && v[i] != '}' {
			end, field := historyMember(v, i)
			if end < 0 {
				return false
			}
			i = skipWS(v, skipWS(v, end)+1) // past ':'
			if i >= len(v) {
				return false
			}
			switch c := v[i]; field {
			case memberOther:
				if i = valueEnd(v, i); i < 0 {
					return false
				}
			case memberString, memberTime:
				if c == 'n' {
					i += len("null")
					break
				}
				if c != '"' {
					return false
				}
				end := stringEnd(v, i)
				if end < 0 {
					return false
				}
				if field == memberTime && !isRFC3339(v[i+1:end-1]) {
					return false
				}
				i = end
			default:
				return false
			}
			i = skipWS(v, i)
			if i < len(v) && v[i] == ',' {
				i = skipWS(v, i+1)
			}
		}
		i = skipWS(v, i+1) // past '}'
		if i < len(v) && v[i] == ',' {
			i = skipWS(v, i+1)
		}
	}
	return i < len(v)
}

// isRFC3339 reports whether s is a time stamp that time.Time.UnmarshalJSON (hence encoding/json)
// and the eager decoder read at once: it accepts exactly what the fast path of the time package
// accepts (YYYY-MM-DDThh:mm:ss, an optional fraction, Z or ±hh:mm, every field in its range), and
// allocates nothing. What it refuses is left to the eager decoder, which may still read or repair it.
func isRFC3339(s []byte) bool {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return false
	}
	num := func(b []byte, lo, hi int) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		if n < lo || n > hi {
			return -1
		}
		return n
	}
	year, month := num(s[0:4], 0, 9999), num(s[5:7], 1, 12)
	if year < 0 || month < 0 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	if num(s[8:10], 1, days) < 0 || num(s[11:13], 0, 23) < 0 || num(s[14:16], 0, 59) < 0 || num(s[17:19], 0, 59) < 0 {
		return false
	}
	s = s[19:]
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		n := 2
		for n < len(s) && '0' <= s[n] && s[n] <= '9' {
			n++
		}
		s = s[n:]
	}
	if len(s) == 1 && s[0] == 'Z' {
		return true
	}
	return len(s) == len("+07:00") && (s[0] == '+' || s[0] == '-') && s[3] == ':' &&
		num(s[1:3], 0, 23) >= 0 && num(s[4:6], 0, 59) >= 0
}

// stringEnd returns the index just past the JSON string that starts at v[i], or -1. v is valid
// JSON, so the string ends at the first quote that is not escaped. It looks at 8 bytes at a time
// for a quote or a backslash (the strings of a history are too short for bytes.IndexByte to pay
// for its call, and a byte loop is slower still).
func stringEnd(v []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if i >= len(v) || v[i] != '"' {
		return -1
	}
	j := i + 1
	for j < len(v) {
		if j+8 <= len(v) {
			x := binary.LittleEndian.Uint64(v[j:])
			q, b := x^(ones*'"'), x^(ones*'\\')
			// The lowest byte that is a quote or a backslash has its high bit set here; bytes
			// above it may too (a borrow), which does not matter.
			m := ((q-ones)&^q | (b-ones)&^b) & highs
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) / 8
		}
		switch v[j] {
		case '"':
			return j + 1
		case '\\':
			j += 2 // the backslash and the escaped byte
		default:
			j++
		}
	}
	return -1
}

// valueEnd returns the index just past the JSON value that starts at v[i], or -1. v is valid
// JSON, so only strings and nesting need care.
func valueEnd(v []byte, i int) int {
	depth := 0
	for i < len(v) {
		switch c := v[i]; c {
		case '"':
			if i = stringEnd(v, i); i < 0 {
				return -1
			}
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of the enclosing object
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return -1
}

// What a member of a status update is to checkHistory.
const (
	memberUnsure = iota // could match a field by folding: leave it to the eager decoder
	memberOther         // matches no field: ignored
	memberString        // status or message
	memberTime          // timestamp
)

// historyMember reads the member name that starts at v[i] and returns the index just past it
// (-1 if it is not a string) and what it is.
func historyMember(v []byte, i int) (end, field int) {
	// The names as the service writes them are told without looking for the string's end.
	switch rest := v[i:]; {
	case bytes.HasPrefix(rest, []byte(`"status"`)):
		return i + len(`"status"`), memberString
	case bytes.HasPrefix(rest, []byte(`"message"`)):
		return i + len(`"message"`), memberString
	case bytes.HasPrefix(rest, []byte(`"timestamp"`)):
		return i + len(`"timestamp"`), memberTime
	}
	if end = stringEnd(v, i); end < 0 {
		return -1, memberUnsure
	}
	return end, foldedMember(v[i+1 : end-1])
}

// foldedMember classifies a name (unquoted) other than the three as written.
func foldedMember(n []byte) int {
	// encoding/json matches names without regard to case (with Unicode folding: "ſtatus" is
	// "status"); a name that is ASCII and is none of the three once lowered and rid of "_"
	// and "-" cannot match. Nor can one that starts with 10 such letters, whatever follows:
	// folding maps a character to one character, and the longest field name has 9.
	var folded [len("timestamp")]byte
	k := 0
	for _, c := range n {
		switch {
		case c >= 0x80 || c == '\\':
			return memberUnsure
		case c == '_' || c == '-':
			continue
		case k == len(folded):
			return memberOther
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		folded[k] = c
		k++
	}
	switch string(folded[:k]) {
	case "status", "message", "timestamp":
		return memberUnsure
	}
	return memberOther
}

// view makes the job view of w, decoded from body; raw is the job's own JSON within body.
func (w *jobWire) view(body, raw []byte) *Job {
	g := &w.EvaluationJob
	j := &Job{
		ID:         g.WorkflowID,
		Type:       JobType(g.Type),
		Status:     Status(g.Status),
		Parameters: w.Parameters.in(body),
		Raw:        raw,
	}
	if w.StatusUpdates.eager {
		if u := []StatusUpdate(w.StatusUpdates.updates); u != nil {
			j.updates.Store(&u)
		}
	} else if h := w.StatusUpdates.span.in(body); h != nil {
		j.history = h
	}
	if g.OwnerID != nil {
		j.OwnerID = *g.OwnerID
	}
	if g.CreatedAt != nil {
		j.CreatedAt = *g.CreatedAt
	}
	if g.UpdatedAt != nil {
		j.UpdatedAt = *g.UpdatedAt
	}
	if r := w.Results.r; r != nil {
		if lc := r.LabelCounts.in(body); lc != nil {
			r.labelCounts = lc
			r.EvaluationResults.LabelCounts = &r.labelCounts
		}
		j.results = &r.EvaluationResults
	}
	return j
}

// decodeJob decodes the answer of GET /evaluation/{id} into the job view. The view keeps body as
// its Raw, and slices its Parameters and label_counts from it.
func decodeJob(body []byte) (*Job, error) {
	w, _ := jobWires.Get().(*jobWire)
	defer jobWires.Put(w)
	w.reset(false)
	if err := w.decode(body); err != nil {
		return repairAndDecodeJob(body, err)
	}
	return w.view(body, body), nil
}

// jobWires are the wire structs decodeJob reuses: a view keeps nothing of the one it was made
// from (reset clears it before each use).
var jobWires = sync.Pool{New: func() any { return new(jobWire) }}

// decode decodes one job into w; its history at once if the check of historyField fails.
func (w *jobWire) decode(body []byte) error {
	err := jsonv2.Unmarshal(body, w, decodeOptions)
	if errors.Is(err, errEagerHistory) {
		w.reset(true)
		err = jsonv2.Unmarshal(body, w, decodeOptions)
	}
	return err
}

// repairAndDecodeJob is the fallback of a job that does not decode (see lenient.go): the job is
// repaired and decoded again, with a warning for each repair, and keeps raw as its Raw. When it
// cannot be repaired (it is not a JSON object at all), the first error stands.
func repairAndDecodeJob(raw []byte, first error) (*Job, error) {
	fixed, notes, err := repairJob(raw)
	if err != nil || len(notes) == 0 {
		return nil, first
	}
	var w jobWire
	w.reset(false)
	if err := w.decode(fixed); err != nil {
		return nil, first
	}
	j := w.view(fixed, raw)
	j.warnings = &notes
	return j, nil
}

// decodeJobs decodes the answer of GET /evaluation (a JSON array of jobs, or null) into job views,
// in one pass. Each view's Raw is its job's JSON as sent, a slice of body.
func decodeJobs(body []byte) ([]*Job, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(body), decodeOptions)
	switch dec.PeekKind() {
	case 'n':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		return []*Job{}, endOfInput(dec)
	case '[':
	default:
		// Not an array: let the decoder report it as encoding/json would.
		var jobs []json.RawMessage
		return nil, decodeJSON(body, &jobs)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	jobs := []*Job{}
	var w jobWire // reused: a view keeps nothing of it
	for dec.PeekKind() != ']' {
		from := dec.InputOffset()
		w.reset(false)
		if err := jsonv2.UnmarshalDecode(dec, &w); err != nil {
			// The one-pass decoder cannot go on after an error: decode the jobs one by one, so
			// that one job that breaks the spec is repaired instead of failing the whole list.
			return decodeJobsOneByOne(body, err)
		}
		to := dec.InputOffset()
		raw := bytes.TrimLeft(body[from:to:to], " \t\r\n,")
		jobs = append(jobs, w.view(body, raw))
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	return jobs, endOfInput(dec)
}

// decodeJobsOneByOne is decodeJobs' slow path: it splits the array and decodes (or repairs) each
// job alone. An error names the job by its position, counted from 1.
func decodeJobsOneByOne(body []byte, first error) ([]*Job, error) {
	var raws []jsontext.Value
	if err := jsonv2.Unmarshal(body, &raws, decodeOptions); err != nil {
		if errors.Is(first, errEagerHistory) {
			// first only asked for a second decode; the list's own error says what is wrong.
			return nil, err
		}
		return nil, first
	}
	jobs := make([]*Job, 0, len(raws))
	for i, raw := range raws {
		j, err := decodeJob(raw)
		if err != nil {
			return nil, &listItemError{index: i, n: len(raws), err: err}
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// listItemError is the error of one job of a list that does not decode: it names the job by its
// position, counted from 1.
type listItemError struct {
	index, n int
	err      error
}

func (e *listItemError) Error() string { return fmt.Sprintf("job %d of %d: %v", e.index+1, e.n, e.err) }
func (e *listItemError) Unwrap() error { return e.err }

// endOfInput fails if anything but white space follows the value.
func endOfInput(dec *jsontext.Decoder) error {
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("invalid data after top-level value")
		}
		return err
	}
	return nil
}
