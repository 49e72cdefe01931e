package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/client"
)

func init() { addCommand(newExperimentCmd) }

func newExperimentCmd() *cobra.Command {
	f := &clientFlags{}
	return groupCommand("experiment", "Create, list and archive experiments on a KFP server", f,
		experimentCreateCmd(f), experimentListCmd(f), experimentArchiveCmd(f))
}

func experimentTable(es ...client.Experiment) table {
	t := table{header: []string{"EXPERIMENT ID", "NAME", "STATE", "CREATED AT"}}
	for _, e := range es {
		t.rows = append(t.rows, []string{e.ExperimentID, e.DisplayName, orDash(e.StorageState), ts(e.CreatedAt)})
	}
	return t
}

func experimentCreateCmd(f *clientFlags) *cobra.Command {
	var desc string
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an experiment",
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			e, err := api.CreateExperiment(cmd.Context(), &client.Experiment{DisplayName: args[0], Description: desc})
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), e, experimentTable(*e))
		}),
	}
	c.Flags().StringVar(&desc, "description", "", "experiment description")
	return c
}

func experimentListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List experiments",
		Args:  cobra.NoArgs,
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			es, err := client.ListAllExperiments(cmd.Context(), api, client.ListOptions{})
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), es, experimentTable(es...))
		}),
	}
}

func experimentArchiveCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "archive EXPERIMENT_ID",
		Short: "Archive an experiment",
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			if err := api.ArchiveExperiment(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "experiment %s archived\n", args[0])
			return nil
		}),
	}
}
