package api

import (
	"slices"
	"testing"

	"github.com/evalkit/together-evals/generated"
)

// FuzzCheckAnswer: whatever a model answers, check never panics; a valid verdict is one the job
// allows (a label of the job, a score in range, A / B / Tie); an invalid one keeps the answer as
// given and says why. Seeds: testdata/fuzz/FuzzCheckAnswer.
func FuzzCheckAnswer(f *testing.F) {
	f.Add("```json\n{\"feedback\": \"ok\", \"label\": \"good\", \"score\": 3, \"choice\": \"B\"}\n```")
	specs := []jobSpec{
		{typ: generated.EvaluationTypeClassify, labels: []string{"good", "bad"}},
		{typ: generated.EvaluationTypeScore, minScore: 1, maxScore: 5},
		{typ: generated.EvaluationTypeCompare},
	}
	f.Fuzz(func(t *testing.T, answer string) {
		for _, spec := range specs {
			v := check(spec, answer)
			switch v.kind {
			case verdictValid:
				switch spec.typ {
				case generated.EvaluationTypeClassify:
					if !slices.Contains(spec.labels, v.label) {
						t.Fatalf("%q: label %q", answer, v.label)
					}
				case generated.EvaluationTypeScore:
					if v.score < spec.minScore || v.score > spec.maxScore {
						t.Fatalf("%q: score %v", answer, v.score)
					}
				default:
					if v.choice != "A" && v.choice != "B" && v.choice != "Tie" {
						t.Fatalf("%q: choice %q", answer, v.choice)
					}
				}
			case verdictInvalid:
				if v.feedback == "" || answer != "" && v.answer != answer {
					t.Fatalf("%q: invalid verdict %+v", answer, v)
				}
			default:
				t.Fatalf("%q: verdict kind %v", answer, v.kind)
			}
		}
	})
}
