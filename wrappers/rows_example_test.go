package wrappers_test

import (
	"fmt"
	"strings"

	"github.com/evalkit/together-evals/wrappers"
)

const resultFile = `{"prompt": "2+2?", "response": "4", "success": true, "feedback": "Correct.", "is_invalid_judge_output": false, "label": "good", "final_decision": "pass"}
{"prompt": "Capital of France?", "response": "Lyon", "success": true, "feedback": "Wrong city.", "is_invalid_judge_output": false, "label": "bad", "final_decision": "fail"}
{"prompt": "Haiku?", "response": "", "success": false, "error": "judge failed: upstream 503", "is_invalid_judge_output": false, "label": null, "final_decision": null}
`

func ExampleReadResultRows() {
	for row, err := range wrappers.ReadResultRows(strings.NewReader(resultFile)) {
		if err != nil {
			fmt.Println(err)
			break
		}
		prompt, _ := row.StringField("prompt")
		if label, ok := row.Label(); ok {
			fmt.Printf("%d %s: %s (%s) %s\n", row.Line(), prompt, label, row.FinalDecision(), row.Feedback())
		} else {
			fmt.Printf("%d %s: no label: %s\n", row.Line(), prompt, row.ErrorMessage())
		}
	}
	// Output:
	// 1 2+2?: good (pass) Correct.
	// 2 Capital of France?: bad (fail) Wrong city.
	// 3 Haiku?: no label: judge failed: upstream 503
}

func ExampleSummarizeRows() {
	summary, err := wrappers.SummarizeRows(wrappers.ReadResultRows(strings.NewReader(resultFile)),
		wrappers.WithSummaryLabels("good", "bad"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(summary.LabelCounts, summary.ClassifyPassPercentage(), summary.JudgeFailures)

	// Compare with what the job reports.
	one, fifty := 1.0, 50.0
	err = summary.Check(wrappers.ResultTotals{
		Type:           "classify",
		LabelCounts:    map[string]float64{"good": 1, "bad": 2},
		PassPercentage: &fifty,
		JudgeFailCount: &one,
	})
	fmt.Println(err)
	// Output:
	// map[bad:1 good:1] 50 1
	// result rows disagree with the job's results: label_counts["bad"]: the rows give 1, the job reports 2
}
