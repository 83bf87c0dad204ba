package decide_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// keyedRuns are two classify runs keyed by id: q1..q6, two rows "dup" in each, q7 only in the
// base run and q8 only in the new one.
func keyedRuns(t *testing.T, e *env) (base, next *wrappers.Job) {
	t.Helper()
	baseRows := classifyRows(map[string]string{
		"q1": "good", "q2": "good", "q3": "bad", "q4": "invalid", "q5": "good", "q6": "bad",
		"dup#1": "good", "dup#2": "bad", "q7": "good",
	}, "q1", "q2", "dup#1", "q3", "q4", "q5", "q6", "dup#2", "q7")
	newRows := classifyRows(map[string]string{
		"q1": "bad", "q2": "good", "q3": "good", "q4": "bad", "q5": "judge_fail", "q6": "bad",
		"dup#1": "bad", "dup#2": "bad", "q8": "good",
	}, "q8", "q6", "q5", "dup#1", "q4", "q3", "dup#2", "q2", "q1")
	return e.run(t, classifyReq(e.upload(t, baseRows...))), e.run(t, classifyReq(e.upload(t, newRows...)))
}

func keysOf(rows []decide.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.KeyText())
	}
	return out
}

func TestDiffClassifyByKey(t *testing.T) {
	e := newEnv(t)
	base, next := keyedRuns(t, e)
	var streamed []string
	res, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next),
		decide.WithKey("id"), decide.WithRowFunc(func(r decide.Row) error {
			streamed = append(streamed, r.KeyText()+":"+r.Change.String())
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.MatchedBy != decide.ByKey || s.Type != wrappers.TypeClassify {
		t.Fatalf("summary = %+v", s)
	}
	// q1 good->bad, q5 good->judge failure, the first dup good->bad regressed; q3 bad->good and
	// q4 invalid->bad improved; q2, q6 and the second dup stayed.
	if s.Paired != 8 || s.Regressed != 3 || s.Improved != 2 || s.Unchanged != 3 || s.OnlyBase != 1 || s.OnlyNew != 1 {
		t.Fatalf("counts = %+v", s)
	}
	if got := strings.Join(keysOf(res.Regressed), ","); got != "q5,dup,q1" {
		t.Errorf("regressed = %s (in the new run's order)", got)
	}
	if got := strings.Join(keysOf(res.Improved), ","); got != "q4,q3" {
		t.Errorf("improved = %s", got)
	}
	if keysOf(res.OnlyBase)[0] != "q7" || keysOf(res.OnlyNew)[0] != "q8" {
		t.Errorf("only base %v, only new %v", keysOf(res.OnlyBase), keysOf(res.OnlyNew))
	}
	// The first dup of the new run (bad) pairs with the first of the base run (good), line 3.
	dup := res.Regressed[1]
	if dup.Base.Line != 3 || dup.Base.String() != "pass (good)" || dup.New.String() != "fail (bad)" {
		t.Errorf("dup pairing: base %+v new %+v", dup.Base, dup.New)
	}
	if dup.BaseRow == nil || dup.NewRow == nil || !strings.Contains(dup.BaseRow.Feedback(), `"good"`) {
		t.Errorf("kept rows carry both runs' rows: %v / %v", dup.BaseRow, dup.NewRow)
	}
	if r := res.Regressed[0]; r.New.String() != "judge failed" || r.Base.String() != "pass (good)" {
		t.Errorf("q5: %s -> %s", r.Base, r.New)
	}
	// Paired table: both pass q2; base only q1, q5, dup; new only q3; neither q4, q6, dup.
	p := s.PassRate
	if p.BothPass != 1 || p.Regressed != 3 || p.Improved != 1 || p.NeitherPass != 3 {
		t.Fatalf("table = %+v", p)
	}
	if p.Delta != -0.25 || p.Base != 0.5 || p.New != 0.25 {
		t.Errorf("rates = %+v", p)
	}
	if p.PValue != 0.625 || !p.TooSmall { // 2 × P(X <= 1), X ~ B(4, 1/2) = 2 × 5/16
		t.Errorf("p = %v, too small = %v", p.PValue, p.TooSmall)
	}
	if !(p.CILow < p.Delta && p.Delta < p.CIHigh) || p.CILow < -1 || p.CIHigh > 1 {
		t.Errorf("interval [%g, %g] around %g", p.CILow, p.CIHigh, p.Delta)
	}
	if s.SignificantDrop() {
		t.Error("4 discordant pairs cannot show a significant drop")
	}
	want := "q8:only_new,q6:unchanged,q5:regressed,dup:regressed,q4:improved,q3:improved,dup:unchanged,q2:unchanged,q1:regressed,q7:only_base"
	if got := strings.Join(streamed, ","); got != want {
		t.Errorf("rows streamed:\n got %s\nwant %s", got, want)
	}
	if s.Base.Rows != 9 || s.New.Rows != 9 {
		t.Errorf("rows: %d, %d", s.Base.Rows, s.New.Rows)
	}
}

func TestDiffSignificantDrop(t *testing.T) {
	e := newEnv(t)
	// 10 rows pass in the base run and fail in the new one; 10 pass in both: p = 2/1024.
	base := e.run(t, classifyReq(e.upload(t, rowsWith("", repeat("good", 20)...)...)))
	next := e.run(t, classifyReq(e.upload(t, rowsWith("", append(repeat("bad", 10), repeat("good", 10)...)...)...)))
	res, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next), decide.WithKey("id"), decide.WithLimit(3))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if math.Abs(s.PassRate.PValue-2.0/1024) > 1e-12 || s.PassRate.TooSmall || !s.SignificantDrop() || s.Regressed != 10 || len(res.Regressed) != 3 {
		t.Fatalf("summary = %+v, kept %d", s.PassRate, len(res.Regressed))
	}
	res, err = decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next), decide.WithKey("id"), decide.WithAlpha(0.001))
	if err != nil || res.Summary.SignificantDrop() {
		t.Fatalf("at alpha 0.001, p = 2/1024 is not significant: %v", err)
	}
}

func TestDiffScoreMeanChange(t *testing.T) {
	e := newEnv(t)
	// Differences 1, 2, 3, 4: mean 2.5, paired t(3) interval [0.44574, 4.55426], p = 0.030466.
	base := e.run(t, scoreReq(e.upload(t, rowsWith("", "2", "3", "4", "5")...)))
	next := e.run(t, scoreReq(e.upload(t, rowsWith("", "3", "5", "7", "9")...)))
	res, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next), decide.WithKey("id"))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Summary.MeanScore
	if m == nil || m.N != 4 || m.Delta != 2.5 || math.Abs(m.CILow-0.44574) > 1e-5 || math.Abs(m.CIHigh-4.55426) > 1e-5 || math.Abs(m.PValue-0.030466) > 1e-6 {
		t.Fatalf("mean change = %+v", m)
	}
	if m.Base != 3.5 || m.New != 6 {
		t.Errorf("means %g -> %g", m.Base, m.New)
	}
	// Every score rose: 3 and 5 still fail (below 7), 7 and 9 now pass.
	if s := res.Summary; s.Improved != 4 || s.Regressed != 0 || s.PassRate.Improved != 2 {
		t.Errorf("summary = %+v", s)
	}
}

func TestDiffCompareFromModelB(t *testing.T) {
	e := newEnv(t)
	extra := `, "answer_b": "Other"`
	base := e.run(t, compareReq(e.upload(t, rowsWith(extra, "A", "B", "Tie", "B")...)))
	next := e.run(t, compareReq(e.upload(t, rowsWith(extra, "B", "A", "Tie", "Tie")...)))
	res, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next), decide.WithKey("id"))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Improved != 1 || s.Regressed != 2 || s.Unchanged != 1 {
		t.Fatalf("summary = %+v", s)
	}
	if got := strings.Join(keysOf(res.Regressed), ","); got != "r2,r4" {
		t.Errorf("regressed = %s", got)
	}
}

func TestDiffByLineWhenBothJobsReadOneFile(t *testing.T) {
	e := newEnv(t)
	// The same file, twice the same row: pass labels swapped between the jobs, so every row flips.
	file := e.upload(t, rowsWith("", "good", "bad", "good")...)
	base := e.run(t, classifyReq(file))
	req := classifyReq(file)
	req.PassLabels = []string{"bad"}
	next := e.run(t, req)
	res, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.MatchedBy != decide.ByLine || s.Paired != 3 || s.Regressed != 2 || s.Improved != 1 {
		t.Fatalf("summary = %+v", s)
	}
	if k := string(res.Improved[0].Key()); k != `{"line":2}` {
		t.Errorf("key = %s", k)
	}
}

func TestDiffByInputFieldsInAnyOrder(t *testing.T) {
	e := newEnv(t)
	rows := rowsWith("", "good", "bad", "good", "good")
	base := e.run(t, classifyReq(e.upload(t, rows...)))
	reordered := []string{rows[3], rows[1], rows[0], rows[2]}
	req := classifyReq(e.upload(t, reordered...))
	req.PassLabels = []string{"bad"}
	next := e.run(t, req)
	res, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.MatchedBy != decide.ByInput || s.Paired != 4 || s.OnlyBase+s.OnlyNew != 0 || s.Regressed != 3 || s.Improved != 1 {
		t.Fatalf("summary = %+v", s)
	}
	var key map[string]any
	if err := json.Unmarshal(res.Improved[0].Key(), &key); err != nil || key["id"] != "r2" || key["__judge"] != "bad" || key["label"] != nil {
		t.Errorf("key = %s (%v)", res.Improved[0].Key(), err)
	}
}

// download saves a job's result file to disk.
func download(t *testing.T, e *env, job *wrappers.Job) string {
	t.Helper()
	id, err := job.ResultFileID()
	if err != nil {
		t.Fatal(err)
	}
	body, err := e.client.FileContent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), job.ID+".jsonl")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDiffFilesOnDiskAgreeWithJobs(t *testing.T) {
	e := newEnv(t)
	base, next := keyedRuns(t, e)
	fromJobs, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next), decide.WithKey("id"))
	if err != nil {
		t.Fatal(err)
	}
	fromFiles, err := decide.Diff(context.Background(), decide.File(download(t, e, base)), decide.File(download(t, e, next)), decide.WithKey("id"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := fromJobs.Summary, fromFiles.Summary
	if b.Type != wrappers.TypeClassify || a.PassRate != b.PassRate || a.Regressed != b.Regressed || a.OnlyBase != b.OnlyBase ||
		strings.Join(keysOf(fromFiles.Regressed), ",") != strings.Join(keysOf(fromJobs.Regressed), ",") {
		t.Fatalf("files %+v\njobs %+v", b, a)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDiffErrorsNameTheRunAndLine(t *testing.T) {
	good := `{"id": "a", "success": true, "label": "yes", "final_decision": "pass"}` + "\n"
	score := `{"id": "a", "success": true, "score": 3, "final_decision": "fail"}` + "\n"
	ctx := context.Background()
	cases := []struct {
		name       string
		base, next string
		opts       []decide.Option
		want       string
	}{
		{
			"missing key", good, `{"name": "a", "success": true, "label": "yes"}` + "\n",
			[]decide.Option{decide.WithKey("id")},
			`--key id: the new run's row at line 1 has no column "id"`,
		},
		{"bad line", good, good + "{oops\n", nil, "line 2"},
		{"types", good, score, nil, "holds the rows of a score job, the other run is a classify job"},
		{"not results", `{"id": "a"}` + "\n", good, nil, "line 1 has none of label, score, final_decision"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decide.Diff(ctx, decide.File(writeFile(t, c.base)), decide.File(writeFile(t, c.next)), c.opts...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to say %q", err, c.want)
			}
		})
	}
	if _, err := decide.Diff(ctx, decide.File(writeFile(t, good)), decide.File(writeFile(t, good)), decide.WithAlpha(1.5)); err == nil || !strings.Contains(err.Error(), "--alpha") {
		t.Errorf("alpha: %v", err)
	}
	_, err := decide.Diff(ctx, decide.File(writeFile(t, good)), decide.File(writeFile(t, score)), decide.WithType(wrappers.TypeClassify))
	if err != nil {
		t.Errorf("a forced type reads both files as that type: %v", err)
	}
	_, err = decide.Diff(ctx, decide.File(writeFile(t, good)), decide.File(filepath.Join(t.TempDir(), "missing.jsonl")))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDiffByInputFieldsIgnoresWhatTheJudgeAdds(t *testing.T) {
	e := newEnv(t)
	rows := rowsWith("", "good", "bad")
	base := e.run(t, classifyReq(e.upload(t, rows...)))
	// In the new job "bad" is no label: that row's answer is invalid, and the local API keeps it
	// as judge_answer, a field the base row does not have.
	req := classifyReq(e.upload(t, rows[1], rows[0]))
	req.Labels = []string{"good", "poor"}
	next := e.run(t, req)
	res, err := decide.Diff(context.Background(), decide.Job(e.client, base), decide.Job(e.client, next))
	if err != nil {
		t.Fatal(err)
	}
	// good stays; bad (a fail) -> invalid moves from judged to not judged: regressed.
	if s := res.Summary; s.Paired != 2 || s.Regressed != 1 || s.Unchanged != 1 || s.OnlyBase+s.OnlyNew != 0 {
		t.Fatalf("summary = %+v", s)
	}
}

func TestDiffStopsWhenTheContextEnds(t *testing.T) {
	var b strings.Builder
	for i := range 10_000 {
		b.WriteString(`{"id": "r` + strings.Repeat("x", i%7) + `", "success": true, "label": "good", "final_decision": "pass"}` + "\n")
	}
	path := writeFile(t, b.String())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := decide.Diff(ctx, decide.File(path), decide.File(path))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestDiffKeyColumnErrorSaysWhatTheRowHas checks that a row without a key column is a
// *KeyColumnError naming the run, the line, the column and the row's input columns.
func TestDiffKeyColumnErrorSaysWhatTheRowHas(t *testing.T) {
	good := `{"question": "q", "answer": "a", "success": true, "label": "yes", "final_decision": "pass"}` + "\n"
	_, err := decide.Diff(context.Background(), decide.File(writeFile(t, good)), decide.File(writeFile(t, good)), decide.WithKey("id"))
	var ke *decide.KeyColumnError
	if !errors.As(err, &ke) {
		t.Fatalf("err = %v, want a *KeyColumnError", err)
	}
	if ke.Run != "base" || ke.Line != 1 || ke.Column != "id" || strings.Join(ke.Columns, ",") != "question,answer" || strings.Join(ke.Key, ",") != "id" {
		t.Errorf("KeyColumnError = %+v", ke)
	}
}

// TestDiffRefusesAnEmptyFile checks that a result file with no rows is refused, as GateRows
// refuses it, on either side: an empty new run must not compare as "nothing regressed".
func TestDiffRefusesAnEmptyFile(t *testing.T) {
	good := writeFile(t, `{"id": "a", "success": true, "label": "yes", "final_decision": "pass"}`+"\n")
	empty := writeFile(t, "")
	ctx := context.Background()
	for _, c := range []struct {
		name       string
		base, next string
	}{{"new", good, empty}, {"base", empty, good}, {"both", empty, empty}} {
		t.Run(c.name, func(t *testing.T) {
			res, err := decide.Diff(ctx, decide.File(c.base), decide.File(c.next), decide.WithKey("id"))
			var fe *decide.FileError
			if !errors.As(err, &fe) || fe.Path != empty || !strings.Contains(err.Error(), "the file has no rows") {
				t.Fatalf("err = %v (result %+v), want the empty file named with 'the file has no rows'", err, res)
			}
		})
	}
}
