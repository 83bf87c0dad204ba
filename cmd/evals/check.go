package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evalkit/together-evals/wrappers"
)

// checkCmd is `evals check FILE`: the pre-flight check of an input file, with no request sent.
func (a *app) checkCmd() *cobra.Command {
	var (
		typ, template, templateFile string
		allowUnused                 []string
	)
	slots := []*checkSlot{{prefix: "model"}, {prefix: "model-a"}, {prefix: "model-b"}}
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Check an input file locally before uploading it (no key needed)",
		Long: `Check an evaluation input file (JSONL) locally, in one streaming pass, without
sending anything: valid UTF-8, one JSON object per line, the same fields on every
row.

Given the job's judge template and model columns or templates as well (the same
flags as 'evals create'), it runs the whole pre-flight that 'create --input' runs:
every field must be used by a {{field}} placeholder or named as a model column (the
service fails the job with "Unsupported dataset column(s)" otherwise), and every
placeholder must name a field the rows have.

Problems are listed with the file, line and field, and the exit code is 2.
FILE - reads standard input (named "stdin" in problems).`,
		Example: `  evals check data.jsonl
  jq -c '{question, answer}' raw.jsonl | evals check - --judge-template 'Is {{answer}} right for {{question}}?'
  evals check data.jsonl --judge-template 'Is the answer to {{prompt}} right?' --model-column response
  evals check pairs.jsonl --type compare --judge-template-file judge.txt \
    --model-a-column response_a --model-b-column response_b`,
		Args: exactArgs("FILE"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			var p problemList
			opts, full := a.checkOptions(fl, typ, template, templateFile, slots, &p)
			opts.AllowUnused = allowUnused
			if args[0] == "" {
				p.add("FILE", emptyInputFile)
			}
			if len(p) > 0 {
				return &usageError{err: errors.Join(p...)}
			}
			var report *wrappers.InputReport
			var err error
			if args[0] == "-" {
				report, err = wrappers.CheckInput(cmd.Context(), a.stdin, stdinName, opts)
			} else {
				report, err = wrappers.CheckInputFile(cmd.Context(), args[0], opts)
			}
			var inputErr *wrappers.InputError
			if err != nil && !errors.As(err, &inputErr) {
				var pathErr *fs.PathError
				if errors.As(err, &pathErr) || errors.Is(err, fs.ErrNotExist) {
					return usagef("%s", fileErrText(err))
				}
				return opErr("check", args[0], err)
			}
			if a.output == outputJSON {
				if err := writeJSON(a.stdout, checkJSON(report, full, inputErr)); err != nil {
					return err
				}
			} else if inputErr == nil {
				if err := writeCheckReport(a.stdout, report, full, a.outStyle()); err != nil {
					return err
				}
			}
			if inputErr != nil {
				return &usageError{err: inputErr}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&typ, "type", "", "the job type the file is for: classify, score or compare (compare takes the --model-a/--model-b flags)")
	fl.StringVar(&template, "judge-template", "", "the judge's system prompt, whose {{field}} placeholders use fields")
	fl.StringVar(&templateFile, "judge-template-file", "", "read the judge's system prompt from this file instead")
	for _, s := range slots {
		s.register(fl)
	}
	listVar(fl, &allowUnused, "allow-unused", "fields that need no template or column, comma-separated (such as __judge for the in-memory API)")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"classify", "score", "compare"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// stdinName names standard input in the problems of evals check -.
const stdinName = "stdin"

// checkSlot holds the flags of check that describe one model slot: its column or its templates.
type checkSlot struct {
	prefix                                string
	column, systemTemplate, inputTemplate string
}

func (s *checkSlot) register(fl *pflag.FlagSet) {
	fl.StringVar(&s.column, s.prefix+"-column", "", "the input column --"+s.prefix+" reads its outputs from")
	fl.StringVar(&s.systemTemplate, s.prefix+"-system-template", "", "the system prompt of a generating --"+s.prefix)
	fl.StringVar(&s.inputTemplate, s.prefix+"-input-template", "", "the user prompt of a generating --"+s.prefix)
}

func (s *checkSlot) used(fl *pflag.FlagSet) []string {
	var names []string
	for _, n := range []string{"-column", "-system-template", "-input-template"} {
		if fl.Changed(s.prefix + n) {
			names = append(names, "--"+s.prefix+n)
		}
	}
	return names
}

// target is the slot as a request target, or nil when no flag of it was given.
func (s *checkSlot) target(fl *pflag.FlagSet, p *problemList) wrappers.Target {
	used := s.used(fl)
	switch {
	case len(used) == 0:
		return nil
	case fl.Changed(s.prefix + "-column"):
		if len(used) > 1 {
			p.add(used[1], "cannot be used with --%s-column: a slot is a column or a generating model", s.prefix)
		}
		return wrappers.Column(s.column)
	default:
		return &wrappers.Model{Name: s.prefix, SystemTemplate: s.systemTemplate, InputTemplate: s.inputTemplate}
	}
}

// checkOptions builds the options of the pre-flight from the flags: structure only when no template
// or column is given, the whole check otherwise. It reports whether the check is the whole one.
func (a *app) checkOptions(fl *pflag.FlagSet, typ, template, templateFile string, slots []*checkSlot, p *problemList) (wrappers.InputCheckOptions, bool) {
	var slotFlags []string
	for _, s := range slots {
		slotFlags = append(slotFlags, s.used(fl)...)
	}
	compareFlags := append(slots[1].used(fl), slots[2].used(fl)...)
	switch typ {
	case "":
		typ = "classify"
		if len(compareFlags) > 0 {
			typ = "compare"
		}
	case "classify", "score", "compare":
	default:
		p.add("--type", "must be classify, score or compare, got %q", typ)
		return wrappers.InputCheckOptions{}, false
	}
	templateFlag := "--judge-template" // the flag an empty template is said of; "" once said
	if fl.Changed("judge-template-file") {
		templateFlag = ""
		switch b, err := readTemplateFile(templateFile); {
		case fl.Changed("judge-template"):
			p.add("--judge-template-file", "cannot be used with --judge-template")
		case err != nil:
			p.add("--judge-template-file", "%s", fileErrText(err))
		case strings.TrimSpace(b) == "":
			p.add("--judge-template-file", "%s: %s", clean(templateFile), emptyTemplateFile)
		default:
			template = b
		}
	}
	hasTemplate := fl.Changed("judge-template") || fl.Changed("judge-template-file")
	if !hasTemplate {
		if fl.Changed("type") || len(slotFlags) > 0 {
			p.add("--judge-template", "is required for the whole pre-flight (every field must be used by a template or a model column); without --type and model flags only the structure is checked")
		}
		return wrappers.InputCheckOptions{}, false
	}
	if templateFlag != "" && strings.TrimSpace(template) == "" {
		p.add(templateFlag, "is empty")
	}
	judge := wrappers.Judge{SystemTemplate: template}
	var req wrappers.CreateRequest
	if typ == "compare" {
		if used := slots[0].used(fl); len(used) > 0 {
			p.add(used[0], "does not apply to compare jobs: use --model-a-* and --model-b-*")
		}
		req = &wrappers.CompareRequest{Judge: judge, ModelA: slots[1].target(fl, p), ModelB: slots[2].target(fl, p)}
	} else {
		if len(compareFlags) > 0 {
			p.add(compareFlags[0], "only applies to compare jobs (--type compare)")
		}
		req = &wrappers.ClassifyRequest{Judge: judge, ModelToEvaluate: slots[0].target(fl, p)}
	}
	if len(*p) > 0 {
		return wrappers.InputCheckOptions{}, true
	}
	opts, err := wrappers.InputCheckOptionsFor(req)
	if err != nil {
		p.add("--type", "%s", errText(err))
	}
	return opts, true
}

// writeCheckReport prints the report of a file that passed the check.
func writeCheckReport(w io.Writer, r *wrappers.InputReport, full bool, st style) error {
	what := "structure checked (UTF-8, one JSON object per line, the same fields on every row)"
	if full {
		what = "whole pre-flight passed: every field is used and every placeholder names a field"
	}
	k := newKV(w, "", "Checked")
	k.line("File", clean(r.File)+"  "+st.green("OK"))
	k.line("Rows", fmt.Sprintf("%d (%s)", r.Rows, formatBytes(r.Bytes)))
	fields := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		fields[i] = clean(f)
	}
	k.line("Fields", strings.Join(fields, ", "))
	k.line("Checked", what)
	return k.err
}

// checkJSON is the -o json report of evals check.
func checkJSON(r *wrappers.InputReport, full bool, inputErr *wrappers.InputError) map[string]any {
	problems := []map[string]any{}
	total := 0
	if inputErr != nil {
		total = inputErr.Total
		for _, p := range inputErr.Problems {
			problems = append(problems, map[string]any{"line": p.Line, "field": p.Field, "message": p.Message})
		}
	}
	fields := r.Fields
	if fields == nil {
		fields = []string{}
	}
	return map[string]any{
		"file": r.File, "ok": inputErr == nil, "whole_preflight": full, "rows": r.Rows, "lines": r.Lines,
		"bytes": r.Bytes, "fields": fields, "problems": problems, "total_problems": total,
	}
}
