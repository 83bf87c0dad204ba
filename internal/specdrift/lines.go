package specdrift

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// line is the line of the document that a JSON pointer (a URI fragment) points at: the key of the
// deepest member that exists, so that a pointer to a property openapi.yaml lacks lands on the
// schema that would hold it. 0 if unknown.
func (d *document) line(ptr string) int {
	if d.raw == nil || len(d.raw.Content) == 0 || !strings.HasPrefix(ptr, "#") {
		return 0
	}
	n := d.raw.Content[0]
	line := n.Line
	rest := strings.TrimPrefix(ptr, "#")
	if rest == "" {
		return line
	}
	for _, seg := range strings.Split(strings.TrimPrefix(rest, "/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					line, next = n.Content[i].Line, n.Content[i+1]
					break
				}
			}
			if next == nil {
				return line
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line
		}
	}
	return line
}
