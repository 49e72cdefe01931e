package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/kfpgo/kfpgo/sdk/schedule"
)

// RecurringRunSpec describes a recurring run to create or apply.
type RecurringRunSpec struct {
	// DisplayName is required; ApplyRecurringRun finds existing recurring
	// runs by it within ExperimentID.
	DisplayName string
	// Description is optional.
	Description string
	// ExperimentID is required by ApplyRecurringRun (the scope of the name).
	ExperimentID string
	// Source is the pipeline. Required.
	Source Source
	// Parameters are typed against the pipeline's root inputs.
	Parameters map[string]any
	// PipelineRoot overrides the pipeline root. Optional.
	PipelineRoot string
	// ServiceAccount is the Kubernetes service account of the runs. Optional.
	ServiceAccount string
	// Schedule is when runs start. Its Cron must have 6 fields, seconds first.
	Schedule schedule.Schedule
	// Disabled creates the recurring run paused (mode DISABLE).
	Disabled bool
}

// BuildRecurringRun checks spec — schedule (a *schedule.Error for a 5-field
// cron, max concurrency outside 1–10…) and parameters (*ParameterError) —
// and returns the RecurringRun to send.
func BuildRecurringRun(ctx context.Context, api API, spec RecurringRunSpec) (*RecurringRun, error) {
	if spec.DisplayName == "" {
		return nil, errors.New("the recurring run has no name: pass --name")
	}
	tr, maxc, noCatchup, err := trigger(spec.Schedule)
	if err != nil {
		return nil, err
	}
	inputs, err := spec.Source.inputs(ctx, api)
	if err != nil {
		return nil, err
	}
	params, err := TypeParameters(inputs, spec.Parameters)
	if err != nil {
		return nil, err
	}
	rr := &RecurringRun{
		DisplayName: spec.DisplayName, Description: spec.Description, ExperimentID: spec.ExperimentID,
		ServiceAccount: spec.ServiceAccount, MaxConcurrency: maxc, Trigger: tr, NoCatchup: noCatchup, Mode: ModeEnable,
	}
	if spec.Disabled {
		rr.Mode = ModeDisable
	}
	spec.Source.set(&rr.PipelineSpec, &rr.PipelineVersionReference)
	if len(params) > 0 || spec.PipelineRoot != "" {
		rr.RuntimeConfig = &RuntimeConfig{Parameters: params, PipelineRoot: spec.PipelineRoot}
	}
	return rr, nil
}

// Apply actions.
const (
	ApplyCreated   = "created"
	ApplyUnchanged = "unchanged"
	ApplyReplaced  = "replaced"
)

// ApplyResult says what ApplyRecurringRun did.
type ApplyResult struct {
	// Action is "created", "unchanged" or "replaced".
	Action string `json:"action"`
	// RecurringRun is the recurring run now in place.
	RecurringRun *RecurringRun `json:"recurring_run"`
	// Deleted lists the IDs of the recurring runs deleted with ORPHAN.
	Deleted []string `json:"deleted,omitempty"`
}

// ApplyRecurringRun makes the recurring run named spec.DisplayName in
// spec.ExperimentID match spec. KFP has no update call, so:
//
//   - none exists: create it ("created");
//   - one exists with the same spec: do nothing ("unchanged");
//   - otherwise: create the new one first, then delete the old ones with
//     propagation policy ORPHAN, so their running runs finish ("replaced").
//
// Same-named leftovers of an interrupted apply are deleted the same way.
// The comparison covers the pipeline source, parameters, pipeline root,
// trigger, max concurrency, catch-up, mode, description and service account
// (service account and pipeline root only when spec sets them, since the
// server may fill in defaults).
func ApplyRecurringRun(ctx context.Context, api API, spec RecurringRunSpec) (*ApplyResult, error) {
	if spec.ExperimentID == "" {
		return nil, errors.New("applying a recurring run needs its experiment (pass --experiment): the name is looked up there")
	}
	want, err := BuildRecurringRun(ctx, api, spec)
	if err != nil {
		return nil, err
	}
	existing, err := ListAllRecurringRuns(ctx, api, ListOptions{ExperimentID: spec.ExperimentID, Filter: EqualsFilter("display_name", spec.DisplayName)})
	if err != nil {
		return nil, fmt.Errorf("looking up recurring run %q: %w", spec.DisplayName, err)
	}
	var same *RecurringRun
	var stale []RecurringRun
	for i := range existing {
		e := existing[i]
		if e.DisplayName != spec.DisplayName {
			continue
		}
		if same == nil && SameRecurringRun(want, &e) {
			same = &existing[i]
			continue
		}
		stale = append(stale, e)
	}
	res := &ApplyResult{Action: ApplyUnchanged, RecurringRun: same}
	if same == nil {
		created, err := api.CreateRecurringRun(ctx, want)
		if err != nil {
			return nil, fmt.Errorf("creating recurring run %q: %w", spec.DisplayName, err)
		}
		res.RecurringRun = created
		res.Action = ApplyCreated
		if len(stale) > 0 {
			res.Action = ApplyReplaced
		}
	}
	for _, old := range stale {
		if err := api.DeleteRecurringRun(ctx, old.RecurringRunID, PropagationOrphan); err != nil {
			return res, fmt.Errorf("recurring run %q: the new one (%s) is in place but deleting the old one %s failed: %w; delete it with `kfpgo recurring-run delete %s --propagation-policy ORPHAN`",
				spec.DisplayName, res.RecurringRun.RecurringRunID, old.RecurringRunID, err, old.RecurringRunID)
		}
		res.Deleted = append(res.Deleted, old.RecurringRunID)
	}
	return res, nil
}

// SameRecurringRun reports whether the existing recurring run has was
// created from the request want (see ApplyRecurringRun for the fields).
func SameRecurringRun(want, has *RecurringRun) bool {
	if want.Description != has.Description || want.NoCatchup != has.NoCatchup || want.MaxConcurrency != has.MaxConcurrency {
		return false
	}
	if mode(want.Mode) != mode(has.Mode) {
		return false
	}
	if want.ServiceAccount != "" && want.ServiceAccount != has.ServiceAccount {
		return false
	}
	if !jsonEqual(want.PipelineVersionReference, has.PipelineVersionReference) || !jsonEqual(want.PipelineSpec, has.PipelineSpec) {
		return false
	}
	var wp, hp map[string]any
	var wroot, hroot string
	if want.RuntimeConfig != nil {
		wp, wroot = want.RuntimeConfig.Parameters, want.RuntimeConfig.PipelineRoot
	}
	if has.RuntimeConfig != nil {
		hp, hroot = has.RuntimeConfig.Parameters, has.RuntimeConfig.PipelineRoot
	}
	if !jsonEqual(wp, hp) || (wroot != "" && wroot != hroot) {
		return false
	}
	return sameTrigger(want.Trigger, has.Trigger)
}

// mode normalizes a mode: the server reads MODE_UNSPECIFIED as disabled
// (toModelJobEnabled in backend/src/apiserver/server/api_converter.go).
func mode(m string) string {
	if m == "" || m == "MODE_UNSPECIFIED" {
		return ModeDisable
	}
	return m
}

func sameTrigger(a, b *Trigger) bool {
	if a == nil || b == nil {
		return a == b
	}
	if (a.CronSchedule == nil) != (b.CronSchedule == nil) || (a.PeriodicSchedule == nil) != (b.PeriodicSchedule == nil) {
		return false
	}
	if a.CronSchedule != nil {
		return a.CronSchedule.Cron == b.CronSchedule.Cron && sameTime(a.CronSchedule.StartTime, b.CronSchedule.StartTime) && sameTime(a.CronSchedule.EndTime, b.CronSchedule.EndTime)
	}
	if a.PeriodicSchedule != nil {
		return a.PeriodicSchedule.IntervalSecond == b.PeriodicSchedule.IntervalSecond && sameTime(a.PeriodicSchedule.StartTime, b.PeriodicSchedule.StartTime) && sameTime(a.PeriodicSchedule.EndTime, b.PeriodicSchedule.EndTime)
	}
	return true
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Unix() == b.Unix() // the server stores whole seconds
}

// jsonEqual compares two values after a JSON round trip, so int64(3) and
// the float64 3 read back from the server are equal and nil equals empty.
func jsonEqual(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	switch x := out.(type) {
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
	case []any:
		if len(x) == 0 {
			return nil
		}
	}
	return out
}
