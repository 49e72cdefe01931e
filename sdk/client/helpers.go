package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kfpgo/kfpgo/sdk/schedule"
)

// Source is the pipeline a run executes: an uploaded version (PipelineID and
// PipelineVersionID) or an inline compiled Package. Exactly one is set.
type Source struct {
	PipelineID        string
	PipelineVersionID string
	Package           *Package
}

// inputs returns the root inputs of the source's pipeline, reading the
// version from the server for a reference.
func (s Source) inputs(ctx context.Context, api API) (map[string]InputParameter, error) {
	switch {
	case s.Package != nil && s.PipelineVersionID != "":
		return nil, errors.New("both a pipeline version and a pipeline file are given: pass one")
	case s.Package != nil:
		return RootInputs(s.Package.PipelineSpec)
	case s.PipelineID == "" || s.PipelineVersionID == "":
		return nil, errors.New("no pipeline: pass a pipeline and version (e.g. --pipeline NAME --version NAME) or a compiled file (--package FILE)")
	}
	v, err := api.GetPipelineVersion(ctx, s.PipelineID, s.PipelineVersionID)
	if err != nil {
		return nil, fmt.Errorf("reading pipeline version %s: %w", s.PipelineVersionID, err)
	}
	if v.PipelineSpec == nil {
		return map[string]InputParameter{}, nil
	}
	return RootInputs(v.PipelineSpec)
}

func (s Source) set(spec *map[string]any, ref **PipelineVersionReference) {
	if s.Package != nil {
		*spec = s.Package.SpecObject()
		return
	}
	*ref = &PipelineVersionReference{PipelineID: s.PipelineID, PipelineVersionID: s.PipelineVersionID}
}

// RunSpec describes a run to create.
type RunSpec struct {
	// DisplayName is required.
	DisplayName string
	// Description is optional.
	Description string
	// ExperimentID is optional: defaults to the server's "Default" experiment.
	ExperimentID string
	// Source is the pipeline. Required.
	Source Source
	// Parameters are typed against the pipeline's root inputs (see TypeParameters).
	Parameters map[string]any
	// PipelineRoot overrides the pipeline root. Optional.
	PipelineRoot string
	// ServiceAccount is the Kubernetes service account of the run's pods. Optional.
	ServiceAccount string
}

// BuildRun checks spec (typing its parameters against the pipeline) and
// returns the Run to send. Errors are *ParameterError for parameters.
func BuildRun(ctx context.Context, api API, spec RunSpec) (*Run, error) {
	if spec.DisplayName == "" {
		return nil, errors.New("the run has no name: pass --name")
	}
	inputs, err := spec.Source.inputs(ctx, api)
	if err != nil {
		return nil, err
	}
	params, err := TypeParameters(inputs, spec.Parameters)
	if err != nil {
		return nil, err
	}
	r := &Run{DisplayName: spec.DisplayName, Description: spec.Description, ExperimentID: spec.ExperimentID, ServiceAccount: spec.ServiceAccount}
	spec.Source.set(&r.PipelineSpec, &r.PipelineVersionReference)
	if len(params) > 0 || spec.PipelineRoot != "" {
		r.RuntimeConfig = &RuntimeConfig{Parameters: params, PipelineRoot: spec.PipelineRoot}
	}
	return r, nil
}

// RunFailedError is returned by WaitRun for a run that ended FAILED or CANCELED.
type RunFailedError struct{ Run *Run }

// Error formats the error as "run <name> (<id>) ended <state>: <message>".
func (e *RunFailedError) Error() string {
	s := fmt.Sprintf("run %s (%s) ended %s", e.Run.DisplayName, e.Run.RunID, e.Run.State)
	if e.Run.Error != nil && e.Run.Error.Message != "" {
		s += ": " + e.Run.Error.Message
	}
	return s
}

// WaitOptions tune WaitRun.
type WaitOptions struct {
	// PollInterval is the time between reads. Optional: defaults to 5s.
	PollInterval time.Duration
	// OnChange is called with the run whenever its state changes. Optional.
	OnChange func(*Run)
}

// WaitRun polls a run until it reaches a terminal state (SUCCEEDED, SKIPPED,
// FAILED, CANCELED) or ctx ends (bound it with context.WithTimeout). It
// returns the last run read, with a *RunFailedError for FAILED and CANCELED.
func WaitRun(ctx context.Context, api API, runID string, o WaitOptions) (*Run, error) {
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	var last RuntimeState = "?"
	for {
		r, err := api.GetRun(ctx, runID)
		if err != nil {
			return r, err
		}
		if r.State != last && o.OnChange != nil {
			o.OnChange(r)
		}
		last = r.State
		if r.State.Terminal() {
			if r.State == StateFailed || r.State == StateCanceled {
				return r, &RunFailedError{Run: r}
			}
			return r, nil
		}
		t := time.NewTimer(o.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return r, fmt.Errorf("waiting for run %s (state %s): %w", runID, r.State, ctx.Err())
		case <-t.C:
		}
	}
}

// pages follows next_page_token through every page of a list.
func pages[T any](ctx context.Context, o ListOptions, page func(ListOptions) ([]T, string, error)) ([]T, error) {
	var all []T
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	for {
		items, next, err := page(o)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o.PageToken = next
	}
}

// ListAllPipelines reads every page of pipelines.
func ListAllPipelines(ctx context.Context, api API, o ListOptions) ([]Pipeline, error) {
	return pages(ctx, o, func(o ListOptions) ([]Pipeline, string, error) {
		r, err := api.ListPipelines(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return r.Pipelines, r.NextPageToken, nil
	})
}

// ListAllPipelineVersions reads every page of a pipeline's versions.
func ListAllPipelineVersions(ctx context.Context, api API, pipelineID string, o ListOptions) ([]PipelineVersion, error) {
	return pages(ctx, o, func(o ListOptions) ([]PipelineVersion, string, error) {
		r, err := api.ListPipelineVersions(ctx, pipelineID, o)
		if err != nil {
			return nil, "", err
		}
		return r.PipelineVersions, r.NextPageToken, nil
	})
}

// ListAllExperiments reads every page of experiments.
func ListAllExperiments(ctx context.Context, api API, o ListOptions) ([]Experiment, error) {
	return pages(ctx, o, func(o ListOptions) ([]Experiment, string, error) {
		r, err := api.ListExperiments(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return r.Experiments, r.NextPageToken, nil
	})
}

// ListAllRuns reads every page of runs.
func ListAllRuns(ctx context.Context, api API, o ListOptions) ([]Run, error) {
	return pages(ctx, o, func(o ListOptions) ([]Run, string, error) {
		r, err := api.ListRuns(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return r.Runs, r.NextPageToken, nil
	})
}

// ListAllRecurringRuns reads every page of recurring runs.
func ListAllRecurringRuns(ctx context.Context, api API, o ListOptions) ([]RecurringRun, error) {
	return pages(ctx, o, func(o ListOptions) ([]RecurringRun, string, error) {
		r, err := api.ListRecurringRuns(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return r.RecurringRuns, r.NextPageToken, nil
	})
}

// NotFoundError is a name lookup that matched nothing.
type NotFoundError struct{ Kind, Name string }

// Error formats the error as "<kind> <name> not found".
func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.Kind, e.Name) }

// GetPipelineByName finds a pipeline by its unique name with a list filter
// (key "name", EQUALS), which every v2beta1 server supports. It returns a
// *NotFoundError when there is none.
func GetPipelineByName(ctx context.Context, api API, name string) (*Pipeline, error) {
	ps, err := ListAllPipelines(ctx, api, ListOptions{Filter: EqualsFilter("name", name)})
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].Name == name || (ps[i].Name == "" && ps[i].DisplayName == name) {
			return &ps[i], nil
		}
	}
	return nil, &NotFoundError{Kind: "pipeline", Name: name}
}

// GetPipelineVersionByName finds a version of a pipeline by name.
func GetPipelineVersionByName(ctx context.Context, api API, pipelineID, name string) (*PipelineVersion, error) {
	vs, err := ListAllPipelineVersions(ctx, api, pipelineID, ListOptions{Filter: EqualsFilter("name", name)})
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].Name == name || (vs[i].Name == "" && vs[i].DisplayName == name) {
			return &vs[i], nil
		}
	}
	return nil, &NotFoundError{Kind: "pipeline version", Name: name}
}

// LatestPipelineVersion returns the most recently created version of a pipeline.
func LatestPipelineVersion(ctx context.Context, api API, pipelineID string) (*PipelineVersion, error) {
	r, err := api.ListPipelineVersions(ctx, pipelineID, ListOptions{PageSize: 1, SortBy: "created_at desc"})
	if err != nil {
		return nil, err
	}
	if len(r.PipelineVersions) == 0 {
		return nil, &NotFoundError{Kind: "pipeline version of", Name: pipelineID}
	}
	return &r.PipelineVersions[0], nil
}

// GetExperimentByName finds an experiment by display name (in the client's
// namespace). It returns a *NotFoundError when there is none.
func GetExperimentByName(ctx context.Context, api API, name string) (*Experiment, error) {
	es, err := ListAllExperiments(ctx, api, ListOptions{Filter: EqualsFilter("display_name", name)})
	if err != nil {
		return nil, err
	}
	for i := range es {
		if es[i].DisplayName == name {
			return &es[i], nil
		}
	}
	return nil, &NotFoundError{Kind: "experiment", Name: name}
}

// EnsureExperiment returns the experiment named name, creating it when missing.
func EnsureExperiment(ctx context.Context, api API, name, description string) (*Experiment, error) {
	e, err := GetExperimentByName(ctx, api, name)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return api.CreateExperiment(ctx, &Experiment{DisplayName: name, Description: description})
	}
	return e, err
}

// trigger converts a schedule to the API trigger and concurrency fields.
func trigger(s schedule.Schedule) (*Trigger, Int64, bool, error) {
	k, err := s.KFP()
	if err != nil {
		return nil, 0, false, err
	}
	t := &Trigger{}
	if k.Cron != "" {
		t.CronSchedule = &CronSchedule{Cron: k.Cron, StartTime: k.StartTime, EndTime: k.EndTime}
	} else {
		t.PeriodicSchedule = &PeriodicSchedule{IntervalSecond: Int64(k.IntervalSecond), StartTime: k.StartTime, EndTime: k.EndTime}
	}
	return t, Int64(k.MaxConcurrency), k.NoCatchup, nil
}
