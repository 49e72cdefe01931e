package cartrain_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/mlflow"
	"github.com/kfpgo/kfpgo/components/mlflow/mlflowfake"
	"github.com/kfpgo/kfpgo/components/testenv"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
	"github.com/kfpgo/kfpgo/sdk/local"
)

var (
	pg *testenv.Postgres
	rd *testenv.Redis
)

func TestMain(m *testing.M) { os.Exit(testenv.RunTests(m, &pg, &rd)) }

func moduleDir(t *testing.T) string {
	d, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return d
}

func runLocal(t *testing.T, root string, params map[string]string) (*cartrain.LocalResult, error) {
	t.Helper()
	var progress bytes.Buffer
	res, err := cartrain.RunLocal(context.Background(), cartrain.LocalOptions{
		ModuleDir: moduleDir(t), PipelineRoot: root, PostgresDSN: pg.DSN, RedisURL: rd.URL, Params: params, Progress: &progress,
	})
	t.Logf("progress:\n%s", progress.String())
	return res, err
}

func taskState(r *local.RunResult, name string) local.State {
	for _, t := range r.Tasks {
		if t.TaskName == name && (t.Kind == "container" || t.Kind == "go-function") {
			return t.State
		}
	}
	return ""
}

// TestEndToEnd runs the reference pipeline on cars.json with real
// PostgreSQL and Redis, then checks every store it wrote, then runs it again
// on the same inputs.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	res, err := runLocal(t, root, nil)
	require.NoError(t, err)
	require.Equal(t, local.State("succeeded"), res.Run.State)

	// PostgreSQL: all 406 rows, split deterministically.
	conn, err := pgx.Connect(ctx, pg.DSN)
	require.NoError(t, err)
	defer conn.Close(ctx)
	counts := map[string]int64{}
	rows, err := conn.Query(ctx, `SELECT split, count(*) FROM features.cars GROUP BY split`)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		var n int64
		require.NoError(t, rows.Scan(&s, &n))
		counts[s] = n
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, int64(406), counts["train"]+counts["validation"]+counts["test"])
	for _, s := range []string{"train", "validation", "test"} {
		assert.Positive(t, counts[s], "split %s", s)
	}
	assert.Equal(t, int64(406), res.RowsLoaded)

	// Redis: every entity readable through the online read API, with the
	// offline store's latest values.
	var key string
	var mpg *float64
	require.NoError(t, conn.QueryRow(ctx, `SELECT entity_key, miles_per_gallon FROM features.cars WHERE miles_per_gallon IS NOT NULL ORDER BY entity_key LIMIT 1`).Scan(&key, &mpg))
	opts, err := redis.ParseURL(rd.URL)
	require.NoError(t, err)
	rc := redis.NewClient(opts)
	defer rc.Close()
	store := &featurestore.OnlineStore{Client: rc, Project: "kfpgo"}
	view := featurestore.FeatureView{Name: "car_features", JoinKeys: []string{"entity_key"}, Features: cartrain.Features}
	got, err := store.Get(ctx, view, [][]any{{key}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.True(t, got[0].Found)
	assert.Equal(t, *mpg, got[0].Values[0])
	assert.Equal(t, int64(406), res.EntitiesWritten)

	// One key byte for byte in Feast's layout (entity key serialization v3
	// followed by the project): uint32 LE key count, per join key uint32
	// LE type STRING (2), uint32 LE length and name, per value uint32 LE
	// value type STRING (2), uint32 LE length and bytes.
	var want bytes.Buffer
	u32 := func(v int) { _ = binary.Write(&want, binary.LittleEndian, uint32(v)) }
	u32(1)
	u32(2)
	u32(len("entity_key"))
	want.WriteString("entity_key")
	u32(2)
	u32(len(key))
	want.WriteString(key)
	want.WriteString("kfpgo")
	n, err := rc.Exists(ctx, want.String()).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "Redis has no hash at Feast's key for entity %s", key)
	fields, err := rc.HKeys(ctx, want.String()).Result()
	require.NoError(t, err)
	assert.Contains(t, fields, "_ts:car_features")
	assert.Len(t, fields, len(cartrain.Features)+1)

	// Model, metrics, gate and registry.
	for _, name := range []string{"distributed-train", "evaluate"} {
		assert.Equal(t, local.State("succeeded"), taskState(res.Run, name))
	}
	var modelDir string
	for _, tr := range res.Run.Tasks {
		if tr.TaskName == "distributed-train" {
			a := tr.Artifacts["model"].GetArtifacts()
			require.NotEmpty(t, a)
			modelDir = strings.TrimPrefix(a[0].GetUri(), "file://")
			assert.NotEmpty(t, tr.Artifacts["metrics"].GetArtifacts()[0].GetMetadata().GetFields()["accuracy"])
		}
	}
	assert.FileExists(t, filepath.Join(modelDir, "model.json"))
	assert.Greater(t, res.Accuracy, 0.7, "accuracy above the default threshold")
	require.True(t, res.Registered)
	assert.Equal(t, "1", res.ModelVersion)
	assert.Equal(t, "SUCCEEDED", res.FinalState)
	fsRoot := strings.TrimPrefix(res.TrackingURI, "file:")
	alias, err := os.ReadFile(filepath.Join(fsRoot, "models", "car-origin-classifier", "aliases", "champion"))
	require.NoError(t, err)
	assert.Equal(t, "1", strings.TrimSpace(string(alias)))
	fstore, err := mlflow.OpenFileStore(fsRoot)
	require.NoError(t, err)
	mv, err := fstore.GetModelVersion(ctx, "car-origin-classifier", "1")
	require.NoError(t, err)
	assert.Equal(t, "READY", mv.Status)
	// The version links to the run that holds the training settings.
	hp := []mlflow.Param{
		{Key: "dataset_uri", Value: filepath.Join(moduleDir(t), "testdata", "datasets", "cars.json")}, {Key: "epochs", Value: "300"},
		{Key: "feature_view", Value: "car_features"}, {Key: "learning_rate", Value: "0.1"}, {Key: "workers", Value: "2"},
	}
	linked, err := fstore.GetRun(ctx, mv.RunID)
	require.NoError(t, err)
	assert.Equal(t, hp, linked.Data.Params)

	// Second run on the same inputs: the same model content, so the
	// registry gets nothing new; caching-enabled tasks with unchanged inputs
	// are cached.
	res2, err := runLocal(t, root, nil)
	require.NoError(t, err)
	assert.Equal(t, "1", res2.ModelVersion, "the same model must not be registered twice")
	assert.True(t, res2.Reused)
	assert.Contains(t, res2.Summary(), "reused")
	versions, err := fstore.FindModelVersions(ctx, "car-origin-classifier", nil)
	require.NoError(t, err)
	assert.Len(t, versions, 1)
	for _, tr := range res2.Run.Tasks {
		if tr.Kind == "container" || tr.Kind == "go-function" {
			assert.Contains(t, []local.State{"succeeded", "cached"}, tr.State, "task %s", tr.Name)
		}
	}

	// Third run against a tracking server (MLflow's REST API; the fake
	// refuses what `mlflow server` refuses): the trained model is local, so
	// register-model uploads it to the run's artifacts through the
	// server's artifact proxy and registers the run's artifact URI.
	srv := mlflowfake.New()
	defer srv.Close()
	srv.PendingPolls = 0
	res3, err := runLocal(t, root, map[string]string{"mlflow_tracking_uri": srv.URL})
	require.NoError(t, err)
	require.True(t, res3.Registered)
	versions = srv.ModelVersions("car-origin-classifier")
	require.Len(t, versions, 1)
	v := versions[0]
	run, ok := srv.Run(v.RunID)
	require.True(t, ok)
	assert.Equal(t, run.Info.ArtifactURI+"/model", v.Source)
	assert.Regexp(t, `^mlflow-artifacts:/[0-9]+/[0-9a-f]{32}/artifacts/model$`, v.Source)
	assert.Equal(t, hp, run.Data.Params)
	base, _ := mlflow.ProxiedArtifactPath(v.Source)
	stored, ok := srv.Artifact(base + "/model.json")
	require.True(t, ok, "model.json uploaded; stored: %v", srv.ArtifactPaths())
	local, err := os.ReadFile(filepath.Join(modelDir, "model.json"))
	require.NoError(t, err)
	assert.Equal(t, local, stored)
	assert.Equal(t, map[string]string{"champion": "1"}, srv.Aliases("car-origin-classifier"))
}

// TestQualityGateSkipsRegistration: a threshold above 1 can never be met.
func TestQualityGateSkipsRegistration(t *testing.T) {
	res, err := runLocal(t, t.TempDir(), map[string]string{"accuracy_threshold": "1.01", "offline_table": "features.cars_gate"})
	require.NoError(t, err)
	gate := res.Run.Task("exit-handler-1/condition-2")
	require.NotNil(t, gate, "the quality gate's group is recorded")
	assert.Equal(t, local.State("skipped"), gate.State)
	assert.Empty(t, taskState(res.Run, "register-model"), "register-model must not run")
	assert.False(t, res.Registered)
	assert.Equal(t, "SUCCEEDED", res.FinalState)
}

// TestPostgresDownFails: prepare-data fails with a clear message and the
// exit handler sees FAILED.
func TestPostgresDownFails(t *testing.T) {
	pg.Halt()
	defer func() { require.NoError(t, pg.Restart(context.Background())) }()
	res, err := runLocal(t, t.TempDir(), map[string]string{"offline_table": "features.cars_down"})
	require.Error(t, err)
	require.NotNil(t, res)
	assert.Equal(t, local.State("failed"), taskState(res.Run, "prepare-data"))
	var tail string
	for _, tr := range res.Run.Tasks {
		if tr.TaskName == "prepare-data" {
			tail = tr.StderrTail
		}
	}
	assert.Contains(t, strings.ToLower(tail), "postgres")
	assert.Equal(t, "FAILED", res.FinalState)
}
