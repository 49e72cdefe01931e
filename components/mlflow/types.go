package mlflow

// The message types below mirror MLflow's protos (mlflow/protos/service.proto
// for tracking, mlflow/protos/model_registry.proto for the registry) in the
// JSON form the REST API speaks: snake_case field names, int64 timestamps in
// milliseconds since the Unix epoch as JSON numbers, enums by name.

// Tag is a key/value pair: RunTag, ExperimentTag, RegisteredModelTag and
// ModelVersionTag share this shape in MLflow's protos.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Param is a run parameter (service.proto Param). MLflow stores values as
// strings of at most 6000 characters and refuses to change a logged value.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Metric is one metric point (service.proto Metric): Timestamp in
// milliseconds since the Unix epoch, Step defaults to 0.
type Metric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

// Experiment is service.proto Experiment. ExperimentID is a string of digits
// ("0" is the Default experiment).
type Experiment struct {
	ExperimentID     string `json:"experiment_id"`
	Name             string `json:"name"`
	ArtifactLocation string `json:"artifact_location,omitempty"`
	// LifecycleStage is "active" or "deleted".
	LifecycleStage string `json:"lifecycle_stage,omitempty"`
	LastUpdateTime int64  `json:"last_update_time,omitempty"`
	CreationTime   int64  `json:"creation_time,omitempty"`
	Tags           []Tag  `json:"tags,omitempty"`
}

// Run status names (service.proto RunStatus).
const (
	RunRunning   = "RUNNING"
	RunScheduled = "SCHEDULED"
	RunFinished  = "FINISHED"
	RunFailed    = "FAILED"
	RunKilled    = "KILLED"
)

// RunInfo is service.proto RunInfo. RunID and RunUUID carry the same 32
// hex digits (run_uuid is the deprecated name).
type RunInfo struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid,omitempty"`
	RunName        string `json:"run_name,omitempty"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id,omitempty"`
	Status         string `json:"status,omitempty"`
	StartTime      int64  `json:"start_time,omitempty"`
	EndTime        int64  `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri,omitempty"`
	LifecycleStage string `json:"lifecycle_stage,omitempty"`
}

// RunData is service.proto RunData.
type RunData struct {
	Metrics []Metric `json:"metrics,omitempty"`
	Params  []Param  `json:"params,omitempty"`
	Tags    []Tag    `json:"tags,omitempty"`
}

// Run is service.proto Run.
type Run struct {
	Info RunInfo `json:"info"`
	Data RunData `json:"data"`
}

// CreateRunRequest is the body of POST runs/create (service.proto
// CreateRun). StartTime is in milliseconds; RunName also becomes the
// mlflow.runName tag on the server.
type CreateRunRequest struct {
	ExperimentID string `json:"experiment_id"`
	UserID       string `json:"user_id,omitempty"`
	RunName      string `json:"run_name,omitempty"`
	StartTime    int64  `json:"start_time,omitempty"`
	Tags         []Tag  `json:"tags,omitempty"`
}

// Model version status names (model_registry.proto ModelVersionStatus).
const (
	StatusPendingRegistration = "PENDING_REGISTRATION"
	StatusFailedRegistration  = "FAILED_REGISTRATION"
	StatusReady               = "READY"
)

// RegisteredModelAlias is model_registry.proto RegisteredModelAlias.
type RegisteredModelAlias struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

// RegisteredModel is model_registry.proto RegisteredModel.
type RegisteredModel struct {
	Name                 string                 `json:"name"`
	CreationTimestamp    int64                  `json:"creation_timestamp,omitempty"`
	LastUpdatedTimestamp int64                  `json:"last_updated_timestamp,omitempty"`
	UserID               string                 `json:"user_id,omitempty"`
	Description          string                 `json:"description,omitempty"`
	LatestVersions       []ModelVersion         `json:"latest_versions,omitempty"`
	Tags                 []Tag                  `json:"tags,omitempty"`
	Aliases              []RegisteredModelAlias `json:"aliases,omitempty"`
}

// ModelVersion is model_registry.proto ModelVersion. Version is a decimal
// string ("1", "2"…), as on the wire.
type ModelVersion struct {
	Name                 string   `json:"name"`
	Version              string   `json:"version"`
	CreationTimestamp    int64    `json:"creation_timestamp,omitempty"`
	LastUpdatedTimestamp int64    `json:"last_updated_timestamp,omitempty"`
	UserID               string   `json:"user_id,omitempty"`
	CurrentStage         string   `json:"current_stage,omitempty"`
	Description          string   `json:"description,omitempty"`
	Source               string   `json:"source,omitempty"`
	RunID                string   `json:"run_id,omitempty"`
	Status               string   `json:"status,omitempty"`
	StatusMessage        string   `json:"status_message,omitempty"`
	Tags                 []Tag    `json:"tags,omitempty"`
	RunLink              string   `json:"run_link,omitempty"`
	Aliases              []string `json:"aliases,omitempty"`
}

// TagValue returns the value of tag key on the version and whether it is set.
func (v ModelVersion) TagValue(key string) (string, bool) {
	for _, t := range v.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// CreateModelVersionRequest is the body of POST model-versions/create
// (model_registry.proto CreateModelVersion). Source is the URI of the
// model's artifacts (s3://…, gs://…, file:///…, runs:/<run_id>/<path>).
type CreateModelVersionRequest struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	RunID       string `json:"run_id,omitempty"`
	Tags        []Tag  `json:"tags,omitempty"`
	RunLink     string `json:"run_link,omitempty"`
	Description string `json:"description,omitempty"`
}
