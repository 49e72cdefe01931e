package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/client"
	"github.com/kfpgo/kfpgo/sdk/client/kfpfake"
	"github.com/kfpgo/kfpgo/sdk/schedule"
)

func newClient(t *testing.T, opts kfpfake.Options, token string) (*client.Client, *kfpfake.Server) {
	t.Helper()
	srv := kfpfake.New(opts)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Options{Endpoint: srv.URL, Token: token, RetryBackoff: time.Millisecond})
	require.NoError(t, err)
	return c, srv
}

// TestEndToEnd walks the retraining loop against the fake server: upload,
// new version, run, wait, then apply a recurring run twice (no change) and
// once with a new cron (one create, one ORPHAN delete).
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	c, srv := newClient(t, kfpfake.Options{Token: "s3cret"}, "s3cret")

	p, err := c.UploadPipeline(ctx, client.UploadPipelineRequest{Name: "car-training", Description: "cars", Content: []byte(trainYAML)})
	require.NoError(t, err)
	assert.Equal(t, "car-training", p.Name)
	assert.NotEmpty(t, p.PipelineID)

	v, err := c.UploadPipelineVersion(ctx, client.UploadPipelineVersionRequest{PipelineID: p.PipelineID, Name: "abc1234", Content: []byte(trainYAML)})
	require.NoError(t, err)
	assert.Equal(t, "abc1234", v.Name)
	// The platform document makes the stored spec the nested form.
	assert.Contains(t, v.PipelineSpec, "pipeline_spec")
	assert.Contains(t, v.PipelineSpec, "platform_spec")

	found, err := client.GetPipelineByName(ctx, c, "car-training")
	require.NoError(t, err)
	assert.Equal(t, p.PipelineID, found.PipelineID)
	latest, err := client.LatestPipelineVersion(ctx, c, p.PipelineID)
	require.NoError(t, err)
	assert.Equal(t, v.PipelineVersionID, latest.PipelineVersionID)

	exp, err := client.EnsureExperiment(ctx, c, "retraining", "")
	require.NoError(t, err)
	again, err := client.EnsureExperiment(ctx, c, "retraining", "")
	require.NoError(t, err)
	assert.Equal(t, exp.ExperimentID, again.ExperimentID, "EnsureExperiment finds the existing one")

	src := client.Source{PipelineID: p.PipelineID, PipelineVersionID: v.PipelineVersionID}
	run, err := client.BuildRun(ctx, c, client.RunSpec{DisplayName: "train abc1234", ExperimentID: exp.ExperimentID, Source: src,
		Parameters: map[string]any{"dataset_uri": "s3://cars/2026-01.parquet", "epochs": 20, "layers": []int{64, 32}}})
	require.NoError(t, err)
	assert.Equal(t, int64(20), run.RuntimeConfig.Parameters["epochs"], "integers are sent as JSON numbers")
	created, err := c.CreateRun(ctx, run)
	require.NoError(t, err)
	assert.Equal(t, client.StatePending, created.State)

	var seen []client.RuntimeState
	done, err := client.WaitRun(ctx, c, created.RunID, client.WaitOptions{PollInterval: time.Millisecond, OnChange: func(r *client.Run) { seen = append(seen, r.State) }})
	require.NoError(t, err)
	assert.Equal(t, client.StateSucceeded, done.State)
	assert.Equal(t, []client.RuntimeState{client.StateRunning, client.StateSucceeded}, seen)

	spec := client.RecurringRunSpec{DisplayName: "nightly", ExperimentID: exp.ExperimentID, Source: src,
		Parameters: map[string]any{"dataset_uri": "s3://cars/latest", "epochs": 10},
		Schedule:   schedule.Schedule{Cron: "0 0 2 * * *", MaxConcurrency: 1}}
	res, err := client.ApplyRecurringRun(ctx, c, spec)
	require.NoError(t, err)
	assert.Equal(t, client.ApplyCreated, res.Action)
	first := res.RecurringRun.RecurringRunID
	assert.Equal(t, client.Int64(1), res.RecurringRun.MaxConcurrency)
	assert.Equal(t, client.StatusEnabled, res.RecurringRun.Status)

	for range 2 {
		res, err = client.ApplyRecurringRun(ctx, c, spec)
		require.NoError(t, err)
		assert.Equal(t, client.ApplyUnchanged, res.Action)
		assert.Equal(t, first, res.RecurringRun.RecurringRunID)
	}
	assert.Len(t, srv.CallsTo(http.MethodPost, "/apis/v2beta1/recurringruns"), 1, "no create for an unchanged spec")
	assert.Empty(t, srv.CallsTo(http.MethodDelete, "/apis/v2beta1/recurringruns"))

	spec.Schedule.Cron = "0 30 3 * * *"
	res, err = client.ApplyRecurringRun(ctx, c, spec)
	require.NoError(t, err)
	assert.Equal(t, client.ApplyReplaced, res.Action)
	assert.NotEqual(t, first, res.RecurringRun.RecurringRunID)
	assert.Equal(t, []string{first}, res.Deleted)
	creates := srv.CallsTo(http.MethodPost, "/apis/v2beta1/recurringruns")
	deletes := srv.CallsTo(http.MethodDelete, "/apis/v2beta1/recurringruns")
	require.Len(t, creates, 2)
	require.Len(t, deletes, 1)
	assert.Equal(t, "/apis/v2beta1/recurringruns/"+first, deletes[0].Path)
	assert.Equal(t, "propagation_policy=ORPHAN", deletes[0].Query)
	// The create came before the delete, so a schedule is always in place.
	calls := srv.Calls()
	var order []string
	for _, cl := range calls {
		if strings.HasPrefix(cl.Path, "/apis/v2beta1/recurringruns") && cl.Method != http.MethodGet {
			order = append(order, cl.Method)
		}
	}
	assert.Equal(t, []string{"POST", "POST", "DELETE"}, order)
	rrs := srv.RecurringRuns()
	require.Len(t, rrs, 1)
	assert.Equal(t, "0 30 3 * * *", rrs[0].Trigger.CronSchedule.Cron)

	require.NoError(t, c.DisableRecurringRun(ctx, res.RecurringRun.RecurringRunID))
	got, err := c.GetRecurringRun(ctx, res.RecurringRun.RecurringRunID)
	require.NoError(t, err)
	assert.Equal(t, client.StatusDisabled, got.Status)
	require.NoError(t, c.EnableRecurringRun(ctx, res.RecurringRun.RecurringRunID))

	// Terminate and retry.
	r2, err := c.CreateRun(ctx, run)
	require.NoError(t, err)
	require.NoError(t, c.TerminateRun(ctx, r2.RunID))
	_, err = client.WaitRun(ctx, c, r2.RunID, client.WaitOptions{PollInterval: time.Millisecond})
	var failed *client.RunFailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, client.StateCanceled, failed.Run.State)
	require.NoError(t, c.RetryRun(ctx, r2.RunID))
	done, err = client.WaitRun(ctx, c, r2.RunID, client.WaitOptions{PollInterval: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, client.StateSucceeded, done.State)

	runs, err := client.ListAllRuns(ctx, c, client.ListOptions{ExperimentID: exp.ExperimentID, PageSize: 1})
	require.NoError(t, err)
	assert.Len(t, runs, 2, "pagination follows next_page_token")

	require.NoError(t, c.ArchiveExperiment(ctx, exp.ExperimentID))
	e, err := c.GetExperiment(ctx, exp.ExperimentID)
	require.NoError(t, err)
	assert.Equal(t, client.StorageArchived, e.StorageState)

	err = c.DeletePipeline(ctx, p.PipelineID, false)
	require.Error(t, err, "a pipeline with versions needs cascade")
	require.NoError(t, c.DeletePipeline(ctx, p.PipelineID, true))
	_, err = c.GetPipeline(ctx, p.PipelineID)
	assert.True(t, client.IsNotFound(err))
}

func TestInlineSpecUsesNestedFormWithPlatform(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t, kfpfake.Options{}, "")
	pkg, err := client.ParsePackage([]byte(trainYAML))
	require.NoError(t, err)
	run, err := client.BuildRun(ctx, c, client.RunSpec{DisplayName: "inline", Source: client.Source{Package: pkg},
		Parameters: map[string]any{"dataset_uri": "file:///tmp/cars.csv", "epochs": 3, "learning_rate": 0.1, "shuffle": true}})
	require.NoError(t, err)
	require.Contains(t, run.PipelineSpec, "platform_spec")
	inner := run.PipelineSpec["pipeline_spec"].(map[string]any)
	assert.Equal(t, "car-training", inner["pipelineInfo"].(map[string]any)["name"])
	created, err := c.CreateRun(ctx, run)
	require.NoError(t, err)
	assert.NotEmpty(t, created.ExperimentID, "the server puts it in the Default experiment")

	hello, err := client.ParsePackage([]byte(helloYAML))
	require.NoError(t, err)
	assert.Equal(t, hello.PipelineSpec, hello.SpecObject(), "no platform document: the plain spec")
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	c, srv := newClient(t, kfpfake.Options{Token: "right"}, "right")
	p, err := c.UploadPipeline(ctx, client.UploadPipelineRequest{Name: "car-training", Content: []byte(trainYAML)})
	require.NoError(t, err)
	v, err := client.LatestPipelineVersion(ctx, c, p.PipelineID)
	require.NoError(t, err)
	src := client.Source{PipelineID: p.PipelineID, PipelineVersionID: v.PipelineVersionID}
	good := map[string]any{"dataset_uri": "s3://x", "epochs": 1}

	t.Run("unknown pipeline", func(t *testing.T) {
		_, err := client.GetPipelineByName(ctx, c, "no-such-pipeline")
		var nf *client.NotFoundError
		require.ErrorAs(t, err, &nf)
		assert.EqualError(t, err, `pipeline "no-such-pipeline" not found`)
		_, err = c.GetPipeline(ctx, "pipeline-9999")
		var apiErr *client.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
		assert.Equal(t, 5, apiErr.Code)
		assert.Contains(t, err.Error(), "Pipeline pipeline-9999 not found", "the server's message, verbatim")
	})
	t.Run("unknown pipeline version in a run", func(t *testing.T) {
		_, err := client.BuildRun(ctx, c, client.RunSpec{DisplayName: "x", Source: client.Source{PipelineID: p.PipelineID, PipelineVersionID: "version-9999"}, Parameters: good})
		assert.True(t, client.IsNotFound(err))
	})
	t.Run("bad token", func(t *testing.T) {
		bad, err := client.New(client.Options{Endpoint: srv.URL, Token: "wrong"})
		require.NoError(t, err)
		_, err = bad.ListPipelines(ctx, client.ListOptions{})
		var apiErr *client.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
		assert.Contains(t, err.Error(), "Unauthenticated")
		assert.NotContains(t, err.Error(), "wrong", "tokens never appear in errors")
		// Upload errors come in the upload endpoint's own body shape.
		_, err = bad.UploadPipeline(ctx, client.UploadPipelineRequest{Name: "y", Content: []byte(helloYAML)})
		require.ErrorAs(t, err, &apiErr)
		assert.Contains(t, apiErr.Message, "Unauthenticated")
	})
	t.Run("five-field cron refused client-side with the fix", func(t *testing.T) {
		before := len(srv.Calls())
		_, err := client.BuildRecurringRun(ctx, c, client.RecurringRunSpec{DisplayName: "n", Source: src, Parameters: good, Schedule: schedule.Schedule{Cron: "0 2 * * *"}})
		require.True(t, schedule.IsError(err))
		assert.Contains(t, err.Error(), `write "0 0 2 * * *"`)
		assert.Equal(t, before, len(srv.Calls()), "nothing was sent")
	})
	t.Run("five-field cron sent raw is read as KFP would", func(t *testing.T) {
		// The server's parser accepts 5 fields (optional day of week): that is
		// exactly why the client refuses them.
		rr := &client.RecurringRun{DisplayName: "raw", MaxConcurrency: 1, Mode: client.ModeEnable,
			PipelineVersionReference: &client.PipelineVersionReference{PipelineID: p.PipelineID, PipelineVersionID: v.PipelineVersionID},
			RuntimeConfig:            &client.RuntimeConfig{Parameters: good},
			Trigger:                  &client.Trigger{CronSchedule: &client.CronSchedule{Cron: "0 2 * * *"}}}
		_, err := c.CreateRecurringRun(ctx, rr)
		require.NoError(t, err)
		rr.Trigger.CronSchedule.Cron = "0 2 *"
		_, err = c.CreateRecurringRun(ctx, rr)
		assert.ErrorContains(t, err, "Schedule cron is not a supported format")
	})
	for _, mc := range []int{0, 11} {
		t.Run("max concurrency out of range", func(t *testing.T) {
			s := schedule.Schedule{Cron: "@daily", MaxConcurrency: mc}
			_, err := client.BuildRecurringRun(ctx, c, client.RecurringRunSpec{DisplayName: "n", Source: src, Parameters: good, Schedule: s})
			if mc == 0 { // zero is "unset": the default 1
				require.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "between 1 and 10")
			}
			// Sent raw, the server refuses both.
			rr := &client.RecurringRun{DisplayName: "raw", MaxConcurrency: client.Int64(mc), Mode: client.ModeEnable,
				PipelineVersionReference: &client.PipelineVersionReference{PipelineID: p.PipelineID, PipelineVersionID: v.PipelineVersionID},
				RuntimeConfig:            &client.RuntimeConfig{Parameters: good},
				Trigger:                  &client.Trigger{CronSchedule: &client.CronSchedule{Cron: "@daily"}}}
			_, err = c.CreateRecurringRun(ctx, rr)
			assert.ErrorContains(t, err, "Max concurrency of a recurring run must be at least 1 and at most 10")
		})
	}
	t.Run("string for an int parameter", func(t *testing.T) {
		_, err := client.BuildRun(ctx, c, client.RunSpec{DisplayName: "x", Source: src, Parameters: map[string]any{"dataset_uri": "s3://x", "epochs": "20"}})
		var pe *client.ParameterError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "epochs", pe.Name)
		assert.Contains(t, err.Error(), `NUMBER_INTEGER but got the string "20"`)
		// Sent raw, the server refuses it too.
		_, err = c.CreateRun(ctx, &client.Run{DisplayName: "raw", PipelineVersionReference: &client.PipelineVersionReference{PipelineID: p.PipelineID, PipelineVersionID: v.PipelineVersionID},
			RuntimeConfig: &client.RuntimeConfig{Parameters: map[string]any{"dataset_uri": "s3://x", "epochs": "20"}}})
		assert.ErrorContains(t, err, `parameter "epochs" has type NUMBER_INTEGER`)
	})
	t.Run("unknown and missing parameters", func(t *testing.T) {
		_, err := client.BuildRun(ctx, c, client.RunSpec{DisplayName: "x", Source: src, Parameters: map[string]any{"dataset_uri": "s3://x", "epochs": 1, "epoch": 2}})
		assert.ErrorContains(t, err, `parameter "epoch": the pipeline has no such input; its inputs are dataset_uri (STRING), epochs (NUMBER_INTEGER)`)
		_, err = client.BuildRun(ctx, c, client.RunSpec{DisplayName: "x", Source: src, Parameters: map[string]any{"dataset_uri": "s3://x"}})
		assert.ErrorContains(t, err, `parameter "epochs": is required`)
	})
}

func TestStrictUnknownFields(t *testing.T) {
	srv := kfpfake.New(kfpfake.Options{})
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/apis/v2beta1/experiments", "application/json", strings.NewReader(`{"display_name":"x","displayName2":"y"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestParseParameterValues(t *testing.T) {
	pkg, err := client.ParsePackage([]byte(trainYAML))
	require.NoError(t, err)
	in, err := client.RootInputs(pkg.SpecObject())
	require.NoError(t, err)
	got, err := client.ParseParameterValues(in, map[string]string{"epochs": "20", "learning_rate": "0.5", "shuffle": "true", "layers": "[64, 32]", "dataset_uri": "s3://a"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"epochs": int64(20), "learning_rate": 0.5, "shuffle": true, "layers": []any{64.0, 32.0}, "dataset_uri": "s3://a"}, got)
	_, err = client.ParseParameterValues(in, map[string]string{"epochs": "twenty"})
	assert.ErrorContains(t, err, `is NUMBER_INTEGER but "twenty" is not an integer`)
	for _, v := range []string{"NaN", "nan", "Inf", "-Infinity"} {
		_, err = client.ParseParameterValues(in, map[string]string{"learning_rate": v})
		assert.ErrorContains(t, err, `is NUMBER_DOUBLE but "`+v+`" is not a finite number`)
	}
	for _, v := range []string{"73786976294838206464", "9007199254740993", "-1e19", "1e400"} {
		_, err = client.ParseParameterValues(in, map[string]string{"epochs": v})
		assert.ErrorContains(t, err, `is NUMBER_INTEGER but "`+v+`" is out of range: KFP carries numbers as 64-bit floats, exact for whole numbers from -9007199254740992 to 9007199254740992`)
	}
	_, err = client.ParseParameterValues(in, map[string]string{"learning_rate": "1e400"})
	assert.ErrorContains(t, err, `is NUMBER_DOUBLE but "1e400" is out of range: a 64-bit float, at most 1.7976931348623157e+308 in magnitude`)
	_, err = client.SplitParams([]string{"a=1", "b"})
	assert.ErrorContains(t, err, `"b" is not name=value`)
}

func TestTransport(t *testing.T) {
	ctx := context.Background()
	t.Run("retries 503 then succeeds; token from file; namespace sent", func(t *testing.T) {
		var n atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, "Bearer from-file", r.Header.Get("Authorization"))
			assert.Equal(t, "team-a", r.URL.Query().Get("namespace"))
			if n.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("upstream connect error"))
				return
			}
			_, _ = w.Write([]byte(`{"experiments":[{"experiment_id":"e1","display_name":"x"}],"total_size":1}`))
		}))
		defer ts.Close()
		tok := filepath.Join(t.TempDir(), "token")
		require.NoError(t, os.WriteFile(tok, []byte("from-file\n"), 0o600))
		c, err := client.New(client.Options{Endpoint: ts.URL + "/pipeline/", TokenFile: tok, Namespace: "team-a", RetryBackoff: time.Millisecond})
		require.NoError(t, err)
		r, err := c.ListExperiments(ctx, client.ListOptions{})
		require.NoError(t, err)
		assert.Equal(t, int32(3), n.Load())
		assert.Equal(t, "e1", r.Experiments[0].ExperimentID)
	})
	t.Run("create is not retried on 500; message verbatim", func(t *testing.T) {
		var n atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			assert.Equal(t, "/apis/v2beta1/runs", r.URL.Path)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"Failed to create a run: InternalServerError: db down","code":13,"message":"Failed to create a run: InternalServerError: db down","details":[{"@type":"type.googleapis.com/google.rpc.Status"}]}`))
		}))
		defer ts.Close()
		c, err := client.New(client.Options{Endpoint: ts.URL, RetryBackoff: time.Millisecond})
		require.NoError(t, err)
		_, err = c.CreateRun(ctx, &client.Run{DisplayName: "x"})
		var apiErr *client.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, int32(1), n.Load())
		assert.Equal(t, 13, apiErr.Code)
		assert.Equal(t, "KFP API POST /apis/v2beta1/runs: 500 Internal Server Error: Failed to create a run: InternalServerError: db down", err.Error())
	})
	t.Run("gives up after the retries", func(t *testing.T) {
		var n atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		defer ts.Close()
		c, err := client.New(client.Options{Endpoint: ts.URL, Retries: 2, RetryBackoff: time.Millisecond})
		require.NoError(t, err)
		err = c.EnableRecurringRun(ctx, "rr")
		require.Error(t, err)
		assert.Equal(t, int32(3), n.Load())
	})
	t.Run("bad endpoint", func(t *testing.T) {
		_, err := client.New(client.Options{})
		assert.ErrorContains(t, err, "KF_PIPELINES_ENDPOINT")
		_, err = client.New(client.Options{Endpoint: "ftp://x"})
		assert.ErrorContains(t, err, "not an http(s) URL")
	})
	t.Run("context ends the wait", func(t *testing.T) {
		c, srv := newClient(t, kfpfake.Options{RunStates: []client.RuntimeState{client.StateRunning, client.StateRunning, client.StateRunning}}, "")
		_ = srv
		pkg, err := client.ParsePackage([]byte(helloYAML))
		require.NoError(t, err)
		run, err := client.BuildRun(ctx, c, client.RunSpec{DisplayName: "h", Source: client.Source{Package: pkg}})
		require.NoError(t, err)
		created, err := c.CreateRun(ctx, run)
		require.NoError(t, err)
		cctx, cancel := context.WithCancel(ctx)
		_, err = client.WaitRun(cctx, c, created.RunID, client.WaitOptions{PollInterval: time.Millisecond, OnChange: func(r *client.Run) {
			if r.State == client.StateRunning {
				cancel()
			}
		}})
		assert.True(t, errors.Is(err, context.Canceled))
	})
}

// TestParsePackageReadsYAML12 reads a PyYAML-written pipeline, whose plain
// scalars n and y are strings under YAML 1.2 (as the KFP API server reads
// them), not the booleans YAML 1.1 makes of them.
func TestParsePackageReadsYAML12(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "local", "testdata", "pyyaml_scalars.yaml"))
	require.NoError(t, err)
	pkg, err := client.ParsePackage(b)
	require.NoError(t, err)
	in, err := client.RootInputs(pkg.SpecObject())
	require.NoError(t, err)
	assert.Equal(t, "n", in["n"].Default)
}
