package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/client"
)

func init() {
	addRunSubcommand(runCreateCmd)
	addRunSubcommand(runGetCmd)
	addRunSubcommand(runListCmd)
	addRunSubcommand(runWaitCmd)
	addRunSubcommand(runTerminateCmd)
	addRunSubcommand(runRetryCmd)
}

func runTable(rs ...client.Run) table {
	t := table{header: []string{"RUN ID", "NAME", "STATE", "EXPERIMENT ID", "CREATED AT", "FINISHED AT"}}
	for _, r := range rs {
		t.rows = append(t.rows, []string{r.RunID, r.DisplayName, orDash(string(r.State)), orDash(r.ExperimentID), ts(r.CreatedAt), ts(r.FinishedAt)})
	}
	return t
}

// waitFlags bound `run wait` and `run create --wait`.
type waitFlags struct {
	timeout, poll time.Duration
}

func (w *waitFlags) register(c *cobra.Command) {
	c.Flags().DurationVar(&w.timeout, "timeout", 0, "give up waiting after this long (default: no limit)")
	c.Flags().DurationVar(&w.poll, "poll-interval", 5*time.Second, "time between state reads")
}

// wait polls the run until it ends; FAILED and CANCELED are errors.
func (w *waitFlags) wait(cmd *cobra.Command, f *clientFlags, api client.API, runID string) error {
	ctx := cmd.Context()
	if w.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.timeout)
		defer cancel()
	}
	r, err := client.WaitRun(ctx, api, runID, client.WaitOptions{PollInterval: w.poll, OnChange: func(r *client.Run) {
		fmt.Fprintf(cmd.ErrOrStderr(), "run %s: %s\n", r.RunID, r.State)
	}})
	var failed *client.RunFailedError
	if err != nil && !errors.As(err, &failed) {
		return err
	}
	if perr := f.print(cmd.OutOrStdout(), r, runTable(*r)); perr != nil {
		return perr
	}
	return err
}

func runCreateCmd() *cobra.Command {
	f := &clientFlags{}
	var src sourceFlags
	var exp experimentFlags
	var w waitFlags
	var name, desc, root, sa string
	var params []string
	var wait bool
	c := &cobra.Command{
		Use:   "create --name NAME (--pipeline NAME [--version NAME] | --package FILE) [--param name=value]...",
		Short: "Start a run on a KFP server",
		Example: `  kfpgo run create --name "train $(git rev-parse --short HEAD)" --experiment retraining \
      --pipeline cartrain --version "$(git rev-parse --short HEAD)" --param epochs=20 --wait --timeout 2h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			api, err := f.client()
			if err != nil {
				return err
			}
			source, err := src.resolve(ctx, api)
			if err != nil {
				return err
			}
			values, err := parseParams(ctx, api, source, params)
			if err != nil {
				return err
			}
			expID, err := exp.resolve(ctx, api, false)
			if err != nil {
				return err
			}
			run, err := client.BuildRun(ctx, api, client.RunSpec{DisplayName: name, Description: desc, ExperimentID: expID, Source: source, Parameters: values, PipelineRoot: root, ServiceAccount: sa})
			if err != nil {
				return err
			}
			created, err := api.CreateRun(ctx, run)
			if err != nil {
				return err
			}
			if wait {
				return w.wait(cmd, f, api, created.RunID)
			}
			return f.print(cmd.OutOrStdout(), created, runTable(*created))
		},
	}
	f.register(c.Flags())
	src.register(c.Flags())
	exp.register(c.Flags())
	w.register(c)
	fl := c.Flags()
	fl.StringVar(&name, "name", "", "run name (required)")
	fl.StringVar(&desc, "description", "", "run description")
	fl.StringArrayVar(&params, "param", nil, "pipeline parameter as name=value, typed per the pipeline's inputs (repeatable)")
	fl.StringVar(&root, "pipeline-root", "", "pipeline root (object store URI) for this run's artifacts")
	fl.StringVar(&sa, "service-account", "", "Kubernetes service account of the run's pods")
	fl.BoolVar(&wait, "wait", false, "wait until the run ends; exit non-zero unless it succeeded")
	return c
}

func runGetCmd() *cobra.Command {
	f := &clientFlags{}
	c := &cobra.Command{
		Use:   "get RUN_ID",
		Short: "Show a run on a KFP server",
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			r, err := api.GetRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), r, runTable(*r))
		}),
	}
	f.register(c.Flags())
	return c
}

func runListCmd() *cobra.Command {
	f := &clientFlags{}
	var exp experimentFlags
	c := &cobra.Command{
		Use:   "list",
		Short: "List runs on a KFP server",
		Args:  cobra.NoArgs,
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			expID, err := exp.lookup(cmd.Context(), api)
			if err != nil {
				return err
			}
			rs, err := client.ListAllRuns(cmd.Context(), api, client.ListOptions{ExperimentID: expID})
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), rs, runTable(rs...))
		}),
	}
	f.register(c.Flags())
	exp.register(c.Flags())
	return c
}

func runWaitCmd() *cobra.Command {
	f := &clientFlags{}
	var w waitFlags
	c := &cobra.Command{
		Use:   "wait RUN_ID",
		Short: "Wait until a run ends; exit non-zero unless it succeeded",
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			return w.wait(cmd, f, api, args[0])
		}),
	}
	f.register(c.Flags())
	w.register(c)
	return c
}

func runTerminateCmd() *cobra.Command { return runActionCmd("terminate", "Cancel a run", "terminated") }
func runRetryCmd() *cobra.Command {
	return runActionCmd("retry", "Retry the failed tasks of a failed or canceled run", "retried")
}

func runActionCmd(verb, short, done string) *cobra.Command {
	f := &clientFlags{}
	c := &cobra.Command{
		Use:   verb + " RUN_ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			var err error
			if verb == "terminate" {
				err = api.TerminateRun(cmd.Context(), args[0])
			} else {
				err = api.RetryRun(cmd.Context(), args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "run %s %s\n", args[0], done)
			return nil
		}),
	}
	f.register(c.Flags())
	return c
}
