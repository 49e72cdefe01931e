package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Int64 is an int64 field of the API. protojson writes int64 as a JSON string
// ("10"); the server accepts a string or a number. Int64 marshals as a string
// and unmarshals either form.
type Int64 int64

// MarshalJSON writes the value as a quoted decimal, as protojson does.
func (i Int64) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(strconv.FormatInt(int64(i), 10))), nil
}

// UnmarshalJSON reads a JSON number or a quoted decimal.
func (i *Int64) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("invalid int64 value %s: %w", b, err)
	}
	*i = Int64(v)
	return nil
}

// Status is google.rpc.Status as the API returns it in error fields and error
// bodies. Error is the older grpc-gateway's duplicate of Message.
type Status struct {
	Code    int               `json:"code,omitempty"`
	Message string            `json:"message,omitempty"`
	Error   string            `json:"error,omitempty"`
	Details []json.RawMessage `json:"details,omitempty"`
}

// Pipeline is a pipeline (v2beta1 Pipeline). Name is unique in a namespace;
// DisplayName is what the UI shows.
type Pipeline struct {
	PipelineID  string            `json:"pipeline_id,omitempty"`
	DisplayName string            `json:"display_name,omitempty"`
	Name        string            `json:"name,omitempty"`
	Description string            `json:"description,omitempty"`
	CreatedAt   *time.Time        `json:"created_at,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Error       *Status           `json:"error,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// URL is the v2beta1 Url message.
type URL struct {
	PipelineURL string `json:"pipeline_url,omitempty"`
}

// PipelineVersion is a version of a pipeline (v2beta1 PipelineVersion).
// PipelineSpec is the compiled pipeline as a JSON object: the PipelineSpec
// itself, or {pipeline_spec, platform_spec} when it has a platform document.
type PipelineVersion struct {
	PipelineID        string            `json:"pipeline_id,omitempty"`
	PipelineVersionID string            `json:"pipeline_version_id,omitempty"`
	DisplayName       string            `json:"display_name,omitempty"`
	Name              string            `json:"name,omitempty"`
	Description       string            `json:"description,omitempty"`
	CreatedAt         *time.Time        `json:"created_at,omitempty"`
	PackageURL        *URL              `json:"package_url,omitempty"`
	CodeSourceURL     string            `json:"code_source_url,omitempty"`
	PipelineSpec      map[string]any    `json:"pipeline_spec,omitempty"`
	Error             *Status           `json:"error,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
}

// Storage states of experiments and runs (v2beta1 StorageState).
const (
	StorageAvailable = "AVAILABLE"
	StorageArchived  = "ARCHIVED"
)

// Experiment groups runs (v2beta1 Experiment).
type Experiment struct {
	ExperimentID     string     `json:"experiment_id,omitempty"`
	DisplayName      string     `json:"display_name,omitempty"`
	Description      string     `json:"description,omitempty"`
	CreatedAt        *time.Time `json:"created_at,omitempty"`
	Namespace        string     `json:"namespace,omitempty"`
	StorageState     string     `json:"storage_state,omitempty"`
	LastRunCreatedAt *time.Time `json:"last_run_created_at,omitempty"`
}

// PipelineVersionReference points a run at an uploaded pipeline version.
type PipelineVersionReference struct {
	PipelineID        string `json:"pipeline_id,omitempty"`
	PipelineVersionID string `json:"pipeline_version_id,omitempty"`
}

// RuntimeConfig holds a run's parameters (name → JSON value of the
// parameter's type) and its pipeline root (an object store URI).
type RuntimeConfig struct {
	Parameters   map[string]any `json:"parameters,omitempty"`
	PipelineRoot string         `json:"pipeline_root,omitempty"`
}

// RuntimeState is a run's state (v2beta1 RuntimeState).
type RuntimeState string

// Run states, from backend/api/v2beta1/run.proto.
const (
	StateUnspecified RuntimeState = "RUNTIME_STATE_UNSPECIFIED"
	StatePending     RuntimeState = "PENDING"
	StateRunning     RuntimeState = "RUNNING"
	StateSucceeded   RuntimeState = "SUCCEEDED"
	StateSkipped     RuntimeState = "SKIPPED"
	StateFailed      RuntimeState = "FAILED"
	StateCanceling   RuntimeState = "CANCELING"
	StateCanceled    RuntimeState = "CANCELED"
	StatePaused      RuntimeState = "PAUSED"
)

// Terminal reports whether a run in this state will not change any more
// (SUCCEEDED, SKIPPED, FAILED, CANCELED).
func (s RuntimeState) Terminal() bool {
	switch s {
	case StateSucceeded, StateSkipped, StateFailed, StateCanceled:
		return true
	}
	return false
}

// RuntimeStatus is one entry of a run's state history.
type RuntimeStatus struct {
	UpdateTime *time.Time   `json:"update_time,omitempty"`
	State      RuntimeState `json:"state,omitempty"`
	Error      *Status      `json:"error,omitempty"`
}

// Run is a pipeline run (v2beta1 Run). Set exactly one of PipelineSpec and
// PipelineVersionReference when creating one. RunDetails is kept as the
// server sent it.
type Run struct {
	ExperimentID             string                    `json:"experiment_id,omitempty"`
	RunID                    string                    `json:"run_id,omitempty"`
	DisplayName              string                    `json:"display_name,omitempty"`
	StorageState             string                    `json:"storage_state,omitempty"`
	Description              string                    `json:"description,omitempty"`
	PipelineSpec             map[string]any            `json:"pipeline_spec,omitempty"`
	PipelineVersionReference *PipelineVersionReference `json:"pipeline_version_reference,omitempty"`
	RuntimeConfig            *RuntimeConfig            `json:"runtime_config,omitempty"`
	ServiceAccount           string                    `json:"service_account,omitempty"`
	CreatedAt                *time.Time                `json:"created_at,omitempty"`
	ScheduledAt              *time.Time                `json:"scheduled_at,omitempty"`
	FinishedAt               *time.Time                `json:"finished_at,omitempty"`
	State                    RuntimeState              `json:"state,omitempty"`
	Error                    *Status                   `json:"error,omitempty"`
	RunDetails               json.RawMessage           `json:"run_details,omitempty"`
	RecurringRunID           string                    `json:"recurring_run_id,omitempty"`
	StateHistory             []RuntimeStatus           `json:"state_history,omitempty"`
}

// Recurring run modes and statuses (v2beta1 RecurringRun.Mode, .Status).
const (
	ModeEnable     = "ENABLE"
	ModeDisable    = "DISABLE"
	StatusEnabled  = "ENABLED"
	StatusDisabled = "DISABLED"
)

// DefaultPageSize is the page size the List…All helpers ask for when
// ListOptions.PageSize is 0.
const DefaultPageSize = 100

// DeletePropagationPolicy says what happens to a recurring run's runs when it
// is deleted (v2beta1 DeletePropagationPolicy).
type DeletePropagationPolicy string

// Propagation policies. ORPHAN keeps the runs it started running.
const (
	PropagationUnspecified DeletePropagationPolicy = "DELETE_PROPAGATION_POLICY_UNSPECIFIED"
	PropagationForeground  DeletePropagationPolicy = "FOREGROUND"
	PropagationBackground  DeletePropagationPolicy = "BACKGROUND"
	PropagationOrphan      DeletePropagationPolicy = "ORPHAN"
)

// CronSchedule is trigger.cron_schedule: Cron has 6 fields, seconds first.
type CronSchedule struct {
	StartTime *time.Time `json:"start_time,omitempty"`
	EndTime   *time.Time `json:"end_time,omitempty"`
	Cron      string     `json:"cron,omitempty"`
}

// PeriodicSchedule is trigger.periodic_schedule: a run every IntervalSecond seconds.
type PeriodicSchedule struct {
	StartTime      *time.Time `json:"start_time,omitempty"`
	EndTime        *time.Time `json:"end_time,omitempty"`
	IntervalSecond Int64      `json:"interval_second,omitempty"`
}

// Trigger starts a recurring run's runs: exactly one of its fields is set.
type Trigger struct {
	CronSchedule     *CronSchedule     `json:"cron_schedule,omitempty"`
	PeriodicSchedule *PeriodicSchedule `json:"periodic_schedule,omitempty"`
}

// RecurringRun is a schedule of runs (v2beta1 RecurringRun). MaxConcurrency
// is 1–10. Mode is ENABLE or DISABLE; Status is ENABLED or DISABLED.
type RecurringRun struct {
	RecurringRunID           string                    `json:"recurring_run_id,omitempty"`
	DisplayName              string                    `json:"display_name,omitempty"`
	Description              string                    `json:"description,omitempty"`
	PipelineSpec             map[string]any            `json:"pipeline_spec,omitempty"`
	PipelineVersionReference *PipelineVersionReference `json:"pipeline_version_reference,omitempty"`
	RuntimeConfig            *RuntimeConfig            `json:"runtime_config,omitempty"`
	ServiceAccount           string                    `json:"service_account,omitempty"`
	MaxConcurrency           Int64                     `json:"max_concurrency,omitempty"`
	Trigger                  *Trigger                  `json:"trigger,omitempty"`
	Mode                     string                    `json:"mode,omitempty"`
	CreatedAt                *time.Time                `json:"created_at,omitempty"`
	UpdatedAt                *time.Time                `json:"updated_at,omitempty"`
	Status                   string                    `json:"status,omitempty"`
	Error                    *Status                   `json:"error,omitempty"`
	NoCatchup                bool                      `json:"no_catchup,omitempty"`
	Namespace                string                    `json:"namespace,omitempty"`
	ExperimentID             string                    `json:"experiment_id,omitempty"`
}

// Filter is the v2beta1 list filter, sent JSON-encoded in the filter query
// parameter. All predicates must hold.
type Filter struct {
	Predicates []Predicate `json:"predicates"`
}

// Predicate compares a field (by API name: "name", "display_name",
// "created_at"…) with a value. Operation is EQUALS, NOT_EQUALS,
// GREATER_THAN, GREATER_THAN_EQUALS, LESS_THAN, LESS_THAN_EQUALS, IN or
// IS_SUBSTRING.
type Predicate struct {
	Operation   string `json:"operation"`
	Key         string `json:"key"`
	StringValue string `json:"string_value,omitempty"`
}

// EqualsFilter is a filter with one key == value predicate.
func EqualsFilter(key, value string) *Filter {
	return &Filter{Predicates: []Predicate{{Operation: "EQUALS", Key: key, StringValue: value}}}
}

// ListOptions are the common list query parameters. Namespace defaults to
// the client's namespace. ExperimentID applies to runs and recurring runs.
type ListOptions struct {
	PageToken    string
	PageSize     int
	SortBy       string
	Filter       *Filter
	Namespace    string
	ExperimentID string
}

// ListPipelinesResponse is one page of pipelines.
type ListPipelinesResponse struct {
	Pipelines     []Pipeline `json:"pipelines,omitempty"`
	TotalSize     int        `json:"total_size,omitempty"`
	NextPageToken string     `json:"next_page_token,omitempty"`
}

// ListPipelineVersionsResponse is one page of pipeline versions.
type ListPipelineVersionsResponse struct {
	PipelineVersions []PipelineVersion `json:"pipeline_versions,omitempty"`
	NextPageToken    string            `json:"next_page_token,omitempty"`
	TotalSize        int               `json:"total_size,omitempty"`
}

// ListExperimentsResponse is one page of experiments.
type ListExperimentsResponse struct {
	Experiments   []Experiment `json:"experiments,omitempty"`
	TotalSize     int          `json:"total_size,omitempty"`
	NextPageToken string       `json:"next_page_token,omitempty"`
}

// ListRunsResponse is one page of runs.
type ListRunsResponse struct {
	Runs          []Run  `json:"runs,omitempty"`
	TotalSize     int    `json:"total_size,omitempty"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

// ListRecurringRunsResponse is one page of recurring runs. The list field is
// "recurringRuns": that is its proto name in recurring_run.proto.
type ListRecurringRunsResponse struct {
	RecurringRuns []RecurringRun `json:"recurringRuns,omitempty"`
	TotalSize     int            `json:"total_size,omitempty"`
	NextPageToken string         `json:"next_page_token,omitempty"`
}
