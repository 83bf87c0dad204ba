package main

import (
	"encoding/csv"
	"errors"
	"strings"

	"github.com/spf13/pflag"
)

// listValue is a comma-separated list flag, such as --labels a,b, that may be given once: a second
// --labels is refused rather than appended to the first or put in its place, since
// `--labels a,b --labels c` is more likely a slip than a wish. Values are split as CSV, so a value
// holding a comma is quoted: --labels '"yes, fully",no'.
type listValue struct {
	p    *[]string
	name string
	set  bool
}

// listVar defines a list flag on fs that stores its values in p.
func listVar(fs *pflag.FlagSet, p *[]string, name, usage string) {
	fs.Var(&listValue{p: p, name: name}, name, usage+"; give the flag once")
}

func (v *listValue) Set(s string) error {
	if v.set {
		return errors.New("given twice: list every value in one --" + v.name + " a,b,c")
	}
	v.set = true
	if s == "" {
		*v.p = []string{}
		return nil
	}
	r := csv.NewReader(strings.NewReader(s))
	items, err := r.Read()
	if err != nil {
		return errors.New(`not a comma-separated list (quote a value that holds a comma or a quote: '"a, b",c')`)
	}
	*v.p = items
	return nil
}

func (v *listValue) Type() string { return "strings" }

func (v *listValue) String() string {
	if v.p == nil || len(*v.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*v.p, ",") + "]"
}
