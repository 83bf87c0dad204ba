package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// statusCmd is `evals status ID`: GET /evaluation/{id}/status, the light call.
func (a *app) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status ID",
		Short: "Show a job's status and, once it has ended, its results",
		Long: `Show a job's status and, once it has ended, its results, from the light
/status endpoint (no type, parameters or history: see 'evals get' for those).
Label counts are shown as 'evals get' shows them, in the job's order with its pass
labels marked: for those, a classify job's labels are read with one more request.`,
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
			labels, passLabels := a.statusLabels(cmd.Context(), c, st)
			return writeStatus(a.stdout, st, labels, passLabels, a.outStyle())
		},
	}
}

// statusLabels returns the labels and pass labels of a classify job whose /status answer has label
// counts, read from the job itself (GET /evaluation/{id}), so that status shows the counts as get
// does. Anything else needs no labels; a failure to read them is a warning, and the counts are
// shown without them.
func (a *app) statusLabels(ctx context.Context, c *wrappers.Client, st *wrappers.JobStatus) (labels, passLabels []string) {
	if !st.HasResults() {
		return nil, nil
	}
	res, err := st.Results()
	if cr, ok := res.(*wrappers.ClassifyResults); err != nil || !ok || cr.LabelCounts == nil {
		return nil, nil
	}
	job, err := c.Retrieve(ctx, st.ID)
	if err != nil {
		a.warn("job %s: the labels could not be read (%s); the counts follow without their order and pass marks", clean(st.ID), errText(err))
		return nil, nil
	}
	return job.Labels(), job.PassLabels()
}
