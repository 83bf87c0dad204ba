package main

import (
	"github.com/spf13/cobra"
)

// statusCmd is `evals status ID`: GET /evaluation/{id}/status, the light call.
func (a *app) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status ID",
		Short: "Show a job's status and, once it has ended, its results",
		Long: `Show a job's status and, once it has ended, its results, from the light
/status endpoint (no type, parameters or history: see 'evals get' for those).`,
		Example:           `  evals status eval-1234aedf`,
		Args:              exactArgs("ID"),
		ValidArgsFunction: a.completeJobIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			st, err := c.Status(cmd.Context(), args[0])
			if err != nil {
				return opErr("status", args[0], err)
			}
			a.warnRepaired(st.ID, st.Warnings())
			if a.output == outputJSON {
				counts, cerr := st.LabelCounts()
				v, err := objectJSON(st.Raw, counts, cerr)
				if err != nil {
					return err
				}
				return writeJSON(a.stdout, v)
			}
			return writeStatus(a.stdout, st, a.outStyle())
		},
	}
}
