package mlflowfake_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/mlflow"
	"github.com/kfpgo/kfpgo/components/mlflow/mlflowfake"
)

func client(t *testing.T, srv *mlflowfake.Server) *mlflow.Client {
	t.Helper()
	c, err := mlflow.New(mlflow.Options{TrackingURI: srv.URL, Retries: -1, RetryBackoff: time.Millisecond})
	require.NoError(t, err)
	return c
}

// refusal asserts err is MLflow's answer with this status, code and message
// text.
func refusal(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	var e *mlflow.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, status, e.StatusCode)
	assert.Equal(t, code, e.ErrorCode)
	assert.Contains(t, e.Message, msg)
}

func newRun(t *testing.T, c *mlflow.Client) *mlflow.Run {
	t.Helper()
	run, err := c.CreateRun(context.Background(), mlflow.CreateRunRequest{ExperimentID: "0", RunName: "r"})
	require.NoError(t, err)
	return run
}

// _validate_source_run and _validate_non_local_source_contains_relative_paths
// of mlflow/server/handlers.py, on a server that proxies artifacts.
func TestFakeVersionSourceRules(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	c := client(t, srv)
	ctx := context.Background()
	_, err := c.CreateRegisteredModel(ctx, "m", "", nil)
	require.NoError(t, err)
	run := newRun(t, c)
	assert.Equal(t, "mlflow-artifacts:/0/"+run.Info.RunID+"/artifacts", run.Info.ArtifactURI)

	localMsg := "To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id."
	relMsg := "an absolute path must be provided without relative path references present"
	for _, tc := range []struct {
		name, source, runID string
		status              int
		code, msg           string
	}{
		{"local path without run_id", "/runs/x/model", "", 400, mlflow.ErrInvalidParameterValue, "Invalid model version source: '/runs/x/model'. " + localMsg},
		{"file URI without run_id", "file:///runs/x/model", "", 400, mlflow.ErrInvalidParameterValue, localMsg},
		{"local path with a proxied run", "/runs/x/model", run.Info.RunID, 400, mlflow.ErrInvalidParameterValue, localMsg},
		{"local path with a missing run", "/runs/x/model", "0123456789abcdef0123456789abcdef", 404, mlflow.ErrResourceDoesNotExist, "not found"},
		{"relative path", "model", "", 400, mlflow.ErrInvalidParameterValue, localMsg},
		{"dot-dot in s3", "s3://bucket/models/../other", "", 400, mlflow.ErrInvalidParameterValue, relMsg},
		{"encoded dot-dot", "mlflow-artifacts:/0/%2E%2E/%2E%2E/etc", "", 400, mlflow.ErrInvalidParameterValue, "Invalid model version source: 'mlflow-artifacts:/0/../../etc'"},
		{"dot segment", "s3://bucket/./m", "", 400, mlflow.ErrInvalidParameterValue, relMsg},
		{"bucket only", "s3://bucket", "", 400, mlflow.ErrInvalidParameterValue, relMsg},
		{"models URI of a missing version", "models:/m/7", "", 500, mlflow.ErrInternalError, "Unable to fetch model from model URI source artifact location 'models:/m/7'.Error: Model Version (name=m, version=7) not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: tc.source, RunID: tc.runID})
			refusal(t, err, tc.status, tc.code, tc.msg)
		})
	}
	assert.Empty(t, srv.ModelVersions("m"), "no refused request created a version")

	for _, src := range []string{
		run.Info.ArtifactURI + "/model", // what mlflow.register_model("runs:/<id>/model") sends
		"runs:/" + run.Info.RunID + "/model",
		"s3://bucket/models/cars",
		"models:/m/1",
		"hf://org/model",
	} {
		_, err := c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: src, RunID: run.Info.RunID})
		assert.NoError(t, err, src)
	}
	assert.Len(t, srv.ModelVersions("m"), 5)
}

// With a local artifact root (mlflow server --default-artifact-root /dir
// --no-serve-artifacts), a local source inside the run's artifact
// directory is accepted, and one outside it refused.
func TestFakeLocalArtifactRoot(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	srv.ArtifactRoot = "file:///srv/mlruns"
	c := client(t, srv)
	ctx := context.Background()
	_, err := c.CreateRegisteredModel(ctx, "m", "", nil)
	require.NoError(t, err)
	run := newRun(t, c)
	dir := "/srv/mlruns/0/" + run.Info.RunID + "/artifacts"
	assert.Equal(t, "file://"+dir, run.Info.ArtifactURI)
	_, err = c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: dir + "/model", RunID: run.Info.RunID})
	assert.NoError(t, err)
	_, err = c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: "file://" + dir + "/../../other/artifacts/model", RunID: run.Info.RunID})
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "Invalid model version source: '/srv/mlruns/0/other/artifacts/model'")
}

// Tag, param and metric rules of log-batch and model-versions/create
// (mlflow/utils/validation.py), and the run lifecycle.
func TestFakeLogBatchRules(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	c := client(t, srv)
	ctx := context.Background()
	run := newRun(t, c)
	id := run.Info.RunID

	err := c.LogBatch(ctx, id, nil, []mlflow.Param{{Key: "a/../b", Value: "1"}}, nil)
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "Invalid parameter name: 'a/../b'. Names may be treated as files in certain cases")
	err = c.LogBatch(ctx, id, nil, []mlflow.Param{{Key: "lr!", Value: "1"}}, nil)
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "Invalid parameter name: 'lr!'. Names may only contain")
	err = c.LogBatch(ctx, id, nil, nil, []mlflow.Tag{{Key: "/abs", Value: "1"}})
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "Invalid tag name: '/abs'")
	err = c.LogBatch(ctx, id, nil, []mlflow.Param{{Key: strings.Repeat("k", 251), Value: "1"}}, nil)
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "had length 251, which exceeded length limit of 250")
	err = c.LogBatch(ctx, id, nil, []mlflow.Param{{Key: "x", Value: "1"}, {Key: "x", Value: "1"}}, nil)
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "Duplicate parameter keys have been submitted: ['x']")

	// Long values are truncated (MLFLOW_TRUNCATE_LONG_VALUES defaults to true).
	require.NoError(t, c.LogBatch(ctx, id, nil, []mlflow.Param{{Key: "long", Value: strings.Repeat("p", 7000)}}, []mlflow.Tag{{Key: "t", Value: strings.Repeat("t", 6000)}}))
	got, ok := srv.Run(id)
	require.True(t, ok)
	for _, p := range got.Data.Params {
		if p.Key == "long" {
			assert.Len(t, p.Value, 6000)
		}
	}
	for _, tg := range got.Data.Tags {
		if tg.Key == "t" {
			assert.Len(t, tg.Value, 5000)
		}
	}

	_, err = c.CreateRegisteredModel(ctx, "m", "", nil)
	require.NoError(t, err)
	_, err = c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: "s3://b/m", Tags: []mlflow.Tag{{Key: "v", Value: strings.Repeat("v", 5001)}}})
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "Model version value")

	srv.DeleteRun(id)
	err = c.LogBatch(ctx, id, nil, []mlflow.Param{{Key: "y", Value: "1"}}, nil)
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "The run "+id+" must be in the 'active' state. Current state is deleted.")
	err = c.UpdateRun(ctx, id, mlflow.RunFinished, 1)
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "must be in the 'active' state")
	runs, err := c.FindRuns(ctx, "0", map[string]string{"t": strings.Repeat("t", 5000)})
	require.NoError(t, err)
	assert.Empty(t, runs, "runs/search lists active runs only")
}

func TestFakeAliasRules(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	c := client(t, srv)
	ctx := context.Background()
	_, err := c.CreateRegisteredModel(ctx, "m", "", nil)
	require.NoError(t, err)
	_, err = c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: "s3://b/m"})
	require.NoError(t, err)
	for alias, msg := range map[string]string{
		"":                       "Missing value for required parameter 'alias'",
		"Latest":                 "'Latest' alias name (case insensitive) is reserved.",
		"v3":                     "Version alias name 'v3' is reserved.",
		"a b":                    "Invalid alias name: 'a b'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
		strings.Repeat("a", 256): "had length 256, which exceeded length limit of 255",
	} {
		refusal(t, c.SetRegisteredModelAlias(ctx, "m", alias, "1"), 400, mlflow.ErrInvalidParameterValue, msg)
	}
	assert.NoError(t, c.SetRegisteredModelAlias(ctx, "m", "champion", "1"))
}

// The mlflow-artifacts endpoints (_upload_artifact, _download_artifact,
// _list_artifacts_mlflow_artifacts, validate_path_is_safe).
func TestFakeArtifactEndpoints(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	c := client(t, srv)
	ctx := context.Background()
	open := func(s string) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
	}
	require.NoError(t, c.UploadArtifact(ctx, "0/r/artifacts/model/MLmodel", open("flavors: {}\n"), 12))
	require.NoError(t, c.UploadArtifact(ctx, "0/r/artifacts/model/data/w.bin", open("abc"), 3))
	require.NoError(t, c.UploadArtifact(ctx, "0/r/artifacts/model/empty", open(""), 0))
	top, err := c.ListArtifacts(ctx, "0/r/artifacts/model")
	require.NoError(t, err)
	assert.Equal(t, []mlflow.FileInfo{{Path: "MLmodel", FileSize: 12}, {Path: "data", IsDir: true}, {Path: "empty"}}, top)
	all, err := c.WalkArtifacts(ctx, "0/r/artifacts/model")
	require.NoError(t, err)
	assert.Equal(t, []mlflow.FileInfo{{Path: "MLmodel", FileSize: 12}, {Path: "data/w.bin", FileSize: 3}, {Path: "empty"}}, all)
	none, err := c.ListArtifacts(ctx, "0/nothing")
	require.NoError(t, err)
	assert.Empty(t, none)
	var buf bytes.Buffer
	require.NoError(t, c.DownloadArtifact(ctx, "0/r/artifacts/model/data/w.bin", &buf))
	assert.Equal(t, "abc", buf.String())
	refusal(t, c.DownloadArtifact(ctx, "0/r/missing", &buf), 500, mlflow.ErrInternalError, "The following failures occurred while downloading")

	for _, p := range []string{"a%23b", "a%5Cb", "%2Fetc%2Fpasswd"} {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+mlflow.ArtifactsPrefix+"/"+p, strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 400, resp.StatusCode, p)
		assert.JSONEq(t, `{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid path"}`, string(body), p)
	}
	assert.Error(t, c.UploadArtifact(ctx, "a/../b", open("x"), 1), "the client refuses before sending")

	srv.NoServeArtifacts = true
	_, err = c.ListArtifacts(ctx, "0")
	refusal(t, err, 503, "", "disabled due to the mlflow server running with `--no-serve-artifacts`")
}

func TestFakeSearchRuns(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	c := client(t, srv)
	ctx := context.Background()
	a, err := c.CreateRun(ctx, mlflow.CreateRunRequest{ExperimentID: "0", Tags: []mlflow.Tag{{Key: "kfp.pipeline_run_id", Value: "p1"}, {Key: "kfp.task_name", Value: "register"}}})
	require.NoError(t, err)
	_, err = c.CreateRun(ctx, mlflow.CreateRunRequest{ExperimentID: "0", Tags: []mlflow.Tag{{Key: "kfp.pipeline_run_id", Value: "p2"}, {Key: "kfp.task_name", Value: "register"}}})
	require.NoError(t, err)
	runs, err := c.FindRuns(ctx, "0", map[string]string{"kfp.pipeline_run_id": "p1", "kfp.task_name": "register"})
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, a.Info.RunID, runs[0].Info.RunID)
	_, _, err = c.SearchRuns(ctx, []string{"0"}, "params.lr > 1", 0, "")
	refusal(t, err, 400, mlflow.ErrInvalidParameterValue, "Invalid clause")
}
