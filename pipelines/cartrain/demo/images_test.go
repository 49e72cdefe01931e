//go:build images

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/mlflow"
	"github.com/kfpgo/kfpgo/components/testenv"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
	"github.com/kfpgo/kfpgo/sdk/images"
	"github.com/kfpgo/kfpgo/sdk/local"
	"github.com/kfpgo/kfpgo/sdk/local/containertest"
)

// TestCartrainBuiltImages runs the reference pipeline as `make demo
// DEMO_ARGS="--images built"` does: every task in podman from the component
// images built with ko from this module, against real PostgreSQL and Redis
// on loopback. It checks the outputs (rows, entities, accuracy, the model
// registered in the MLflow file store by the image's non-root user, the
// final state), that the DSN's password shows in no log or file of the run,
// and then runs the same pipeline as Go processes into the same store to
// log the per-task overhead of a container.
func TestCartrainBuiltImages(t *testing.T) {
	pm := containertest.Podman(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	moduleDir, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)

	var buildLog bytes.Buffer
	start := time.Now()
	c, cleanup, err := buildImages(ctx, moduleDir, pm.Runtime, &buildLog)
	require.NoError(t, err, "%s", buildLog.String())
	defer cleanup()
	t.Logf("images built and loaded into podman in %s:\n%s", time.Since(start).Round(time.Second), buildLog.String())
	for _, ref := range []string{cartrain.TrainerImage, "ko://github.com/kfpgo/kfpgo/cmd/distributed-train", "ko://github.com/kfpgo/kfpgo/cmd/prepare-data"} {
		require.Contains(t, c.Images, ref)
	}

	pg, err := testenv.StartPostgres(ctx, testenv.PostgresOptions{})
	require.NoError(t, err)
	defer pg.Stop()
	rd, err := testenv.StartRedis(ctx, testenv.RedisOptions{})
	require.NoError(t, err)
	defer rd.Stop()
	// The server trusts loopback, so any password connects; a random one
	// stands for a secret that must show nowhere.
	var b [12]byte
	_, _ = rand.Read(b[:])
	secret := "pw" + hex.EncodeToString(b[:])
	dsn := strings.Replace(pg.DSN, "postgres@", "postgres:"+secret+"@", 1)
	require.NotEqual(t, pg.DSN, dsn)

	root := filepath.Join(t.TempDir(), "root")
	var progress bytes.Buffer
	opts := cartrain.LocalOptions{ModuleDir: moduleDir, PipelineRoot: root, PostgresDSN: dsn, RedisURL: rd.URL,
		Progress: &progress, NoCache: true, Containers: c}
	res, err := cartrain.RunLocal(ctx, opts)
	t.Logf("progress:\n%s", progress.String())
	require.NoError(t, err)
	require.Equal(t, local.StateSucceeded, res.Run.State)
	assert.Equal(t, int64(406), res.RowsLoaded)
	assert.Equal(t, int64(406), res.EntitiesWritten)
	assert.Greater(t, res.Accuracy, 0.7)
	require.True(t, res.Registered)
	assert.Equal(t, "1", res.ModelVersion)
	assert.Equal(t, "SUCCEEDED", res.FinalState)
	for _, tr := range res.Run.Tasks {
		if tr.Kind == "container" || tr.Kind == "go-function" {
			assert.Equal(t, local.StateSucceeded, tr.State, "task %s: %s", tr.Name, tr.Reason)
		}
	}

	// Metrics of the trainer replicas, read by distributed-train.
	train := res.Run.Task("exit-handler-1/distributed-train")
	require.NotNil(t, train)
	acc := train.Artifacts["metrics"].GetArtifacts()[0].GetMetadata().GetFields()["accuracy"]
	require.NotNil(t, acc)
	assert.Greater(t, acc.GetNumberValue(), 0.7)
	assert.Contains(t, readLog(t, train.Dir), "/ko-app/cartrainer", "the replicas run the trainer image's binary")

	// The registry: written by register-model's image as uid 65532.
	fsRoot := strings.TrimPrefix(res.TrackingURI, "file:")
	fstore, err := mlflow.OpenFileStore(fsRoot)
	require.NoError(t, err)
	mv, err := fstore.GetModelVersion(ctx, "car-origin-classifier", "1")
	require.NoError(t, err)
	assert.Equal(t, "READY", mv.Status)
	fi, err := os.Stat(filepath.Join(fsRoot, "models", "car-origin-classifier", "aliases", "champion"))
	require.NoError(t, err)
	assert.Equal(t, uint32(images.NonrootUID), fi.Sys().(*syscall.Stat_t).Uid, "the alias is written by the image's non-root user")

	// No secret anywhere: progress, task logs, outputs.
	assert.NotContains(t, progress.String(), secret)
	require.NoError(t, filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		assert.NotContains(t, string(data), secret, "file %s holds the DSN's password", p)
		return nil
	}))

	// The same pipeline as Go processes, into the same store: the per-task
	// time of a container vs a process.
	opts.Containers, opts.Progress = nil, nil
	procs, err := cartrain.RunLocal(ctx, opts)
	require.NoError(t, err)
	assert.Equal(t, "1", procs.ModelVersion, "the same model: the registry reuses version 1")
	var diffs []time.Duration
	for _, tc := range res.Run.Tasks {
		tp := procs.Run.Task(tc.Name)
		if tp == nil || (tc.Kind != "container" && tc.Kind != "go-function") {
			continue
		}
		t.Logf("%-45s container %8s  process %8s", tc.Name, tc.ExecTime.Round(time.Millisecond), tp.ExecTime.Round(time.Millisecond))
		diffs = append(diffs, tc.ExecTime-tp.ExecTime)
	}
	require.Len(t, diffs, 8)
	// The median: distributed-train as a process also runs `go build` of
	// the trainer (cached), which its container does not.
	slices.Sort(diffs)
	t.Logf("cartrain, %d tasks: median overhead of a container over a process %s per task (min %s, max %s); run wall time %s in containers vs %s as processes",
		len(diffs), ((diffs[3] + diffs[4]) / 2).Round(time.Millisecond), diffs[0].Round(time.Millisecond), diffs[7].Round(time.Millisecond),
		res.Run.End.Sub(res.Run.Start).Round(100*time.Millisecond), procs.Run.End.Sub(procs.Run.Start).Round(100*time.Millisecond))
}

// readLog returns a task's stdout and stderr logs.
func readLog(t *testing.T, dir string) string {
	t.Helper()
	var s strings.Builder
	for _, f := range []string{"stdout.log", "stderr.log"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		s.Write(b)
	}
	return s.String()
}
