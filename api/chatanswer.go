package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/evalkit/together-evals/generated"
)

// instruction is what the engine appends to the judge's rendered system template: the JSON object
// it must answer with.
func instruction(spec jobSpec) string {
	const lead = "Answer with one JSON object and nothing else, with the key \"feedback\" (a short explanation of your verdict) and "
	switch spec.typ {
	case generated.EvaluationTypeClassify:
		quoted := make([]string, len(spec.labels))
		for i, l := range spec.labels {
			quoted[i] = strconv.Quote(l)
		}
		return lead + "the key \"label\": exactly one of " + strings.Join(quoted, ", ") + ".\n" +
			"Example: {\"feedback\": \"...\", \"label\": " + quoted[0] + "}"
	case generated.EvaluationTypeScore:
		return lead + fmt.Sprintf("the key \"score\": a number from %s to %s.\n", num(spec.minScore), num(spec.maxScore)) +
			fmt.Sprintf("Example: {\"feedback\": \"...\", \"score\": %s}", num(spec.maxScore))
	default:
		return lead + "the key \"choice\": \"A\" if Response A is better, \"B\" if Response B is better, \"Tie\" if neither is.\n" +
			"Example: {\"feedback\": \"...\", \"choice\": \"A\"}"
	}
}

// userPrompt is the user message of a classify or score judge: the output to judge.
func userPrompt(_ jobSpec, outputs []string) string {
	if len(outputs) == 0 {
		return "Judge the input described above."
	}
	return "Response to evaluate:\n" + outputs[0]
}

// comparePrompt is the user message of a compare judge: the two responses, in the order given.
func comparePrompt(a, b string) string {
	return "Response A:\n" + a + "\n\nResponse B:\n" + b
}

// check reads a judge's answer: leniently parsed (a code fence or text around the object is
// fine), strictly checked (a label of the job, a score in range, A / B / Tie). An answer that does
// not pass is an invalid verdict that keeps the answer as given.
func check(spec jobSpec, text string) verdict {
	obj, ok := findObject(text)
	invalid := func(feedback string) verdict {
		return verdict{kind: verdictInvalid, answer: orDefault(text, "(an empty answer)"), feedback: feedback}
	}
	if !ok {
		return invalid("The judge's answer holds no JSON object.")
	}
	var feedback string
	if raw, ok := obj["feedback"]; ok {
		if feedback, ok = jsonString(raw); !ok {
			feedback = string(raw)
		}
	}
	switch spec.typ {
	case generated.EvaluationTypeClassify:
		label, ok := jsonString(obj["label"])
		if !ok || !slices.Contains(spec.labels, strings.TrimSpace(label)) {
			return invalid(orDefault(feedback, "The judge's answer has no label of the job."))
		}
		return verdict{label: strings.TrimSpace(label), feedback: feedback}
	case generated.EvaluationTypeScore:
		score, ok := scoreOf(obj["score"])
		if !ok || score < spec.minScore || score > spec.maxScore {
			return invalid(orDefault(feedback, "The judge's answer has no score in the job's range."))
		}
		return verdict{score: score, feedback: feedback}
	default:
		choice, ok := jsonString(obj["choice"])
		if !ok {
			return invalid(orDefault(feedback, "The judge's answer has no choice."))
		}
		choice = strings.TrimSpace(choice)
		if choice != "A" && choice != "B" && choice != "Tie" {
			return invalid(orDefault(feedback, "The judge's choice is not A, B or Tie."))
		}
		return verdict{choice: choice, feedback: feedback}
	}
}

// scoreOf reads a score: a JSON number, or a string holding one.
func scoreOf(raw json.RawMessage) (float64, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(strings.TrimSpace(s))
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// findObject finds the JSON object in a model's answer: the first '{' from which a whole object
// decodes, preferring one that carries a verdict key (label, score, choice), so that an answer in a
// code fence, or with text before and after, still reads. The '{'s that do not start an object
// are given, together, a few times the answer's length to fail in: an answer of nested objects
// that never close would otherwise be decoded again to its end from each of them (quadratic in
// its length: minutes for a few MiB).
func findObject(text string) (map[string]json.RawMessage, bool) {
	// The answer as asked for: one object and nothing else.
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") {
		if obj, ok := verdictMembers(t); ok {
			return obj, true
		}
	}
	var first map[string]json.RawMessage
	budget := 4*int64(len(text)) + 4096 // bytes the failed attempts may scan
	for i := 0; i < len(text) && budget > 0; {
		k := strings.IndexByte(text[i:], '{')
		if k < 0 {
			break
		}
		i += k
		dec := json.NewDecoder(strings.NewReader(text[i:]))
		var obj map[string]json.RawMessage
		err := dec.Decode(&obj)
		if err == nil && obj != nil {
			for _, key := range []string{"label", "score", "choice"} {
				if _, ok := obj[key]; ok {
					return obj, true
				}
			}
			if first == nil {
				first = obj
			}
			i += int(dec.InputOffset())
			continue
		}
		budget -= scanned(err, len(text)-i)
		i++
	}
	return first, first != nil
}

// scanned is how far a failed decode of rest bytes read: to the syntax error, else to the end.
func scanned(err error, rest int) int64 {
	if syntax, ok := errors.AsType[*json.SyntaxError](err); ok {
		return syntax.Offset
	}
	return int64(rest)
}

// verdictMembers reads text that is exactly one JSON object and keeps the members a verdict reads
// (feedback, label, score, choice; the last of a repeated name), streaming with jsontext rather
// than decoding every member into a map.
func verdictMembers(text string) (map[string]json.RawMessage, bool) {
	dec := rowDecoders.Get().(*jsontext.Decoder)
	defer rowDecoders.Put(dec)
	dec.Reset(strings.NewReader(text), jsontext.AllowDuplicateNames(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	obj := make(map[string]json.RawMessage, 2)
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, false
		}
		key := tok.String()
		value, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		switch key {
		case "feedback", "label", "score", "choice":
			obj[key] = bytes.Clone(value)
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, false
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return obj, true
}

// jsonString reads a raw JSON string: without escapes as it is, else through encoding/json.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 && bytes.IndexByte(raw[1:len(raw)-1], '"') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
