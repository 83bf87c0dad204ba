package decide

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evalkit/together-evals/wrappers"
)

// Outcome is what became of a row at the judge.
type Outcome uint8

// The outcomes of a row.
const (
	// OutcomeJudged: the judge gave an allowed verdict.
	OutcomeJudged Outcome = iota + 1
	// OutcomeInvalid: the judge answered, but not with an allowed verdict.
	OutcomeInvalid
	// OutcomeJudgeFailed: the call to the judge failed.
	OutcomeJudgeFailed
	// OutcomeGenerationFailed: the model that generates the outputs failed.
	OutcomeGenerationFailed
	// OutcomeFailed: the row failed for a reason the service did not attribute.
	OutcomeFailed
)

// String is the outcome as the JSON output writes it: judged, invalid, judge_failed,
// generation_failed or failed.
func (o Outcome) String() string {
	switch o {
	case OutcomeJudged:
		return "judged"
	case OutcomeInvalid:
		return "invalid"
	case OutcomeJudgeFailed:
		return "judge_failed"
	case OutcomeGenerationFailed:
		return "generation_failed"
	case OutcomeFailed:
		return "failed"
	}
	return "unknown"
}

// Verdict is what the judge made of one row in one run.
type Verdict struct {
	// Line is the row's line in its result file, from 1.
	Line int
	// Outcome says whether the row was judged, and if not, why.
	Outcome Outcome
	// Label is the classify judge's label ("" otherwise).
	Label string
	// Score is the score judge's score, when HasScore.
	Score    float64
	HasScore bool
	// Decision is the final decision: "pass" or "fail" (classify, score), "A", "B" or "Tie"
	// (compare); "" when there is none.
	Decision string
}

// Judged reports whether the judge gave an allowed verdict.
func (v Verdict) Judged() bool { return v.Outcome == OutcomeJudged }

// Pass reports whether the row counts as a pass in the paired statistics of its job type: a
// judged row whose final decision is "pass" (classify, score), or that model B won (compare).
// A row that was not judged is not a pass.
func (v Verdict) Pass(t wrappers.JobType) bool {
	if !v.Judged() {
		return false
	}
	if t == wrappers.TypeCompare {
		return strings.EqualFold(v.Decision, wrappers.DecisionB)
	}
	return strings.EqualFold(v.Decision, wrappers.DecisionPass)
}

// String says the verdict in a few words: "pass (good)", "fail (score 3)", "B", "Tie",
// "invalid", "judge failed", "generation failed" or "failed".
func (v Verdict) String() string {
	switch v.Outcome {
	case OutcomeJudged:
	case OutcomeInvalid:
		return "invalid"
	case OutcomeJudgeFailed:
		return "judge failed"
	case OutcomeGenerationFailed:
		return "generation failed"
	default:
		return "failed"
	}
	var detail string
	switch {
	case v.Label != "":
		detail = v.Label
	case v.HasScore:
		detail = "score " + FormatNumber(v.Score)
	}
	switch {
	case v.Decision == "":
		return detail
	case detail == "":
		return v.Decision
	}
	return v.Decision + " (" + detail + ")"
}

// FormatNumber writes a figure as briefly as it is exact: 7, 7.5, 0.333333.
func FormatNumber(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// VerdictOf reads the verdict of a result row of a job of type t.
func VerdictOf(row *wrappers.ResultRow, t wrappers.JobType) Verdict {
	return verdictOf(row, t, decodeText)
}

// decodeText is a JSON string's text, or "" for any other value.
func decodeText(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// texts interns the labels and decisions of a run: rows repeat a few of them, and a string
// without escapes is found from its bytes without a copy.
type texts map[string]string

func (m texts) text(raw json.RawMessage) string {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		inner := raw[1 : len(raw)-1]
		if s, ok := m[string(inner)]; ok {
			return s
		}
		if utf8.Valid(inner) {
			s := string(inner)
			m[s] = s
			return s
		}
	}
	return decodeText(raw)
}

// verdictOf is VerdictOf with the function that reads labels and decisions.
func verdictOf(row *wrappers.ResultRow, t wrappers.JobType, text func(json.RawMessage) string) Verdict {
	v := Verdict{Line: row.Line(), Decision: text(row.Field(wrappers.RowKeyFinalDecision))}
	switch row.Failure() {
	case "generation":
		v.Outcome = OutcomeGenerationFailed
	case "judge":
		v.Outcome = OutcomeJudgeFailed
	case "other":
		v.Outcome = OutcomeFailed
	default:
		v.Outcome = OutcomeJudged
	}
	if v.Outcome != OutcomeJudged {
		v.Decision = ""
		return v
	}
	if row.InvalidJudgeOutput() {
		v.Outcome = OutcomeInvalid
		v.Decision = ""
		return v
	}
	switch t {
	case wrappers.TypeClassify:
		v.Label = text(row.Field(wrappers.RowKeyLabel))
		if v.Label == "" {
			v.Outcome = OutcomeInvalid
		}
	case wrappers.TypeScore:
		v.Score, v.HasScore = row.Score()
		if !v.HasScore {
			v.Outcome = OutcomeInvalid
		}
	default:
		if v.Decision == "" {
			v.Outcome = OutcomeInvalid
		}
	}
	if v.Outcome != OutcomeJudged {
		v.Decision = ""
	}
	return v
}

// Change is how a row's verdict moved from the base run to the new run.
type Change uint8

// The changes of a row.
const (
	Unchanged Change = iota
	Regressed
	Improved
	OnlyBase
	OnlyNew
)

// String is the change as the JSON output writes it: regressed, improved, unchanged, only_base,
// only_new.
func (c Change) String() string {
	switch c {
	case Regressed:
		return "regressed"
	case Improved:
		return "improved"
	case OnlyBase:
		return "only_base"
	case OnlyNew:
		return "only_new"
	}
	return "unchanged"
}

// Compare says how a row moved from base to next in a job of type t:
//   - a row judged before and now not judged (a failure, an invalid answer) regressed; the
//     reverse improved;
//   - classify: a pass became a fail, regressed; a fail became a pass, improved; a change of
//     label with the same decision is unchanged;
//   - score: the pass decision flipped (pass to fail regressed, fail to pass improved), else the
//     score dropped (regressed) or rose (improved);
//   - compare, seen from model B (whose win rate the gate checks): A, Tie, B in that order; a
//     move towards A regressed, towards B improved.
func Compare(t wrappers.JobType, base, next Verdict) Change {
	switch {
	case base.Judged() && !next.Judged():
		return Regressed
	case !base.Judged() && next.Judged():
		return Improved
	case !base.Judged():
		return Unchanged
	}
	var from, to float64
	switch t {
	case wrappers.TypeCompare:
		from, to = compareRank(base.Decision), compareRank(next.Decision)
	case wrappers.TypeScore:
		bp, np := base.Pass(t), next.Pass(t)
		switch {
		case bp && !np:
			return Regressed
		case !bp && np:
			return Improved
		}
		from, to = base.Score, next.Score
	default:
		from, to = boolRank(base.Pass(t)), boolRank(next.Pass(t))
	}
	switch {
	case to < from:
		return Regressed
	case to > from:
		return Improved
	}
	return Unchanged
}

func boolRank(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func compareRank(d string) float64 {
	switch {
	case strings.EqualFold(d, wrappers.DecisionA):
		return 0
	case strings.EqualFold(d, wrappers.DecisionB):
		return 2
	}
	return 1
}
