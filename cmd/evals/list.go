package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// allStatuses are the statuses --status accepts.
var allStatuses = []string{
	string(wrappers.StatusPending), string(wrappers.StatusQueued), string(wrappers.StatusRunning),
	string(wrappers.StatusCompleted), string(wrappers.StatusError), string(wrappers.StatusUserError),
}

// listCmd is `evals list`: GET /evaluation.
func (a *app) listCmd() *cobra.Command {
	var status string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List jobs, newest first",
		Long: `List evaluation jobs, newest first: id, type, status, judge model, what is
evaluated (a column or a model), when it was created and its pass percentage.`,
		Example: `  evals list
  evals list --status running --limit 50
  evals list -o json | jq -r '.[].workflow_id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if status != "" && !wrappers.Status(status).Known() {
				return usagef("--status: must be one of %s, got %q", strings.Join(allStatuses, ", "), status)
			}
			if cmd.Flags().Changed("limit") && limit < 1 {
				return usagef("--limit: must be at least 1, got %d", limit)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			jobs, err := c.List(cmd.Context(), wrappers.ListOptions{Status: wrappers.Status(status), Limit: limit})
			if err != nil {
				return opErr("list", "", err)
			}
			for _, j := range jobs {
				a.warnRepaired(j.ID, j.Warnings())
			}
			if a.output == outputJSON {
				out := make([]any, 0, len(jobs))
				for _, j := range jobs {
					v, err := jobJSON(j)
					if err != nil {
						return err
					}
					out = append(out, v)
				}
				return writeJSON(a.stdout, out)
			}
			if len(jobs) == 0 {
				a.msgf("%s\n", "No jobs.")
				return nil
			}
			return writeJobsTable(a.stdout, jobs)
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only jobs in this status: pending, queued, running, completed, error, user_error")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many jobs (the API's default is 10)")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(allStatuses, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
