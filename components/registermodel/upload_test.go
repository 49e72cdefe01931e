package registermodel

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/mlflow"
)

// writeModel writes a small model directory: MLmodel, a 3 MiB weights file
// in a subdirectory, and an empty file.
func writeModel(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "distributed-train", "artifacts", "model")
	weights := make([]byte, 3<<20)
	_, _ = rand.Read(weights)
	files := map[string][]byte{"MLmodel": []byte("flavors:\n  go: {}\n"), "data/weights.bin": weights, "empty.txt": {}}
	for rel, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
	return dir, files
}

// requestLine is "METHOD path" of a request to the fake, with the run's ID
// replaced by <run> so that sequences compare across runs.
func requestLines(reqs []string, runID string) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = strings.ReplaceAll(r, runID, "<run>")
	}
	return out
}

// A local model goes: create run → upload every file through the
// artifact proxy → check sizes → finish run → create the version with the
// run's artifact source and run_id → poll READY → alias. The old client
// sent the local path as the source, which MLflow's server (and now the
// fake) refuses.
func TestRunRESTLocalModelUploadsThenRegisters(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	dir, files := writeModel(t)
	for _, uri := range []string{dir, mlflow.FileURI(dir)} {
		t.Run(uri[:4], func(t *testing.T) {
			var logs bytes.Buffer
			cfg := baseConfig(srv.URL, &logs)
			cfg.ModelURI = uri
			cfg.PipelineRunID = "run-" + uri[:4]
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err, logs.String())

			run, ok := srv.Run(res.RunID)
			require.True(t, ok)
			wantSource := run.Info.ArtifactURI + "/model"
			assert.Equal(t, "mlflow-artifacts:/0/"+res.RunID+"/artifacts/model", wantSource)
			assert.Equal(t, wantSource, res.Source)
			assert.Equal(t, mlflow.RunFinished, run.Info.Status)
			var v mlflow.ModelVersion
			for _, mv := range srv.ModelVersions("cars-origin") {
				if mv.Version == res.Version {
					v = mv
				}
			}
			assert.Equal(t, wantSource, v.Source)
			assert.Equal(t, res.RunID, v.RunID)
			sum, err := hashTree(dir)
			require.NoError(t, err)
			got, _ := v.TagValue(TagModelSHA256)
			assert.Equal(t, sum, got, "digest tag")
			assert.Equal(t, res.Version, srv.Aliases("cars-origin")["champion"])
			for rel, b := range files {
				stored, ok := srv.Artifact("0/" + res.RunID + "/artifacts/model/" + rel)
				assert.True(t, ok, rel)
				assert.True(t, bytes.Equal(b, stored), rel)
			}
			assert.Regexp(t, `msg="register-model: uploaded" files=3/3 bytes=3145746/3145746 rate="[0-9.]+ [KMG]?i?B/s"`, logs.String())
		})
	}

	var seq []string
	var runID string
	for _, r := range srv.Requests() {
		if strings.Contains(r.Query, "run-file") || strings.Contains(r.Body, "run-file") || len(seq) > 0 {
			seq = append(seq, r.Method+" "+r.Path)
		}
	}
	for _, r := range srv.Requests() {
		if r.Path == mlflow.APIPrefix+"/runs/update" && strings.Contains(r.Body, `"FINISHED"`) {
			runID = r.Body[strings.Index(r.Body, `"run_id":"`)+10:][:32]
		}
	}
	assert.Equal(t, []string{
		"GET /api/2.0/mlflow/model-versions/search",
		"GET /api/2.0/mlflow/experiments/get-by-name",
		"POST /api/2.0/mlflow/runs/search",
		"POST /api/2.0/mlflow/runs/create",
		"POST /api/2.0/mlflow/runs/log-batch",
		"PUT /api/2.0/mlflow-artifacts/artifacts/0/<run>/artifacts/model/MLmodel",
		"PUT /api/2.0/mlflow-artifacts/artifacts/0/<run>/artifacts/model/data/weights.bin",
		"PUT /api/2.0/mlflow-artifacts/artifacts/0/<run>/artifacts/model/empty.txt",
		"GET /api/2.0/mlflow-artifacts/artifacts",
		"GET /api/2.0/mlflow-artifacts/artifacts",
		"POST /api/2.0/mlflow/runs/update",
		"POST /api/2.0/mlflow/model-versions/create",
		"GET /api/2.0/mlflow/model-versions/get",
		"GET /api/2.0/mlflow/model-versions/get",
		"GET /api/2.0/mlflow/model-versions/get",
		"POST /api/2.0/mlflow/registered-models/alias",
	}, requestLines(seq, runID))
}

// A server whose runs keep their artifacts where this client cannot write
// (mlflow server --no-serve-artifacts --default-artifact-root s3://…):
// a clear error naming both fixes, no version, the run marked FAILED.
func TestRunRESTLocalModelNotProxied(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	srv.ArtifactRoot = "s3://bucket/mlruns"
	dir, _ := writeModel(t)
	var logs bytes.Buffer
	cfg := baseConfig(srv.URL, &logs)
	cfg.ModelURI = dir
	_, err := Run(context.Background(), cfg)
	var np *NotProxiedError
	require.ErrorAs(t, err, &np)
	assert.Contains(t, err.Error(), `at "s3://bucket/mlruns/0/`)
	assert.Contains(t, err.Error(), "--serve-artifacts --artifacts-destination")
	assert.Contains(t, err.Error(), "pass that URI as the model, which is registered by reference")
	assert.Empty(t, srv.ModelVersions("cars-origin"))
	assert.Empty(t, srv.ArtifactPaths())
	run, ok := srv.Run(np.RunID)
	require.True(t, ok)
	assert.Equal(t, mlflow.RunFailed, run.Info.Status)
}

// A 4xx refusal fails at once with MLflow's code and message; the retried
// task reuses its tracking run and its uploaded files, and registers one
// version.
func TestRunRESTRefusalFailsFastAndRetryReusesRun(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	dir, _ := writeModel(t)
	var logs bytes.Buffer
	cfg := baseConfig(srv.URL, &logs)
	cfg.ModelURI = dir
	cfg.Tags = map[string]string{"note": strings.Repeat("x", 5001)} // over MLflow's 5000-character version tag limit
	_, err := Run(context.Background(), cfg)
	var e *mlflow.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusBadRequest, e.StatusCode)
	assert.Equal(t, mlflow.ErrInvalidParameterValue, e.ErrorCode)
	assert.Contains(t, err.Error(), "400 Bad Request: INVALID_PARAMETER_VALUE: Model version value")
	assert.NotContains(t, err.Error(), "giving up after", "a 4xx is not retried")
	assert.Equal(t, 1, srv.Calls("/model-versions/create"))

	cfg.Tags = nil
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Len(t, srv.Runs(), 1, "the retry reused the run of the failed attempt")
	assert.Equal(t, res.RunID, srv.Runs()[0])
	assert.Len(t, srv.ModelVersions("cars-origin"), 1)
	assert.Len(t, srv.ArtifactPaths(), 3, "the upload overwrote the same files")
}

// A remote model is registered by reference: nothing is uploaded.
func TestRunRESTRemoteModelByReference(t *testing.T) {
	isolateEnv(t)
	for _, uri := range []string{"s3://models/cars/model", "gs://b/m", "minio://b/m", "oci://registry.example.com/cars:1", "hf://org/cars"} {
		srv := newFake(t)
		var logs bytes.Buffer
		cfg := baseConfig(srv.URL, &logs)
		cfg.ModelURI = uri
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err, uri)
		assert.Equal(t, uri, res.Source)
		assert.Empty(t, srv.ArtifactPaths(), uri)
		assert.Equal(t, uri, srv.ModelVersions("cars-origin")[0].Source)
	}
}

func TestNotProxiedErrorHidesUserInfo(t *testing.T) {
	err := &NotProxiedError{RunID: "r", ArtifactURI: "https://bob:hunter2@files.example.com/mlruns/1/r/artifacts"}
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Contains(t, err.Error(), `"https://[REDACTED]@files.example.com/mlruns/1/r/artifacts"`)
	assert.Equal(t, "s3://bucket/a@b", hideUserInfo("s3://bucket/a@b"))
}

func TestIsLocalURI(t *testing.T) {
	for uri, want := range map[string]bool{
		"/runs/x/model": true, "model": true, "file:///runs/x/model": true, "file://localhost/x": true,
		"file://remote-host/x": false, "s3://b/m": false, "gs://b/m": false, "minio://b/m": false,
		"oci://registry/m:1": false, "hf://org/m": false, "runs:/abc/model": false, "models:/m/1": false, "": false,
	} {
		assert.Equal(t, want, IsLocalURI(uri), uri)
	}
}

// An upload answered 503 is sent again from the file's start (the body is
// re-opened, never buffered); a 4xx on an upload fails at once.
func TestRunRESTUploadRetriesThenRefusal(t *testing.T) {
	isolateEnv(t)
	srv := newFake(t)
	dir, files := writeModel(t)
	var logs bytes.Buffer
	cfg := baseConfig(srv.URL, &logs)
	cfg.ModelURI = dir
	// The run of an earlier attempt exists (found by its tags), so the
	// upload paths are known in advance.
	run, err := mlflowClient(t, srv.URL).CreateRun(context.Background(), mlflow.CreateRunRequest{ExperimentID: "0",
		Tags: []mlflow.Tag{{Key: TagPipelineRunID, Value: cfg.PipelineRunID}, {Key: TagTaskName, Value: cfg.TaskName}}})
	require.NoError(t, err)
	weights := mlflow.ArtifactsPrefix + "/0/" + run.Info.RunID + "/artifacts/model/data/weights.bin"
	srv.FailNext(weights, http.StatusServiceUnavailable, 2)
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err, logs.String())
	assert.Equal(t, run.Info.RunID, res.RunID, "the pre-existing run of this task was reused")
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == weights {
			n++
		}
	}
	assert.Equal(t, 3, n, "two 503 answers, then stored")
	stored, ok := srv.Artifact("0/" + run.Info.RunID + "/artifacts/model/data/weights.bin")
	require.True(t, ok)
	assert.True(t, bytes.Equal(files["data/weights.bin"], stored))
	assert.Contains(t, logs.String(), "bytes=3145746/3145746")

	cfg.PipelineRunID = "another-run"
	srv.FailNext(weights, http.StatusBadRequest, 1)
	cfg2 := cfg
	cfg2.RunID = run.Info.RunID
	_, err = Run(context.Background(), cfg2)
	var e *mlflow.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusBadRequest, e.StatusCode)
	assert.NotContains(t, err.Error(), "giving up after")
}

func mlflowClient(t *testing.T, url string) *mlflow.Client {
	t.Helper()
	c, err := mlflow.New(mlflow.Options{TrackingURI: url, Token: secretToken})
	require.NoError(t, err)
	return c
}
