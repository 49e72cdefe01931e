package registermodel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kfpgo/kfpgo/components/mlflow"
)

// Tag keys register-model sets on the tracking run and the model version.
// mlflow.source.git.commit and mlflow.user are MLflow's own system tags
// (mlflow/utils/mlflow_tags.py); the kfp.* keys identify the pipeline task.
const (
	TagPipelineRunID = "kfp.pipeline_run_id"
	TagTaskName      = "kfp.task_name"
	TagGitCommit     = "mlflow.source.git.commit"
	TagUser          = "mlflow.user"
	// TagMetricPrefix prefixes one version tag per metric:
	// "metric.accuracy" = "0.93" (Python float repr).
	TagMetricPrefix = "metric."
)

// DefaultTrackingURI is MLflow's default tracking URI when none is set: a
// file store in ./mlruns.
const DefaultTrackingURI = "mlruns"

// Defaults of the wait for READY: MLflow's client waits up to 300s
// (DEFAULT_AWAIT_MAX_SLEEP_SECONDS), polling every 3s
// (AWAIT_MODEL_VERSION_CREATE_SLEEP_INTERVAL_SECONDS).
const (
	DefaultReadyTimeout = 300 * time.Second
	DefaultPollInterval = 3 * time.Second
)

// Config describes one registration. Zero values take the defaults stated
// on each field.
type Config struct {
	// TrackingURI selects the store: http(s)://… for an MLflow tracking
	// server (REST API), file:<dir> or a plain directory for a local MLflow
	// file store. Optional: defaults to $MLFLOW_TRACKING_URI, then "mlruns"
	// (MLflow's default).
	TrackingURI string
	// Client holds credentials, TLS and retry settings for a tracking
	// server. Optional: when left zero, mlflow.OptionsFromEnv() is used
	// (MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD,
	// MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH…).
	Client mlflow.Options
	// Store replaces the store chosen from TrackingURI. Optional.
	Store mlflow.Store

	// ModelName is the registered model's name. Required.
	ModelName string
	// ModelURI is the model artifact's URI (s3://…, gs://…, file:///…,
	// runs:/<run_id>/<path>), stored as the version's source. Required.
	ModelURI string
	// Description of the model version. Optional.
	Description string
	// Alias is pointed at the version, e.g. "champion". Optional: none.
	// Word characters and dashes; "latest" and "v<N>" are reserved.
	Alias string

	// RunID is an existing MLflow run to log to and to link the version to,
	// as KFP's MLflow integration injects it. Optional: defaults to
	// $MLFLOW_RUN_ID; when empty a run is created and finished.
	RunID string
	// ExperimentID of the run to create. Optional: defaults to
	// $MLFLOW_EXPERIMENT_ID, else the experiment named ExperimentName.
	ExperimentID string
	// ExperimentName of the run to create, created if missing. Optional:
	// defaults to $MLFLOW_EXPERIMENT_NAME, else "Default".
	ExperimentName string
	// RunName of the run to create. Optional: defaults to
	// "<TaskName>-<PipelineRunID>" when both are set, else the store's choice.
	RunName string
	// Params are logged to the run (values at most 6000 characters).
	Params map[string]string
	// Metrics are logged to the run (step 0, timestamp now) and set as
	// "metric.<key>" tags on the version.
	Metrics map[string]float64

	// PipelineRunID is the KFP run's ID ({{$.pipeline_job_uuid}}); with
	// TaskName it identifies the registration: a re-run of the same task
	// finds its earlier version by these tags and registers nothing new.
	// Optional, but without it every call creates a new version.
	PipelineRunID string
	// TaskName is the pipeline task's name. Optional.
	TaskName string
	// Identity, when set, replaces the pipeline run and task as the tags
	// that identify a registration: a version carrying all of them is
	// reused. Key registrations on content with it, e.g.
	// {"kfpgo.model_sha256": "<hex>"}, so that re-running a pipeline on the
	// same inputs registers nothing new. Optional.
	Identity map[string]string
	// GitSHA is the source commit, tagged as mlflow.source.git.commit.
	// Optional.
	GitSHA string
	// Tags are extra model version tags. Optional.
	Tags map[string]string

	// ReadyTimeout bounds the wait for the version to become READY.
	// Optional: defaults to 300s.
	ReadyTimeout time.Duration
	// PollInterval is the wait between status reads. Optional: defaults to 3s.
	PollInterval time.Duration
	// Logger receives progress lines (never credentials). Optional:
	// defaults to slog.Default().
	Logger *slog.Logger
}

// Result is what a registration produced.
type Result struct {
	// Name is the registered model's name.
	Name string
	// Version is the model version number ("1", "2"…).
	Version string
	// ModelURI is "models:/<name>/<version>", the URI MLflow's clients load.
	ModelURI string
	// Source is the version's source: Config.ModelURI for a remote model,
	// "<run artifact URI>/model" for a local model uploaded to a tracking
	// server.
	Source string
	// RunID is the MLflow run the version links to.
	RunID string
	// ExperimentID is the run's experiment; empty when an earlier version
	// was reused.
	ExperimentID string
	// Status is the version's final status, READY.
	Status string
	// Alias is the alias pointed at the version, if any.
	Alias string
	// Reused is true when an earlier version of the same pipeline run and
	// task was found and nothing new was registered.
	Reused bool
}

// ConfigError is a refused Config: Field names the Config field.
type ConfigError struct {
	Field, Msg string
}

// Error formats the error as "register-model: <Field>: <Msg>".
func (e *ConfigError) Error() string { return "register-model: " + e.Field + ": " + e.Msg }

func (cfg *Config) validate() error {
	if strings.TrimSpace(cfg.ModelURI) == "" {
		return &ConfigError{"ModelURI", "the model URI is empty: pass the URI of the trained model artifact (the trainer's Model output, e.g. s3://bucket/models/cars or file:///runs/x/model)"}
	}
	if strings.TrimSpace(cfg.ModelName) == "" {
		return &ConfigError{"ModelName", "the registered model name is empty: pass a name such as \"cars-origin\""}
	}
	if err := mlflow.ValidateModelName(cfg.ModelName); err != nil {
		return &ConfigError{"ModelName", errMessage(err)}
	}
	if cfg.Alias != "" {
		if err := mlflow.ValidateAlias(cfg.Alias); err != nil {
			return &ConfigError{"Alias", errMessage(err)}
		}
	}
	if cfg.ReadyTimeout < 0 || cfg.PollInterval < 0 {
		return &ConfigError{"ReadyTimeout", "ReadyTimeout and PollInterval must not be negative"}
	}
	for k, v := range cfg.Params {
		if len(v) > 6000 {
			return &ConfigError{"Params", fmt.Sprintf("param %q is %d characters long; MLflow accepts at most 6000", k, len(v))}
		}
	}
	return nil
}

func errMessage(err error) string {
	var e *mlflow.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func (cfg *Config) defaults() {
	if cfg.TrackingURI == "" {
		cfg.TrackingURI = os.Getenv(mlflow.EnvTrackingURI)
	}
	if cfg.TrackingURI == "" {
		cfg.TrackingURI = DefaultTrackingURI
	}
	if cfg.Client == (mlflow.Options{}) {
		cfg.Client = mlflow.OptionsFromEnv()
	}
	if cfg.RunID == "" {
		cfg.RunID = os.Getenv(mlflow.EnvRunID)
	}
	if cfg.ExperimentID == "" {
		cfg.ExperimentID = os.Getenv(mlflow.EnvExperimentID)
	}
	if cfg.ExperimentName == "" {
		cfg.ExperimentName = os.Getenv(mlflow.EnvExperimentName)
	}
	if cfg.ExperimentName == "" {
		cfg.ExperimentName = "Default"
	}
	if cfg.RunName == "" && cfg.TaskName != "" && cfg.PipelineRunID != "" {
		cfg.RunName = cfg.TaskName + "-" + cfg.PipelineRunID
	}
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
}

// Run registers cfg.ModelURI as a version of cfg.ModelName:
//
//  1. create the registered model (RESOURCE_ALREADY_EXISTS is success);
//  2. with PipelineRunID or Identity set, look for a version carrying the
//     same identity tags; if one exists, reuse it (steps 3–6 skipped);
//  3. log Params and Metrics to the run RunID; else to the active run of
//     the experiment tagged with the same pipeline run and task (an
//     earlier attempt's), else to a new run (the experiment is created if
//     missing);
//  4. for a local model (a path or file: URI) and a tracking server:
//     upload every file to "<run artifact root>/model" through the
//     server's artifact proxy (streamed, a progress line every
//     ProgressInterval with files, bytes, rate and ETA), then check each
//     size in the server's listing; the source becomes
//     "<run artifact_uri>/model" and TagModelSHA256 the digest, what
//     mlflow.register_model("runs:/<run_id>/model", …) sends
//     (mlflow/tracking/_model_registry/fluent.py _register_model). A
//     remote model (s3://, gs://, minio://, oci://, hf://…) and any model
//     in a file store keep their URI as the source;
//  5. finish the run (FINISHED; FAILED when step 4 failed);
//  6. create the version: source, run_id, tags, description;
//  7. poll until READY (FAILED_REGISTRATION or the timeout is an error);
//  8. point Alias at the version.
//
// Errors: a *ConfigError for a bad Config; an *mlflow.UnreachableError when
// the server cannot be reached; a *NotProxiedError when the server keeps
// the run's artifacts where this client cannot upload; an *mlflow.Error
// (match with errors.As) for a refusal, with MLflow's HTTP status,
// error_code and message, which for 401/403 says how to fix the
// credentials. A 4xx refusal is returned at once, never retried. Every
// error names the step that failed.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	cfg.defaults()
	log := cfg.Logger
	store := cfg.Store
	if store == nil {
		opts := cfg.Client
		if opts.Logger == nil {
			opts.Logger = log
		}
		var err error
		if store, err = mlflow.Open(cfg.TrackingURI, opts); err != nil {
			return Result{}, fmt.Errorf("register-model: %w", err)
		}
	}
	res := Result{Name: cfg.ModelName, Source: cfg.ModelURI, Alias: cfg.Alias}

	if _, err := store.CreateRegisteredModel(ctx, cfg.ModelName, "", nil); err != nil && !mlflow.IsAlreadyExists(err) {
		return Result{}, fmt.Errorf("register-model: creating registered model %q: %w", cfg.ModelName, err)
	}

	var mv *mlflow.ModelVersion
	if cfg.PipelineRunID != "" || len(cfg.Identity) > 0 {
		found, err := store.FindModelVersions(ctx, cfg.ModelName, identity(cfg))
		if err != nil {
			return Result{}, fmt.Errorf("register-model: looking for an earlier version of %q from pipeline run %s: %w", cfg.ModelName, cfg.PipelineRunID, err)
		}
		mv = latestUsable(found)
		if mv != nil {
			res.Reused = true
			log.InfoContext(ctx, "register-model: reusing the version registered earlier with the same identity", "model", cfg.ModelName, "version", mv.Version, "identity", identity(cfg))
		}
	} else {
		log.WarnContext(ctx, "register-model: no pipeline run ID given, so a re-run cannot find its earlier version and registers a new one", "model", cfg.ModelName)
	}

	if mv == nil {
		tr, err := track(ctx, store, cfg)
		if err != nil {
			return Result{}, err
		}
		res.RunID, res.ExperimentID = tr.runID, tr.expID
		source := cfg.ModelURI
		tags := versionTags(cfg)
		if as, ok := store.(mlflow.ArtifactStore); ok && IsLocalURI(cfg.ModelURI) {
			dir, err := mlflow.LocalPath(cfg.ModelURI)
			if err == nil {
				source, err = uploadLocalModel(ctx, as, cfg, tr, dir, &tags)
			}
			if err != nil {
				tr.fail(ctx, store)
				return Result{}, err
			}
		}
		if err := tr.finish(ctx, store); err != nil {
			return Result{}, err
		}
		res.Source = source
		mv, err = store.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{
			Name: cfg.ModelName, Source: source, RunID: tr.runID, Tags: tags, Description: cfg.Description,
		})
		if err != nil {
			return Result{}, fmt.Errorf("register-model: creating a version of %q from %s: %w", cfg.ModelName, source, err)
		}
		log.InfoContext(ctx, "register-model: created model version", "model", cfg.ModelName, "version", mv.Version, "status", mv.Status, "source", source)
	} else {
		res.RunID = mv.RunID
		res.Source = mv.Source
	}

	mv, err := waitReady(ctx, store, cfg, mv)
	if err != nil {
		return Result{}, err
	}
	res.Version, res.Status = mv.Version, mv.Status
	res.ModelURI = "models:/" + cfg.ModelName + "/" + mv.Version

	if cfg.Alias != "" {
		if err := store.SetRegisteredModelAlias(ctx, cfg.ModelName, cfg.Alias, mv.Version); err != nil {
			return Result{}, fmt.Errorf("register-model: setting alias %q on %s: %w", cfg.Alias, res.ModelURI, err)
		}
	}
	log.InfoContext(ctx, "register-model: registered", "model_uri", res.ModelURI, "alias", cfg.Alias, "reused", res.Reused)
	return res, nil
}

// identity is the tag set that identifies a registration.
func identity(cfg Config) map[string]string {
	if len(cfg.Identity) > 0 {
		id := make(map[string]string, len(cfg.Identity))
		for k, v := range cfg.Identity {
			id[k] = v
		}
		return id
	}
	id := map[string]string{TagPipelineRunID: cfg.PipelineRunID}
	if cfg.TaskName != "" {
		id[TagTaskName] = cfg.TaskName
	}
	return id
}

// latestUsable returns the highest-numbered version that did not fail.
func latestUsable(found []mlflow.ModelVersion) *mlflow.ModelVersion {
	var best *mlflow.ModelVersion
	bestN := -1
	for i := range found {
		if found[i].Status == mlflow.StatusFailedRegistration {
			continue
		}
		if n, err := strconv.Atoi(found[i].Version); err == nil && n > bestN {
			best, bestN = &found[i], n
		}
	}
	return best
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// versionTags are the model version's tags: Tags, then the identity,
// git commit and metric tags (which win over Tags).
func versionTags(cfg Config) []mlflow.Tag {
	all := map[string]string{}
	for k, v := range cfg.Tags {
		all[k] = v
	}
	for k, v := range identity(cfg) {
		if k == TagPipelineRunID && v == "" {
			continue
		}
		all[k] = v
	}
	if cfg.PipelineRunID != "" {
		all[TagPipelineRunID] = cfg.PipelineRunID
	}
	if cfg.TaskName != "" {
		all[TagTaskName] = cfg.TaskName
	}
	if cfg.GitSHA != "" {
		all[TagGitCommit] = cfg.GitSHA
	}
	for k, v := range cfg.Metrics {
		all[TagMetricPrefix+k] = mlflow.PyFloat(v)
	}
	tags := make([]mlflow.Tag, 0, len(all))
	for _, k := range sortedKeys(all) {
		tags = append(tags, mlflow.Tag{Key: k, Value: all[k]})
	}
	return tags
}

// runTags are set on the tracking run.
func runTags(cfg Config) []mlflow.Tag {
	var tags []mlflow.Tag
	if cfg.PipelineRunID != "" {
		tags = append(tags, mlflow.Tag{Key: TagPipelineRunID, Value: cfg.PipelineRunID})
	}
	if cfg.TaskName != "" {
		tags = append(tags, mlflow.Tag{Key: TagTaskName, Value: cfg.TaskName})
	}
	if cfg.GitSHA != "" {
		tags = append(tags, mlflow.Tag{Key: TagGitCommit, Value: cfg.GitSHA})
	}
	return tags
}

// tracked is the run a registration logs to.
type tracked struct {
	runID, expID, artifactURI string
	// own is true when the run is register-model's own (created or found
	// by its tags), which it finishes; an injected run is left as it is.
	own bool
}

// finish marks an own run FINISHED (again, when a retry reused it).
func (t tracked) finish(ctx context.Context, store mlflow.Store) error {
	if !t.own {
		return nil
	}
	if err := store.UpdateRun(ctx, t.runID, mlflow.RunFinished, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("register-model: finishing run %s: %w", t.runID, err)
	}
	return nil
}

// fail marks an own run FAILED, best effort (the registration's error is
// what matters).
func (t tracked) fail(ctx context.Context, store mlflow.Store) {
	if t.own {
		_ = store.UpdateRun(ctx, t.runID, mlflow.RunFailed, time.Now().UnixMilli())
	}
}

// track logs params and metrics to the run the registration links to: the
// given RunID; else, with PipelineRunID set, the active run of the
// experiment tagged with the same pipeline run and task (so a retried task
// reuses the run its first attempt created); else a new run.
func track(ctx context.Context, store mlflow.Store, cfg Config) (tracked, error) {
	now := time.Now().UnixMilli()
	var metrics []mlflow.Metric
	for _, k := range sortedKeys(cfg.Metrics) {
		metrics = append(metrics, mlflow.Metric{Key: k, Value: cfg.Metrics[k], Timestamp: now})
	}
	var params []mlflow.Param
	for _, k := range sortedKeys(cfg.Params) {
		params = append(params, mlflow.Param{Key: k, Value: cfg.Params[k]})
	}
	if cfg.RunID != "" {
		run, err := store.GetRun(ctx, cfg.RunID)
		if err != nil {
			if mlflow.IsNotFound(err) {
				return tracked{}, fmt.Errorf("register-model: the MLflow run %s (Config.RunID or %s) does not exist in this tracking store: unset it to create a run, or point %s at the server that holds it: %w", cfg.RunID, mlflow.EnvRunID, mlflow.EnvTrackingURI, err)
			}
			return tracked{}, fmt.Errorf("register-model: reading MLflow run %s: %w", cfg.RunID, err)
		}
		if err := store.LogBatch(ctx, cfg.RunID, metrics, params, runTags(cfg)); err != nil {
			return tracked{}, fmt.Errorf("register-model: logging params and metrics to run %s: %w", cfg.RunID, err)
		}
		return tracked{runID: cfg.RunID, expID: run.Info.ExperimentID, artifactURI: run.Info.ArtifactURI}, nil
	}

	expID := cfg.ExperimentID
	if expID == "" {
		exp, err := store.GetExperimentByName(ctx, cfg.ExperimentName)
		switch {
		case err == nil:
			expID = exp.ExperimentID
		case mlflow.IsNotFound(err):
			expID, err = store.CreateExperiment(ctx, cfg.ExperimentName, "", nil)
			if mlflow.IsAlreadyExists(err) { // created meanwhile by a parallel task
				var exp *mlflow.Experiment
				if exp, err = store.GetExperimentByName(ctx, cfg.ExperimentName); err == nil {
					expID = exp.ExperimentID
				}
			}
			if err != nil {
				return tracked{}, fmt.Errorf("register-model: creating experiment %q: %w", cfg.ExperimentName, err)
			}
		default:
			return tracked{}, fmt.Errorf("register-model: reading experiment %q: %w", cfg.ExperimentName, err)
		}
	}
	var run *mlflow.Run
	if cfg.PipelineRunID != "" {
		found, err := store.FindRuns(ctx, expID, runIdentity(cfg))
		if err != nil {
			return tracked{}, fmt.Errorf("register-model: looking for the run of an earlier attempt in experiment %s: %w", expID, err)
		}
		if len(found) > 0 {
			run = &found[0]
			cfg.Logger.InfoContext(ctx, "register-model: reusing the tracking run of an earlier attempt", "run_id", run.Info.RunID, "pipeline_run_id", cfg.PipelineRunID, "task_name", cfg.TaskName)
		}
	}
	if run == nil {
		tags := runTags(cfg)
		userName := ""
		if u, err := user.Current(); err == nil {
			userName = u.Username
			tags = append(tags, mlflow.Tag{Key: TagUser, Value: userName})
		}
		var err error
		run, err = store.CreateRun(ctx, mlflow.CreateRunRequest{ExperimentID: expID, UserID: userName, RunName: cfg.RunName, StartTime: now, Tags: tags})
		if err != nil {
			return tracked{}, fmt.Errorf("register-model: creating a run in experiment %s: %w", expID, err)
		}
	}
	t := tracked{runID: run.Info.RunID, expID: expID, artifactURI: run.Info.ArtifactURI, own: true}
	if err := store.LogBatch(ctx, t.runID, metrics, params, nil); err != nil {
		t.fail(ctx, store)
		return tracked{}, fmt.Errorf("register-model: logging params and metrics to run %s: %w", t.runID, err)
	}
	return t, nil
}

// runIdentity is the tag set that finds the run of an earlier attempt of
// the same pipeline task.
func runIdentity(cfg Config) map[string]string {
	id := map[string]string{TagPipelineRunID: cfg.PipelineRunID}
	if cfg.TaskName != "" {
		id[TagTaskName] = cfg.TaskName
	}
	return id
}

// uploadLocalModel uploads the local model to the run's artifacts and
// adds its digest to the version tags as TagModelSHA256: the value the
// caller put in Identity (the component hashes the model first), else the
// hash computed here. Each file's byte count is checked as it is sent and
// each size once more in the server's listing.
func uploadLocalModel(ctx context.Context, as mlflow.ArtifactStore, cfg Config, tr tracked, dir string, tags *[]mlflow.Tag) (string, error) {
	sum, ok := cfg.Identity[TagModelSHA256]
	if !ok {
		var err error
		if sum, err = hashTree(dir); err != nil {
			return "", fmt.Errorf("register-model: reading the model at %s: %w", dir, err)
		}
	}
	source, err := uploadModel(ctx, as, cfg.Logger, tr.runID, tr.artifactURI, dir)
	if err != nil {
		return "", err
	}
	out := (*tags)[:0:0]
	for _, t := range *tags {
		if t.Key != TagModelSHA256 {
			out = append(out, t)
		}
	}
	out = append(out, mlflow.Tag{Key: TagModelSHA256, Value: sum})
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	*tags = out
	return source, nil
}

// waitReady polls the version until READY.
func waitReady(ctx context.Context, store mlflow.Store, cfg Config, mv *mlflow.ModelVersion) (*mlflow.ModelVersion, error) {
	deadline := time.Now().Add(cfg.ReadyTimeout)
	for {
		switch mv.Status {
		case mlflow.StatusReady, "":
			mv.Status = mlflow.StatusReady
			return mv, nil
		case mlflow.StatusFailedRegistration:
			return nil, fmt.Errorf("register-model: version %s of %q failed registration: %s (check that the tracking server can read %s)", mv.Version, cfg.ModelName, mv.StatusMessage, cfg.ModelURI)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("register-model: version %s of %q is still %s after %s: raise ReadyTimeout, or check the server's artifact store", mv.Version, cfg.ModelName, mv.Status, cfg.ReadyTimeout)
		}
		t := time.NewTimer(cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("register-model: waiting for version %s of %q: %w", mv.Version, cfg.ModelName, ctx.Err())
		case <-t.C:
		}
		next, err := store.GetModelVersion(ctx, cfg.ModelName, mv.Version)
		if err != nil {
			return nil, fmt.Errorf("register-model: reading the status of version %s of %q: %w", mv.Version, cfg.ModelName, err)
		}
		mv = next
	}
}
