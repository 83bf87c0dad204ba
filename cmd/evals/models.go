package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// modelSources are the values --source (and the --*-source flags of create) accept.
var modelSources = []string{
	string(wrappers.ModelSourceServerless), string(wrappers.ModelSourceDedicated), string(wrappers.ModelSourceExternal),
}

// modelsCmd is `evals models`: GET /evaluation/model-list.
func (a *app) modelsCmd() *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the models evaluations can use",
		Long:  `List the models evaluations can use as judges or as models to evaluate, one per line.`,
		Example: `  evals models
  evals models --source serverless`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch wrappers.ModelSource(source) {
			case "", wrappers.ModelSourceAll, wrappers.ModelSourceServerless, wrappers.ModelSourceDedicated, wrappers.ModelSourceExternal:
			default:
				return usagef("--source: must be one of all, serverless, dedicated, external, got %q", source)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			models, err := c.Models(cmd.Context(), wrappers.ModelSource(source))
			if err != nil {
				return opErr("models", "", err)
			}
			if a.output == outputJSON {
				return writeJSON(a.stdout, map[string][]string{"model_list": models})
			}
			for _, m := range models {
				if _, err := fmt.Fprintln(a.stdout, clean(m)); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only models from this source: all, serverless, dedicated, external")
	_ = cmd.RegisterFlagCompletionFunc("source", cobra.FixedCompletions(append([]string{"all"}, modelSources...), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
