package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// getCmd is `evals get ID`: the documented call, GET /evaluation/{id}.
func (a *app) getCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show a job: status, history, parameters and results",
		Long: `Show an evaluation job: its id, type, status, times, status history, parameters
and, once it has ended, its results. A classify job's label counts are drawn as a
bar chart (pass labels marked), a score job shows its mean, spread and pass
percentage, a compare job its A wins, B wins and ties.

With -o json it prints the job as the API sent it, with results.label_counts
also decoded under results.label_counts_decoded.`,
		Example: `  evals get eval-1234aedf
  evals get eval-1234aedf -o json | jq .results.label_counts_decoded`,
		Args:              exactArgs("ID"),
		ValidArgsFunction: a.completeJobIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			job, err := c.Retrieve(cmd.Context(), args[0])
			if err != nil {
				return opErr("get", args[0], err)
			}
			return a.printJob(job)
		},
	}
}

// printJob prints a job to stdout as the output format asks.
func (a *app) printJob(job *wrappers.Job) error {
	a.warnRepaired(job.ID, job.Warnings())
	if a.output == outputJSON {
		v, err := jobJSON(job)
		if err != nil {
			return err
		}
		if _, err := job.LabelCounts(); err != nil && job.HasResults() && !job.Status.Failed() {
			if _, present := job.RawLabelCounts(); present {
				a.warn("%s", errText(err))
			}
		}
		return writeJSON(a.stdout, v)
	}
	return writeJob(a.stdout, job, a.outStyle())
}

// warnRepaired prints, on stderr, what the client had to repair in an answer that breaks the spec.
func (a *app) warnRepaired(id string, warnings []string) {
	for _, w := range warnings {
		a.warn("job %s: the answer breaks the API's spec: %s", clean(id), clean(w))
	}
}

// warn prints a warning on stderr.
func (a *app) warn(format string, args ...any) {
	a.msgf("%s %s\n", a.errStyle().yellow("evals: warning:"), fmt.Sprintf(format, args...))
}

// exactArgs accepts exactly one positional argument per name; anything else is a usage error
// naming what was expected.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(args) < len(names) {
			return usagef("missing argument %s", names[len(args)])
		}
		return usagef("takes %d argument(s) (%s), got %d", len(names), strings.Join(names, " "), len(args))
	}
}

// atMostArgs accepts up to one positional argument per name (the others given by flags); more
// is a usage error naming what is expected, as exactArgs says it.
func atMostArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) <= len(names) {
			return nil
		}
		return usagef("takes at most %d argument(s) (%s), got %d", len(names), strings.Join(names, " "), len(args))
	}
}

// completeJobIDs completes a job id from the newest jobs, when a key is set.
func (a *app) completeJobIDs(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := a.client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	jobs, err := c.List(cmd.Context(), wrappers.ListOptions{Limit: 50})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := make([]cobra.Completion, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, cobra.CompletionWithDesc(j.ID, string(j.Type)+" "+string(j.Status)))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
