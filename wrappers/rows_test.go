package wrappers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// collectRows reads every row of content, returning the rows and the error
// that stopped the iteration, if any.
func collectRows(t *testing.T, r io.Reader) ([]*ResultRow, error) {
	t.Helper()
	var rows []*ResultRow
	for row, err := range ReadResultRows(r) {
		if err != nil {
			if row != nil {
				t.Errorf("row %v yielded with error %v", row, err)
			}
			return rows, err
		}
		if row == nil {
			t.Fatal("nil row without error")
		}
		rows = append(rows, row)
	}
	return rows, nil
}

const classifyRows = `{"prompt": "2+2?", "response": "4", "success": true, "feedback": "Correct.", "is_invalid_judge_output": false, "label": "good", "final_decision": "pass"}
{"prompt": "capital of France?", "response": "Lyon", "success": true, "feedback": "Wrong city.", "is_invalid_judge_output": false, "label": "bad", "final_decision": "fail"}

{"prompt": "haiku?", "response": "...", "success": true, "feedback": "", "is_invalid_judge_output": true, "label": null, "final_decision": null}
{"prompt": "sum?", "response": "", "success": false, "error": "judge failed: 503 from judge", "feedback": "", "is_invalid_judge_output": false, "label": null, "final_decision": null}
`

func TestReadResultRows(t *testing.T) {
	rows, err := collectRows(t, strings.NewReader(classifyRows))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	if got := []int{rows[0].Line(), rows[1].Line(), rows[2].Line(), rows[3].Line()}; !slices.Equal(got, []int{1, 2, 4, 5}) {
		t.Errorf("lines %v, want [1 2 4 5] (line 3 is blank)", got)
	}
	r := rows[0]
	if !r.Success() || r.ErrorMessage() != "" || r.Feedback() != "Correct." || r.InvalidJudgeOutput() || r.FinalDecision() != "pass" {
		t.Errorf("row 1: success %v error %q feedback %q invalid %v decision %q",
			r.Success(), r.ErrorMessage(), r.Feedback(), r.InvalidJudgeOutput(), r.FinalDecision())
	}
	if l, ok := r.Label(); !ok || l != "good" {
		t.Errorf("row 1 label %q %v", l, ok)
	}
	if p, ok := r.StringField("prompt"); !ok || p != "2+2?" {
		t.Errorf("row 1 prompt %q %v", p, ok)
	}
	wantKeys := []string{"prompt", "response", "success", "feedback", "is_invalid_judge_output", "label", "final_decision"}
	if !slices.Equal(r.Keys(), wantKeys) {
		t.Errorf("keys %q, want %q", r.Keys(), wantKeys)
	}
	if string(r.Raw()) != strings.Split(classifyRows, "\n")[0] {
		t.Errorf("raw %s", r.Raw())
	}
	if _, ok := rows[2].Label(); ok || !rows[2].InvalidJudgeOutput() || rows[2].FinalDecision() != "" {
		t.Errorf("row 3 (invalid): label present or decision %q", rows[2].FinalDecision())
	}
	if rows[3].Success() || rows[3].ErrorMessage() != "judge failed: 503 from judge" || rows[3].Failure() != "judge" {
		t.Errorf("row 4 (failed): success %v error %q failure %q", rows[3].Success(), rows[3].ErrorMessage(), rows[3].Failure())
	}
}

func TestReadResultRowsLongLines(t *testing.T) {
	feedback := strings.Repeat("very long feedback ", 100_000) // ~1.9 MiB, far past bufio.Scanner's 64 KiB
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, "{\"i\": %d, \"feedback\": %q}\r\n", i, feedback)
	}
	rows, err := collectRows(t, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	for i, r := range rows {
		if n, ok := r.NumberField("i"); !ok || n != float64(i) || r.Feedback() != feedback {
			t.Errorf("row %d: i %v %v, feedback of %d bytes", i, n, ok, len(r.Feedback()))
		}
	}
}

func TestReadResultRowsErrors(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		wantRows int
		want     string
		wantLine int
	}{
		{"truncated last line", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": ", 2, `result row at line 3: truncated JSON: the line ends before a JSON object is closed`, 3},
		{"array", "{\"a\": 1}\n[1, 2]\n{\"a\": 3}\n", 1, `result row at line 2: a JSON array, not an object`, 2},
		{"garbage", "<html>oops</html>\n", 0, `result row at line 1: invalid JSON at column 1: expected "{" (each line is one JSON object), found "<"`, 1},
		{"two values", "{\"a\": 1}{\"a\": 2}\n", 0, `result row at line 1: more than one JSON value on the line (another value starts at column 9); put each row on a line of its own`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := collectRows(t, strings.NewReader(tt.content))
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("error %v, want *RowError", err)
			}
			if len(rows) != tt.wantRows || err.Error() != tt.want || re.Line != tt.wantLine {
				t.Errorf("%d rows, error %q (line %d); want %d rows, %q (line %d)", len(rows), err, re.Line, tt.wantRows, tt.want, tt.wantLine)
			}
		})
	}

	boom := errors.New("connection reset")
	rows, err := collectRows(t, io.MultiReader(strings.NewReader("{\"a\": 1}\n{\"a\": 2}\n"), iotest.ErrReader(boom)))
	var re *RowError
	if len(rows) != 2 || !errors.Is(err, boom) || !errors.As(err, &re) || re.Line != 3 {
		t.Errorf("read error: %d rows, error %v", len(rows), err)
	}
}

func TestReadResultRowsByteOrderMark(t *testing.T) {
	rows, err := collectRows(t, strings.NewReader("\uFEFF{\"label\": \"yes\"}\n{\"label\": \"no\"}\n"))
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, error %v", len(rows), err)
	}
	if l, _ := rows[0].Label(); l != "yes" || rows[0].Keys()[0] != "label" {
		t.Errorf("first row %s", rows[0])
	}
}

func TestReadResultRowsStopEarly(t *testing.T) {
	n := 0
	for row, err := range ReadResultRows(endless("{\"a\": 1}\n")) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row.Line() == 5 {
			break
		}
	}
	if n != 5 {
		t.Errorf("read %d rows before stopping, want 5", n)
	}
}

func TestResultRowAccessorsTolerateChanges(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, r *ResultRow)
	}{
		{"empty object", `{}`, func(t *testing.T, r *ResultRow) {
			if !r.Success() || r.ErrorMessage() != "" || r.Feedback() != "" || r.InvalidJudgeOutput() || r.FinalDecision() != "" || r.Failure() != "" {
				t.Error("an empty row should read as a success with nothing else")
			}
			if _, ok := r.Label(); ok {
				t.Error("label present")
			}
			if _, ok := r.Score(); ok {
				t.Error("score present")
			}
			if _, ok := r.ModelOutput(); ok {
				t.Error("model output present")
			}
			if r.Field("label") != nil || r.Has("label") || len(r.Keys()) != 0 {
				t.Error("field present")
			}
		}},
		{"renamed and retyped keys", `{"succeeded": true, "success": "yes", "label": 3, "score": "high", "final_decision": true, "is_invalid_judge_output": "no"}`, func(t *testing.T, r *ResultRow) {
			if _, ok := r.Label(); ok {
				t.Error("a numeric label read as a label")
			}
			if _, ok := r.Score(); ok {
				t.Error(`"high" read as a score`)
			}
			if r.FinalDecision() != "" || r.InvalidJudgeOutput() {
				t.Error("mistyped decision or invalid flag read")
			}
			if !r.Success() {
				t.Error("a row with a non-boolean success and no error should read as a success")
			}
			if v, ok := r.BoolField("succeeded"); !ok || !v {
				t.Error("unknown key not reachable")
			}
		}},
		{"failed without success key", `{"error": "generation failed: timeout"}`, func(t *testing.T, r *ResultRow) {
			if r.Success() || r.Failure() != "generation" {
				t.Errorf("success %v failure %q", r.Success(), r.Failure())
			}
		}},
		{"unattributed failure", `{"success": false, "error": "quota"}`, func(t *testing.T, r *ResultRow) {
			if r.Failure() != "other" {
				t.Errorf("failure %q", r.Failure())
			}
		}},
		{"score forms", `{"score": 7.5, "a": "8", "b": " 9 ", "c": null, "d": "NaN", "e": 1e400}`, func(t *testing.T, r *ResultRow) {
			if s, ok := r.Score(); !ok || s != 7.5 {
				t.Errorf("score %v %v", s, ok)
			}
			if s, ok := r.NumberField("a"); !ok || s != 8 {
				t.Errorf("string number %v %v", s, ok)
			}
			if s, ok := r.NumberField("b"); !ok || s != 9 {
				t.Errorf("padded string number %v %v", s, ok)
			}
			for _, k := range []string{"c", "d", "e"} {
				if s, ok := r.NumberField(k); ok {
					t.Errorf("%s read as number %v", k, s)
				}
			}
		}},
		{"model outputs", `{"model_to_evaluate_output": "x", "model_a_output": "a\n\"quoted\"", "model_b_output": "b"}`, func(t *testing.T, r *ResultRow) {
			m, ok1 := r.ModelOutput()
			a, ok2 := r.ModelAOutput()
			b, ok3 := r.ModelBOutput()
			if m != "x" || a != "a\n\"quoted\"" || b != "b" || !ok1 || !ok2 || !ok3 {
				t.Errorf("outputs %q %q %q", m, a, b)
			}
		}},
		{"duplicate and escaped keys", `{"label": "first", "la\u0062el": "second", "\u00e9t\u00e9": "summer"}`, func(t *testing.T, r *ResultRow) {
			if l, _ := r.Label(); l != "second" {
				t.Errorf("label %q, want the last one", l)
			}
			if s, ok := r.StringField("été"); !ok || s != "summer" {
				t.Errorf("escaped key: %q %v", s, ok)
			}
		}},
		{"nested values kept raw", `{"info": {"q": [1, {"x": "}"}]}, "n": null}`, func(t *testing.T, r *ResultRow) {
			if got := string(r.Field("info")); got != `{"q": [1, {"x": "}"}]}` {
				t.Errorf("info %s", got)
			}
			if got := string(r.Field("n")); got != "null" || !r.Has("n") {
				t.Errorf("null field %q", got)
			}
			var keys []string
			for k, v := range r.All() {
				keys = append(keys, k+"="+string(v))
			}
			if want := []string{`info={"q": [1, {"x": "}"}]}`, "n=null"}; !slices.Equal(keys, want) {
				t.Errorf("All %q, want %q", keys, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseResultRow([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

func TestResultRowJSON(t *testing.T) {
	in := `{"b": 1, "a": [true], "label": "x"}`
	var r ResultRow
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if l, _ := r.Label(); l != "x" || !slices.Equal(r.Keys(), []string{"b", "a", "label"}) {
		t.Errorf("decoded %q %q", l, r.Keys())
	}
	out, err := r.MarshalJSON()
	if err != nil || string(out) != in {
		t.Errorf("MarshalJSON = %s, %v; want the row as read", out, err)
	}
	// encoding/json compacts what MarshalJSON returns.
	out, err = json.Marshal(struct{ Row *ResultRow }{&r})
	if want := `{"Row":{"b":1,"a":[true],"label":"x"}}`; err != nil || string(out) != want {
		t.Errorf("Marshal = %s, %v; want %s", out, err, want)
	}
	if err := json.Unmarshal([]byte(`[1]`), &r); err == nil {
		t.Error("an array decoded as a row")
	}
	if _, err := ParseResultRow([]byte(`{"a": `)); err == nil {
		t.Error("truncated JSON parsed")
	}
}
