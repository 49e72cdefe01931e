package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/client"
	"github.com/kfpgo/kfpgo/sdk/schedule"
)

func init() { addCommand(newRecurringRunCmd) }

func newRecurringRunCmd() *cobra.Command {
	f := &clientFlags{}
	return groupCommand("recurring-run", "Schedule runs on a KFP server (cron or interval) and keep the schedule in sync", f,
		recurringCreateCmd(f, false), recurringCreateCmd(f, true), recurringGetCmd(f), recurringListCmd(f),
		recurringToggleCmd(f, true), recurringToggleCmd(f, false), recurringDeleteCmd(f))
}

func recurringTable(rs ...client.RecurringRun) table {
	t := table{header: []string{"RECURRING RUN ID", "NAME", "SCHEDULE", "STATUS", "MAX CONCURRENCY", "EXPERIMENT ID", "CREATED AT"}}
	for _, r := range rs {
		sched := "-"
		if r.Trigger != nil && r.Trigger.CronSchedule != nil {
			sched = "cron " + r.Trigger.CronSchedule.Cron
		} else if r.Trigger != nil && r.Trigger.PeriodicSchedule != nil {
			sched = "every " + (time.Duration(r.Trigger.PeriodicSchedule.IntervalSecond) * time.Second).String()
		}
		t.rows = append(t.rows, []string{r.RecurringRunID, r.DisplayName, sched, orDash(r.Status), fmt.Sprint(int64(r.MaxConcurrency)), orDash(r.ExperimentID), ts(r.CreatedAt)})
	}
	return t
}

// scheduleFlags fill a schedule.Schedule.
type scheduleFlags struct {
	cron, start, end, tz string
	interval, window     time.Duration
	maxConcurrency       int
	catchUp              bool
}

func (s *scheduleFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&s.cron, "cron", "", `cron with 6 fields, seconds first, as KFP reads it: "0 0 2 * * *" is 02:00 daily; or @daily, @hourly…`)
	fl.DurationVar(&s.interval, "interval", 0, "run every interval instead of a cron, e.g. 6h (whole seconds)")
	fl.StringVar(&s.start, "start", "", "first time a run may start, RFC 3339 (e.g. 2026-03-01T00:00:00Z)")
	fl.StringVar(&s.end, "end", "", "time after which no run starts, RFC 3339")
	fl.StringVar(&s.tz, "timezone", "", "time zone of the cron; KFP reads cron in its controller's zone (UTC), so only UTC is accepted")
	fl.IntVar(&s.maxConcurrency, "max-concurrency", 1, "maximum runs of this schedule at once, 1-10")
	fl.BoolVar(&s.catchUp, "catchup", false, "run the schedules missed while paused or down (default: only the latest)")
}

func (s *scheduleFlags) schedule() (schedule.Schedule, error) {
	out := schedule.Schedule{Cron: s.cron, Interval: s.interval, Timezone: s.tz, MaxConcurrency: s.maxConcurrency, CatchUp: s.catchUp}
	if s.maxConcurrency == 0 {
		// 0 is "unset" in the library; on the command line it is a mistake.
		return out, &schedule.Error{Field: "max_concurrency", Value: "0", Msg: "must be between 1 and 10 (KFP's bound)", Fix: "use a value from 1 to 10"}
	}
	for _, p := range []struct {
		flag, v string
		dst     *time.Time
	}{{"--start", s.start, &out.Start}, {"--end", s.end, &out.End}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, p.v)
		if err != nil {
			return out, fmt.Errorf("%s %q is not an RFC 3339 time such as 2026-03-01T00:00:00Z", p.flag, p.v)
		}
		*p.dst = t
	}
	return out, out.Validate()
}

func recurringCreateCmd(f *clientFlags, apply bool) *cobra.Command {
	var src sourceFlags
	var exp experimentFlags
	var sf scheduleFlags
	var name, desc, root, sa string
	var params []string
	var disabled bool
	c := &cobra.Command{
		Use:   "create --name NAME --experiment NAME (--cron EXPR | --interval DURATION) (--pipeline NAME [--version NAME] | --package FILE)",
		Short: "Create a recurring run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sched, err := sf.schedule()
			if err != nil {
				return err
			}
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
			expID, err := exp.resolve(ctx, api, apply)
			if err != nil {
				return err
			}
			spec := client.RecurringRunSpec{DisplayName: name, Description: desc, ExperimentID: expID, Source: source, Parameters: values,
				PipelineRoot: root, ServiceAccount: sa, Schedule: sched, Disabled: disabled}
			if apply {
				res, err := client.ApplyRecurringRun(ctx, api, spec)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "recurring run %q %s", name, res.Action)
				if len(res.Deleted) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), " (deleted %s with ORPHAN: their runs keep going)", strings.Join(res.Deleted, ", "))
				}
				fmt.Fprintln(cmd.ErrOrStderr())
				return f.print(cmd.OutOrStdout(), res, recurringTable(*res.RecurringRun))
			}
			rr, err := client.BuildRecurringRun(ctx, api, spec)
			if err != nil {
				return err
			}
			created, err := api.CreateRecurringRun(ctx, rr)
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), created, recurringTable(*created))
		},
	}
	if apply {
		c.Use = "apply --name NAME --experiment NAME (--cron EXPR | --interval DURATION) (--pipeline NAME [--version NAME] | --package FILE)"
		c.Short = "Create or update a recurring run by name, idempotently"
		c.Long = `Make the recurring run named --name in the experiment match the flags.

KFP has no update call, so: when none exists it is created; when one exists
with the same pipeline version, parameters and schedule nothing changes; when
it differs, the new one is created first and the old one is then deleted with
propagation policy ORPHAN, so runs it started keep running.`
		c.Example = `  kfpgo recurring-run apply --name cartrain-nightly --experiment retraining \
      --pipeline cartrain --version "$(git rev-parse --short HEAD)" \
      --cron "0 0 2 * * *" --param epochs=20`
	}
	src.register(c.Flags())
	exp.register(c.Flags())
	sf.register(c)
	fl := c.Flags()
	fl.StringVar(&name, "name", "", "recurring run name (required)")
	fl.StringVar(&desc, "description", "", "description")
	fl.StringArrayVar(&params, "param", nil, "pipeline parameter as name=value, typed per the pipeline's inputs (repeatable)")
	fl.StringVar(&root, "pipeline-root", "", "pipeline root (object store URI) for the runs' artifacts")
	fl.StringVar(&sa, "service-account", "", "Kubernetes service account of the runs' pods")
	fl.BoolVar(&disabled, "disabled", false, "create it paused")
	return c
}

func recurringGetCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get RECURRING_RUN_ID",
		Short: "Show a recurring run",
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			r, err := api.GetRecurringRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), r, recurringTable(*r))
		}),
	}
}

func recurringListCmd(f *clientFlags) *cobra.Command {
	var exp experimentFlags
	c := &cobra.Command{
		Use:   "list",
		Short: "List recurring runs",
		Args:  cobra.NoArgs,
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			expID, err := exp.lookup(cmd.Context(), api)
			if err != nil {
				return err
			}
			rs, err := client.ListAllRecurringRuns(cmd.Context(), api, client.ListOptions{ExperimentID: expID})
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), rs, recurringTable(rs...))
		}),
	}
	exp.register(c.Flags())
	return c
}

func recurringToggleCmd(f *clientFlags, enable bool) *cobra.Command {
	verb, short := "disable", "Pause a recurring run"
	if enable {
		verb, short = "enable", "Resume a recurring run"
	}
	return &cobra.Command{
		Use:   verb + " RECURRING_RUN_ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			var err error
			if enable {
				err = api.EnableRecurringRun(cmd.Context(), args[0])
			} else {
				err = api.DisableRecurringRun(cmd.Context(), args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recurring run %s %sd\n", args[0], verb)
			return nil
		}),
	}
}

func recurringDeleteCmd(f *clientFlags) *cobra.Command {
	var policy string
	c := &cobra.Command{
		Use:   "delete RECURRING_RUN_ID",
		Short: "Delete a recurring run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := client.DeletePropagationPolicy(strings.ToUpper(policy))
			switch p {
			case "", client.PropagationForeground, client.PropagationBackground, client.PropagationOrphan:
			default:
				return fmt.Errorf("--propagation-policy %q: use FOREGROUND, BACKGROUND or ORPHAN", policy)
			}
			api, err := f.client()
			if err != nil {
				return err
			}
			if err := api.DeleteRecurringRun(cmd.Context(), args[0], p); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recurring run %s deleted\n", args[0])
			return nil
		},
	}
	c.Flags().StringVar(&policy, "propagation-policy", "", "what happens to its runs: ORPHAN keeps them running; FOREGROUND or BACKGROUND delete them (default: the server's)")
	return c
}
