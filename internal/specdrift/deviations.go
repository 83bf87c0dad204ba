package specdrift

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Deviation is one entry of the deviations file: a difference from the provider's document that
// openapi.yaml makes on purpose, and why. It covers every finding that all of its selectors match.
//
// Kind, Operation and Value are glob patterns (path.Match: "*-only-upstream", "GET /evaluation*").
// Ours and Upstream are JSON pointer patterns matched segment by segment, where a segment may be a
// glob ("*" is any one segment) and a final "**" matches that place and everything below it:
// "#/paths/*/*/responses/401", "#/components/schemas/ChatCompletionRequest/**".
type Deviation struct {
	Kind      string `json:"kind"`
	Operation string `json:"operation,omitempty"`
	Ours      string `json:"ours,omitempty"`
	Upstream  string `json:"upstream,omitempty"`
	Value     string `json:"value,omitempty"`
	Reason    string `json:"reason"`
	// Line is the entry's line in the deviations file.
	Line int `json:"line"`
}

func (d Deviation) matches(r raw) bool {
	return globMatch(d.Kind, r.kind) &&
		(d.Operation == "" || globMatch(d.Operation, r.op)) &&
		(d.Value == "" || globMatch(d.Value, r.value)) &&
		(d.Ours == "" || pointerMatch(d.Ours, r.ours)) &&
		(d.Upstream == "" || pointerMatch(d.Upstream, r.upstream))
}

func globMatch(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// pointerMatch matches a JSON pointer against a pattern, segment by segment.
func pointerMatch(pattern, ptr string) bool {
	ps, ss := strings.Split(pattern, "/"), strings.Split(ptr, "/")
	if n := len(ps); n > 0 && ps[n-1] == "**" {
		ps = ps[:n-1]
		if len(ss) < len(ps) {
			return false
		}
		ss = ss[:len(ps)]
	}
	if len(ps) != len(ss) {
		return false
	}
	for i := range ps {
		if !globMatch(ps[i], ss[i]) {
			return false
		}
	}
	return true
}

// deviationFields are the keys an entry may have.
var deviationFields = []string{"kind", "operation", "ours", "upstream", "value", "reason"}

// loadDeviations reads the deviations file: a mapping with one key, deviations, holding a list of
// entries. Every mistake is an InputError naming the file and line.
func loadDeviations(name string) ([]Deviation, error) {
	data, err := readFile(name)
	if err != nil {
		return nil, err
	}
	return parseDeviations(name, data)
}

func parseDeviations(name string, data []byte) ([]Deviation, error) {
	bad := func(line int, format string, args ...any) error {
		return &InputError{File: fmt.Sprintf("%s:%d", name, line), Msg: fmt.Sprintf(format, args...)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &InputError{File: name, Msg: "is not YAML", Err: err}
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, bad(top.Line, "expected a mapping with a deviations list")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "deviations" {
			return nil, bad(top.Content[i].Line, "unknown key %s (the file holds one key, deviations)", top.Content[i].Value)
		}
		list = top.Content[i+1]
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, bad(list.Line, "deviations must be a list")
	}
	out := make([]Deviation, 0, len(list.Content))
	for _, e := range list.Content {
		if e.Kind != yaml.MappingNode {
			return nil, bad(e.Line, "each deviation is a mapping with kind, reason and at least one of operation, ours, upstream")
		}
		d := Deviation{Line: e.Line}
		fields := map[string]*string{"kind": &d.Kind, "operation": &d.Operation, "ours": &d.Ours, "upstream": &d.Upstream, "value": &d.Value, "reason": &d.Reason}
		for i := 0; i+1 < len(e.Content); i += 2 {
			k, v := e.Content[i], e.Content[i+1]
			dst, ok := fields[k.Value]
			if !ok {
				return nil, bad(k.Line, "unknown key %s (known: %s)", k.Value, strings.Join(deviationFields, ", "))
			}
			if v.Kind != yaml.ScalarNode {
				return nil, bad(v.Line, "%s must be a string", k.Value)
			}
			*dst = v.Value
		}
		if err := d.check(); err != nil {
			return nil, bad(e.Line, "%s", err.Error())
		}
		out = append(out, d)
	}
	return out, nil
}

func (d Deviation) check() error {
	switch {
	case strings.TrimSpace(d.Reason) == "":
		return errors.New("a deviation needs a reason")
	case d.Kind == "":
		return errors.New("a deviation needs a kind (one of " + strings.Join(Kinds, ", ") + ", or a pattern)")
	case d.Operation == "" && d.Ours == "" && d.Upstream == "":
		return errors.New("a deviation needs at least one of operation, ours, upstream")
	}
	for _, f := range [][2]string{{"kind", d.Kind}, {"operation", d.Operation}, {"value", d.Value}} {
		if _, err := path.Match(f[1], ""); err != nil {
			return fmt.Errorf("%s %s is not a valid pattern", f[0], f[1])
		}
	}
	for _, f := range [][2]string{{"ours", d.Ours}, {"upstream", d.Upstream}} {
		name, p := f[0], f[1]
		if p == "" {
			continue
		}
		if !strings.HasPrefix(p, "#/") {
			return fmt.Errorf("%s %s is not a JSON pointer (it starts with #/)", name, p)
		}
		for _, seg := range strings.Split(p, "/") {
			if _, err := path.Match(seg, ""); err != nil {
				return fmt.Errorf("%s %s is not a valid pattern", name, p)
			}
		}
	}
	if !slices.ContainsFunc(Kinds, func(k string) bool { return globMatch(d.Kind, k) }) {
		return fmt.Errorf("kind %s matches no kind of finding (known: %s)", d.Kind, strings.Join(Kinds, ", "))
	}
	return nil
}
