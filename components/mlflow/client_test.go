package mlflow_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/mlflow"
	"github.com/kfpgo/kfpgo/components/mlflow/mlflowfake"
)

const token = "tok-very-secret-42"

func newClient(t *testing.T, url string, logs *bytes.Buffer) *mlflow.Client {
	t.Helper()
	c, err := mlflow.New(mlflow.Options{
		TrackingURI: url, Token: token, Retries: 2, RetryBackoff: time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	return c
}

func TestClientErrorsAndRetries(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	srv.Token = token
	var logs bytes.Buffer
	c := newClient(t, srv.URL, &logs)
	ctx := context.Background()

	_, err := c.CreateRegisteredModel(ctx, "m", "first", []mlflow.Tag{{Key: "team", Value: "cars"}})
	require.NoError(t, err)
	_, err = c.CreateRegisteredModel(ctx, "m", "", nil)
	assert.True(t, mlflow.IsAlreadyExists(err))
	assert.Contains(t, err.Error(), "400 Bad Request: RESOURCE_ALREADY_EXISTS: Registered Model (name=m) already exists.")

	_, err = c.GetRegisteredModel(ctx, "nope")
	assert.True(t, mlflow.IsNotFound(err))
	var e *mlflow.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusNotFound, e.StatusCode)
	assert.Equal(t, "/api/2.0/mlflow/registered-models/get", e.Path)

	_, err = c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m"})
	assert.True(t, mlflow.IsErrorCode(err, mlflow.ErrInvalidParameterValue))

	// 503 on a create is retried (the server did not act); 500 is not.
	srv.FailNext("/model-versions/create", http.StatusServiceUnavailable, 2)
	mv, err := c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: "s3://bucket/m"})
	require.NoError(t, err)
	assert.Equal(t, mlflow.StatusPendingRegistration, mv.Status)
	assert.Equal(t, 4, srv.Calls("/model-versions/create"))

	// 502 on a read is retried until the retries run out.
	srv.FailNext("/model-versions/get", http.StatusBadGateway, 3)
	_, err = c.GetModelVersion(ctx, "m", "1")
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusBadGateway, e.StatusCode)
	assert.Contains(t, err.Error(), "giving up after 3 attempts")

	assert.NoError(t, c.SetRegisteredModelAlias(ctx, "m", "champion", "1"))
	rm, err := c.GetRegisteredModel(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, []mlflow.RegisteredModelAlias{{Alias: "champion", Version: "1"}}, rm.Aliases)
	err = c.SetRegisteredModelAlias(ctx, "m", "champion", "9")
	assert.True(t, mlflow.IsNotFound(err))

	assert.NotContains(t, logs.String(), token)
	assert.Contains(t, logs.String(), `"path":"/api/2.0/mlflow/model-versions/create"`)
	for _, r := range srv.Requests() {
		assert.NotContains(t, r.Body, token)
	}
}

func TestClientRedactsEchoedSecrets(t *testing.T) {
	// A proxy that echoes the Authorization header in its error page.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<html>denied for %s</html>", r.Header.Get("Authorization"))
	}))
	defer ts.Close()
	var logs bytes.Buffer
	c := newClient(t, ts.URL, &logs)
	_, err := c.GetExperimentByName(context.Background(), "x")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "Bearer xxxxx")
	assert.Contains(t, err.Error(), "403 Forbidden")
	assert.Contains(t, err.Error(), "lacks permission")
	assert.NotContains(t, logs.String(), token)
}

func TestClientBasicAuthWinsAndUserInfo(t *testing.T) {
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Write([]byte(`{"experiment":{"experiment_id":"7","name":"x"}}`))
	}))
	defer ts.Close()
	u := strings.Replace(ts.URL, "http://", "http://bob:hunter2-pw@", 1)
	c, err := mlflow.New(mlflow.Options{TrackingURI: u, Token: token})
	require.NoError(t, err)
	assert.NotContains(t, c.TrackingURI(), "hunter2")
	e, err := c.GetExperimentByName(context.Background(), "x")
	require.NoError(t, err)
	assert.Equal(t, "7", e.ExperimentID)
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], "Basic "), got[0])
}

func TestClientOptionErrors(t *testing.T) {
	_, err := mlflow.New(mlflow.Options{})
	assert.ErrorContains(t, err, "MLFLOW_TRACKING_URI")
	_, err = mlflow.New(mlflow.Options{TrackingURI: "ftp://x"})
	assert.ErrorContains(t, err, "not an http(s) URL")
	_, err = mlflow.New(mlflow.Options{TrackingURI: "https://x", CAFile: "/ca.pem", InsecureSkipVerify: true})
	assert.ErrorContains(t, err, "MLFLOW_TRACKING_INSECURE_TLS")
	_, err = mlflow.New(mlflow.Options{TrackingURI: "https://x", CAFile: "/does/not/exist.pem"})
	assert.ErrorContains(t, err, "MLFLOW_TRACKING_SERVER_CERT_PATH")
}

func TestClientInsecureTLS(t *testing.T) {
	srv := mlflowfake.New()
	srv.Close()
	tls := httptest.NewUnstartedServer(srv.Config.Handler)
	tls.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below is expected
	tls.StartTLS()
	defer tls.Close()
	var logs bytes.Buffer
	strict := newClient(t, tls.URL, &logs)
	_, err := strict.GetExperimentByName(context.Background(), "Default")
	var un *mlflow.UnreachableError
	require.ErrorAs(t, err, &un, "an unknown CA fails verification")

	t.Setenv(mlflow.EnvTrackingURI, tls.URL)
	t.Setenv(mlflow.EnvInsecureTLS, "true")
	opts := mlflow.OptionsFromEnv()
	c, err := mlflow.New(opts)
	require.NoError(t, err)
	e, err := c.GetExperimentByName(context.Background(), "Default")
	require.NoError(t, err)
	assert.Equal(t, "0", e.ExperimentID)
}

func TestClientSearchPagination(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	srv.PendingPolls = 0
	var logs bytes.Buffer
	c := newClient(t, srv.URL, &logs)
	ctx := context.Background()
	_, err := c.CreateRegisteredModel(ctx, "m", "", nil)
	require.NoError(t, err)
	for i := range 205 {
		tags := []mlflow.Tag{{Key: "kfp.pipeline_run_id", Value: "r1"}}
		if i%2 == 1 {
			tags[0].Value = "r2"
		}
		_, err := c.CreateModelVersion(ctx, mlflow.CreateModelVersionRequest{Name: "m", Source: "s3://b/m", Tags: tags})
		require.NoError(t, err)
	}
	all, err := c.FindModelVersions(ctx, "m", nil)
	require.NoError(t, err)
	assert.Len(t, all, 205)
	assert.Equal(t, 2, srv.Calls("/model-versions/search"))
	r2, err := c.FindModelVersions(ctx, "m", map[string]string{"kfp.pipeline_run_id": "r2"})
	require.NoError(t, err)
	assert.Len(t, r2, 102)
	f, err := mlflow.VersionFilter("m", map[string]string{"kfp.task_name": "t", "a": "b"})
	require.NoError(t, err)
	assert.Equal(t, "name = 'm' AND tags.`a` = 'b' AND tags.`kfp.task_name` = 't'", f)
	_, err = mlflow.VersionFilter("it's", nil)
	assert.Error(t, err)
}

func TestClientLogBatchSplits(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	var logs bytes.Buffer
	c := newClient(t, srv.URL, &logs)
	ctx := context.Background()
	run, err := c.CreateRun(ctx, mlflow.CreateRunRequest{ExperimentID: "0", RunName: "r"})
	require.NoError(t, err)
	var params []mlflow.Param
	for i := range 250 {
		params = append(params, mlflow.Param{Key: fmt.Sprintf("p%03d", i), Value: "v"})
	}
	var metrics []mlflow.Metric
	for i := range 1500 {
		metrics = append(metrics, mlflow.Metric{Key: "loss", Value: float64(i), Step: int64(i), Timestamp: 1})
	}
	require.NoError(t, c.LogBatch(ctx, run.Info.RunID, metrics, params, nil))
	assert.Equal(t, 3, srv.Calls("/runs/log-batch"))
	got, _ := srv.Run(run.Info.RunID)
	assert.Len(t, got.Data.Params, 250)
	assert.Len(t, got.Data.Metrics, 1500)
	err = c.LogBatch(ctx, run.Info.RunID, nil, []mlflow.Param{{Key: "p000", Value: "changed"}}, nil)
	assert.True(t, mlflow.IsErrorCode(err, mlflow.ErrInvalidParameterValue))
	require.NoError(t, c.UpdateRun(ctx, run.Info.RunID, mlflow.RunFinished, 99))
	got, _ = srv.Run(run.Info.RunID)
	assert.Equal(t, mlflow.RunFinished, got.Info.Status)
}

// Only what can succeed when sent again is retried: 429 and every 5xx; a
// 4xx (408 included) is returned at once.
func TestClientRetriesOnly429And5xx(t *testing.T) {
	srv := mlflowfake.New()
	defer srv.Close()
	srv.Token = token
	var logs bytes.Buffer
	c := newClient(t, srv.URL, &logs)
	ctx := context.Background()
	_, err := c.CreateRegisteredModel(ctx, "m", "", nil)
	require.NoError(t, err)

	srv.FailNext("/registered-models/get", http.StatusRequestTimeout, 1)
	_, err = c.GetRegisteredModel(ctx, "m")
	var e *mlflow.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusRequestTimeout, e.StatusCode)
	assert.Equal(t, 1, srv.Calls("/registered-models/get"))

	srv.FailNext("/registered-models/get", http.StatusNotImplemented, 1)
	srv.FailNext("/registered-models/get", http.StatusTooManyRequests, 1)
	_, err = c.GetRegisteredModel(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, 4, srv.Calls("/registered-models/get"), "501 and 429 retried")
}
