package registermodel

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/components/mlflow"
	"github.com/kfpgo/kfpgo/components/mlflow/mlflowfake"
)

const secretToken = "s3cr3t-t0ken-value"

// isolateEnv clears the MLFLOW_* variables Run reads.
func isolateEnv(t *testing.T) {
	for _, k := range []string{mlflow.EnvTrackingURI, mlflow.EnvTrackingToken, mlflow.EnvTrackingUsername, mlflow.EnvTrackingPassword,
		mlflow.EnvInsecureTLS, mlflow.EnvServerCertPath, mlflow.EnvRunID, mlflow.EnvExperimentName, mlflow.EnvExperimentID,
		mlflow.EnvMaxRetries, mlflow.EnvRequestTimeout} {
		t.Setenv(k, "")
	}
}

func baseConfig(uri string, logBuf *bytes.Buffer) Config {
	return Config{
		TrackingURI:   uri,
		Client:        mlflow.Options{Token: secretToken, RetryBackoff: time.Millisecond, Retries: 3},
		ModelName:     "cars-origin",
		ModelURI:      "s3://models/cars/run-1/model",
		Description:   "softmax regression on cars.json",
		Alias:         "champion",
		PipelineRunID: "3f1c0d8e-run",
		TaskName:      "register-model",
		GitSHA:        "0123abcd",
		Params:        map[string]string{"epochs": "20", "workers": "2"},
		Metrics:       map[string]float64{"accuracy": 0.93, "loss": 0.25},
		PollInterval:  time.Millisecond,
		ReadyTimeout:  5 * time.Second,
		Logger:        slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func newFake(t *testing.T) *mlflowfake.Server {
	s := mlflowfake.New()
	s.Token = secretToken
	t.Cleanup(s.Close)
	return s
}

func TestRunRESTRegistersPollsAndSetsAlias(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	var logs bytes.Buffer
	res, err := Run(context.Background(), baseConfig(srv.URL, &logs))
	require.NoError(t, err)

	assert.Equal(t, "1", res.Version)
	assert.Equal(t, "models:/cars-origin/1", res.ModelURI)
	assert.Equal(t, mlflow.StatusReady, res.Status)
	assert.False(t, res.Reused)
	assert.Equal(t, map[string]string{"champion": "1"}, srv.Aliases("cars-origin"))
	// PendingPolls=2: two PENDING answers, then READY on the third read.
	assert.Equal(t, 3, srv.Calls("/model-versions/get"))

	vs := srv.ModelVersions("cars-origin")
	require.Len(t, vs, 1)
	v := vs[0]
	assert.Equal(t, "s3://models/cars/run-1/model", v.Source)
	assert.Equal(t, res.RunID, v.RunID)
	assert.Equal(t, "softmax regression on cars.json", v.Description)
	assert.Equal(t, []string{"champion"}, v.Aliases)
	for k, want := range map[string]string{
		TagPipelineRunID: "3f1c0d8e-run", TagTaskName: "register-model", TagGitCommit: "0123abcd",
		"metric.accuracy": "0.93", "metric.loss": "0.25",
	} {
		got, ok := v.TagValue(k)
		assert.True(t, ok, k)
		assert.Equal(t, want, got, k)
	}

	run, ok := srv.Run(res.RunID)
	require.True(t, ok)
	assert.Equal(t, mlflow.RunFinished, run.Info.Status)
	assert.Equal(t, res.ExperimentID, run.Info.ExperimentID)
	assert.Equal(t, "register-model-3f1c0d8e-run", run.Info.RunName)
	assert.Equal(t, []mlflow.Param{{Key: "epochs", Value: "20"}, {Key: "workers", Value: "2"}}, run.Data.Params)
	require.Len(t, run.Data.Metrics, 2)
	assert.Equal(t, "accuracy", run.Data.Metrics[0].Key)
	assert.InDelta(t, 0.93, run.Data.Metrics[0].Value, 0)
	assert.NotContains(t, logs.String(), secretToken)
}

func TestRunRESTTwiceRegistersOneVersion(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	var logs bytes.Buffer
	cfg := baseConfig(srv.URL, &logs)
	first, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runsAfterFirst := len(srv.Runs())
	second, err := Run(context.Background(), cfg)
	require.NoError(t, err)

	assert.Len(t, srv.ModelVersions("cars-origin"), 1)
	assert.Equal(t, first.Version, second.Version)
	assert.Equal(t, first.ModelURI, second.ModelURI)
	assert.Equal(t, first.RunID, second.RunID)
	assert.True(t, second.Reused)
	assert.Equal(t, runsAfterFirst, len(srv.Runs()), "a re-run must not create another tracking run")
	assert.Equal(t, 1, srv.Calls("/model-versions/create"))
	assert.Equal(t, 2, srv.Calls("/registered-models/create"), "RESOURCE_ALREADY_EXISTS is success")

	// Another task of the same pipeline run registers its own version.
	cfg.TaskName = "register-model-2"
	third, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, "2", third.Version)
	assert.Equal(t, map[string]string{"champion": "2"}, srv.Aliases("cars-origin"))
}

func TestRunRESTRetries429AndSucceeds(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	srv.FailNext("/registered-models/create", http.StatusTooManyRequests, 2)
	srv.FailNext("/model-versions/create", http.StatusTooManyRequests, 1)
	var logs bytes.Buffer
	res, err := Run(context.Background(), baseConfig(srv.URL, &logs))
	require.NoError(t, err)
	assert.Equal(t, "1", res.Version)
	assert.Equal(t, 3, srv.Calls("/registered-models/create"))
	assert.Equal(t, 2, srv.Calls("/model-versions/create"))
	assert.Len(t, srv.ModelVersions("cars-origin"), 1)
}

func TestRunREST5xxRetriedThenClearFailure(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	srv.FailNext("/registered-models/create", http.StatusInternalServerError, 10)
	var logs bytes.Buffer
	_, err := Run(context.Background(), baseConfig(srv.URL, &logs))
	require.Error(t, err)
	assert.Equal(t, 4, srv.Calls("/registered-models/create"), "1 attempt + 3 retries")
	var apiErr *mlflow.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	assert.Equal(t, mlflow.ErrInternalError, apiErr.ErrorCode)
	assert.Contains(t, err.Error(), `creating registered model "cars-origin"`)
	assert.Contains(t, err.Error(), "giving up after 4 attempts")
	assert.Contains(t, err.Error(), "/api/2.0/mlflow/registered-models/create")
	assert.NotContains(t, err.Error(), secretToken)
	assert.NotContains(t, logs.String(), secretToken)
}

func TestRunRESTVersionCreateNotRetriedOn500(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	srv.FailNext("/model-versions/create", http.StatusInternalServerError, 1)
	var logs bytes.Buffer
	_, err := Run(context.Background(), baseConfig(srv.URL, &logs))
	require.Error(t, err)
	assert.Equal(t, 1, srv.Calls("/model-versions/create"), "the server may have created it: no blind retry")
	// The next run of the task succeeds, registers exactly one version and
	// reuses the tracking run of the failed attempt.
	res, err := Run(context.Background(), baseConfig(srv.URL, &logs))
	require.NoError(t, err)
	assert.Equal(t, "1", res.Version)
	assert.Len(t, srv.ModelVersions("cars-origin"), 1)
	assert.Len(t, srv.Runs(), 1, "the retry found its run by the pipeline run and task tags")
}

func TestRunRESTBadToken(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	var logs bytes.Buffer
	cfg := baseConfig(srv.URL, &logs)
	cfg.Client.Token = "wrong-token-123456"
	_, err := Run(context.Background(), cfg)
	require.Error(t, err)
	var apiErr *mlflow.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "401 Unauthorized")
	assert.Contains(t, err.Error(), "MLFLOW_TRACKING_TOKEN")
	assert.NotContains(t, err.Error(), "wrong-token-123456")
	assert.NotContains(t, logs.String(), "wrong-token-123456")
	assert.Equal(t, 1, srv.Calls("/registered-models/create"), "401 is not retried")
}

func TestRunRESTBasicAuthFromEnv(t *testing.T) {
	isolateEnv(t)
	srv := mlflowfake.New()
	defer srv.Close()
	srv.Username, srv.Password = "alice", "pa55word-xyz"
	t.Setenv(mlflow.EnvTrackingURI, srv.URL)
	t.Setenv(mlflow.EnvTrackingUsername, "alice")
	t.Setenv(mlflow.EnvTrackingPassword, "pa55word-xyz")
	var logs bytes.Buffer
	cfg := baseConfig("", &logs)
	cfg.Client = mlflow.Options{}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, "models:/cars-origin/1", res.ModelURI)
	assert.NotContains(t, logs.String(), "pa55word-xyz")

	t.Setenv(mlflow.EnvTrackingPassword, "wrong-pa55word")
	_, err = Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MLFLOW_TRACKING_USERNAME")
	assert.NotContains(t, err.Error(), "wrong-pa55word")
}

func TestRunRESTUnreachable(t *testing.T) {
	isolateEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var logs bytes.Buffer
	cfg := baseConfig("http://"+addr, &logs)
	cfg.Client.Retries = 1
	_, err = Run(context.Background(), cfg)
	require.Error(t, err)
	var un *mlflow.UnreachableError
	require.ErrorAs(t, err, &un)
	assert.Equal(t, "http://"+addr, un.URL)
	assert.Contains(t, err.Error(), "cannot reach the MLflow tracking server at http://"+addr)
	assert.Contains(t, err.Error(), "MLFLOW_TRACKING_URI")
	assert.NotContains(t, logs.String(), secretToken)
}

func TestRunRESTInjectedRun(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	runID := srv.AddRun()
	t.Setenv(mlflow.EnvRunID, runID)
	var logs bytes.Buffer
	res, err := Run(context.Background(), baseConfig(srv.URL, &logs))
	require.NoError(t, err)
	assert.Equal(t, runID, res.RunID)
	assert.Equal(t, 0, srv.Calls("/runs/create"))
	assert.Equal(t, 0, srv.Calls("/runs/update"), "the injected run belongs to the launcher")
	run, _ := srv.Run(runID)
	assert.Equal(t, mlflow.RunRunning, run.Info.Status)
	assert.Len(t, run.Data.Params, 2)
	assert.Equal(t, runID, srv.ModelVersions("cars-origin")[0].RunID)

	t.Setenv(mlflow.EnvRunID, "00000000000000000000000000000000")
	cfg := baseConfig(srv.URL, &logs)
	cfg.PipelineRunID = "other"
	_, err = Run(context.Background(), cfg)
	require.Error(t, err)
	assert.True(t, mlflow.IsNotFound(err))
	assert.Contains(t, err.Error(), "MLFLOW_RUN_ID")
}

func TestRunRESTFailedRegistration(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	srv.FailRegistration = true
	var logs bytes.Buffer
	_, err := Run(context.Background(), baseConfig(srv.URL, &logs))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed registration")
	assert.Contains(t, err.Error(), "injected registration failure")
}

func TestRunRESTReadyTimeout(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	srv.PendingPolls = 1 << 30
	var logs bytes.Buffer
	cfg := baseConfig(srv.URL, &logs)
	cfg.ReadyTimeout = 20 * time.Millisecond
	_, err := Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "still PENDING_REGISTRATION")
	assert.Contains(t, err.Error(), "ReadyTimeout")
}

func TestRunBadInputs(t *testing.T) {
	isolateEnv(t)
	var logs bytes.Buffer
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		field string
		want  string
	}{
		{"no model URI", func(c *Config) { c.ModelURI = "" }, "ModelURI", "model URI is empty"},
		{"blank model URI", func(c *Config) { c.ModelURI = "  " }, "ModelURI", "model URI is empty"},
		{"no model name", func(c *Config) { c.ModelName = "" }, "ModelName", "name is empty"},
		{"path in model name", func(c *Config) { c.ModelName = "../x" }, "ModelName", "path separator"},
		{"reserved alias", func(c *Config) { c.Alias = "latest" }, "Alias", "reserved"},
		{"version alias", func(c *Config) { c.Alias = "v2" }, "Alias", "reserved"},
		{"bad alias chars", func(c *Config) { c.Alias = "champ ion" }, "Alias", "alphanumerics"},
		{"long param", func(c *Config) { c.Params = map[string]string{"p": strings.Repeat("x", 6001)} }, "Params", "6000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig("http://127.0.0.1:1", &logs)
			tc.edit(&cfg)
			_, err := Run(context.Background(), cfg)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	cfg := baseConfig("sqlite:///mlflow.db", &logs)
	_, err := Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `scheme "sqlite" is not supported`)
}

// ---- file store ----

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(b, &m))
	return m
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestRunFileStoreLayoutAndIdempotence(t *testing.T) {
	isolateEnv(t)
	root := filepath.Join(t.TempDir(), "mlruns")
	var logs bytes.Buffer
	cfg := baseConfig("file://"+root, &logs)
	cfg.ExperimentName = "cartrain"
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, "1", res.Version)
	assert.Equal(t, "models:/cars-origin/1", res.ModelURI)

	// Default experiment and trash, as MLflow creates them.
	def := readYAML(t, filepath.Join(root, "0", "meta.yaml"))
	assert.Equal(t, "Default", def["name"])
	assert.Equal(t, "0", def["experiment_id"])
	assert.Equal(t, "file://"+root+"/0", def["artifact_location"])
	assert.DirExists(t, filepath.Join(root, ".trash"))

	// The experiment.
	expDir := filepath.Join(root, res.ExperimentID)
	exp := readYAML(t, filepath.Join(expDir, "meta.yaml"))
	assert.Len(t, res.ExperimentID, 18)
	assert.Equal(t, map[string]any{
		"artifact_location": "file://" + expDir, "creation_time": exp["creation_time"], "experiment_id": res.ExperimentID,
		"last_update_time": exp["creation_time"], "lifecycle_stage": "active", "name": "cartrain",
	}, exp)

	// The run.
	runDir := filepath.Join(expDir, res.RunID)
	run := readYAML(t, filepath.Join(runDir, "meta.yaml"))
	assert.Equal(t, res.RunID, run["run_id"])
	assert.NotContains(t, run, "run_uuid", "MLflow 3 writes no run_uuid")
	assert.Equal(t, res.ExperimentID, run["experiment_id"])
	assert.Equal(t, "register-model-3f1c0d8e-run", run["run_name"])
	assert.Equal(t, "file://"+runDir+"/artifacts", run["artifact_uri"])
	assert.Equal(t, float64(3), run["status"], "FINISHED")
	assert.Equal(t, float64(4), run["source_type"], "LOCAL")
	assert.Equal(t, "active", run["lifecycle_stage"])
	assert.Equal(t, []any{}, run["tags"])
	assert.NotNil(t, run["end_time"])
	assert.Equal(t, "20", readText(t, filepath.Join(runDir, "params", "epochs")))
	assert.Equal(t, "2", readText(t, filepath.Join(runDir, "params", "workers")))
	acc := strings.Fields(readText(t, filepath.Join(runDir, "metrics", "accuracy")))
	require.Len(t, acc, 3)
	assert.Equal(t, "0.93", acc[1])
	assert.Equal(t, "0", acc[2])
	assert.Equal(t, "register-model-3f1c0d8e-run", readText(t, filepath.Join(runDir, "tags", "mlflow.runName")))
	assert.Equal(t, "3f1c0d8e-run", readText(t, filepath.Join(runDir, "tags", "kfp.pipeline_run_id")))
	assert.Equal(t, "0123abcd", readText(t, filepath.Join(runDir, "tags", "mlflow.source.git.commit")))
	assert.DirExists(t, filepath.Join(runDir, "artifacts"))

	// The registry.
	modelDir := filepath.Join(root, "models", "cars-origin")
	rm := readYAML(t, filepath.Join(modelDir, "meta.yaml"))
	assert.Equal(t, "cars-origin", rm["name"])
	assert.Nil(t, rm["description"])
	assert.Equal(t, map[string]any{"champion": "1"}, rm["aliases"])
	assert.Contains(t, rm, "creation_timestamp")
	assert.Contains(t, rm, "last_updated_timestamp")
	assert.Equal(t, "1", readText(t, filepath.Join(modelDir, "aliases", "champion")))

	vDir := filepath.Join(modelDir, "version-1")
	mv := readYAML(t, filepath.Join(vDir, "meta.yaml"))
	assert.Equal(t, map[string]any{
		"creation_timestamp": mv["creation_timestamp"], "current_stage": "None", "deployment_job_state": nil,
		"description": "softmax regression on cars.json", "last_updated_timestamp": mv["creation_timestamp"],
		"model_id": nil, "name": "cars-origin", "run_id": res.RunID, "run_link": nil,
		"source": "s3://models/cars/run-1/model", "status": "READY", "status_message": nil,
		"storage_location": "s3://models/cars/run-1/model", "user_id": nil, "version": float64(1),
	}, mv)
	assert.Equal(t, "3f1c0d8e-run", readText(t, filepath.Join(vDir, "tags", "kfp.pipeline_run_id")))
	assert.Equal(t, "register-model", readText(t, filepath.Join(vDir, "tags", "kfp.task_name")))
	assert.Equal(t, "0.93", readText(t, filepath.Join(vDir, "tags", "metric.accuracy")))

	// Re-run: nothing new.
	again, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.True(t, again.Reused)
	assert.Equal(t, res.ModelURI, again.ModelURI)
	assert.Equal(t, res.RunID, again.RunID)
	assert.NoDirExists(t, filepath.Join(modelDir, "version-2"))
	ents, err := os.ReadDir(expDir)
	require.NoError(t, err)
	var runDirs []string
	for _, e := range ents {
		if e.IsDir() {
			runDirs = append(runDirs, e.Name())
		}
	}
	assert.Equal(t, []string{res.RunID}, runDirs, "one run directory only")

	// A new pipeline run registers version 2 and moves the alias.
	cfg.PipelineRunID = "second-run"
	next, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, "2", next.Version)
	assert.Equal(t, "2", readText(t, filepath.Join(modelDir, "aliases", "champion")))

	// No temporary files are left behind.
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		assert.False(t, strings.HasPrefix(d.Name(), ".kfpgo-tmp-"), p)
		return nil
	}))
}

func TestRunFileStorePlainDirectoryAndInjectedRun(t *testing.T) {
	isolateEnv(t)
	root := t.TempDir() // exists already: no Default experiment is created
	store, err := mlflow.OpenFileStore(root)
	require.NoError(t, err)
	expID, err := store.CreateExperiment(context.Background(), "launcher", "", nil)
	require.NoError(t, err)
	run, err := store.CreateRun(context.Background(), mlflow.CreateRunRequest{ExperimentID: expID, RunName: "from-kfp"})
	require.NoError(t, err)
	t.Setenv(mlflow.EnvRunID, run.Info.RunID)

	var logs bytes.Buffer
	res, err := Run(context.Background(), baseConfig(root, &logs))
	require.NoError(t, err)
	assert.Equal(t, run.Info.RunID, res.RunID)
	assert.Equal(t, expID, res.ExperimentID)
	got, err := store.GetRun(context.Background(), run.Info.RunID)
	require.NoError(t, err)
	assert.Equal(t, mlflow.RunRunning, got.Info.Status)
	assert.Equal(t, []mlflow.Param{{Key: "epochs", Value: "20"}, {Key: "workers", Value: "2"}}, got.Data.Params)
	assert.NoDirExists(t, filepath.Join(root, "0"))
}

func TestRunFileStoreUnwritable(t *testing.T) {
	isolateEnv(t)
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	var logs bytes.Buffer
	_, err := Run(context.Background(), baseConfig("file:"+f, &logs))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a directory")
	assert.False(t, errors.Is(err, context.Canceled))
}

func TestRunIdentityReusesAcrossPipelineRuns(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	var logs bytes.Buffer
	cfg := baseConfig(srv.URL, &logs)
	cfg.Identity = map[string]string{"kfpgo.model_sha256": "ab12"}
	first, err := Run(context.Background(), cfg)
	require.NoError(t, err)

	// A new pipeline run of the same model content reuses the version.
	cfg.PipelineRunID = "another-run"
	second, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.True(t, second.Reused)
	assert.Equal(t, first.Version, second.Version)
	assert.Len(t, srv.ModelVersions("cars-origin"), 1)

	// Different content registers a new version.
	cfg.Identity = map[string]string{"kfpgo.model_sha256": "cd34"}
	third, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.False(t, third.Reused)
	assert.Equal(t, "2", third.Version)
}
