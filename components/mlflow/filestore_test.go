package mlflow

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileStoreMetaBytes(t *testing.T) {
	root := filepath.Join(t.TempDir(), "mlruns")
	s, err := OpenFileStore(root)
	require.NoError(t, err)
	s.Now = func() time.Time { return time.UnixMilli(1704067200000) }
	ctx := context.Background()

	_, err = s.CreateRegisteredModel(ctx, "cars-origin", "", []Tag{{Key: "team", Value: "ml"}})
	require.NoError(t, err)
	_, err = s.CreateRegisteredModel(ctx, "cars-origin", "", nil)
	assert.True(t, IsAlreadyExists(err))

	mv, err := s.CreateModelVersion(ctx, CreateModelVersionRequest{Name: "cars-origin", Source: "s3://b/model", RunID: "abc123", Tags: []Tag{{Key: "kfp.task_name", Value: "t"}}})
	require.NoError(t, err)
	assert.Equal(t, "1", mv.Version)
	assert.Equal(t, StatusReady, mv.Status)
	require.NoError(t, s.SetRegisteredModelAlias(ctx, "cars-origin", "champion", "1"))

	dir := filepath.Join(root, "models", "cars-origin")
	want := "creation_timestamp: 1704067200000\ncurrent_stage: None\ndeployment_job_state: null\ndescription: null\n" +
		"last_updated_timestamp: 1704067200000\nmodel_id: null\nname: cars-origin\nrun_id: abc123\nrun_link: null\n" +
		"source: s3://b/model\nstatus: READY\nstatus_message: null\nstorage_location: s3://b/model\nuser_id: null\nversion: 1\n"
	assert.Equal(t, want, readFile(t, filepath.Join(dir, "version-1", "meta.yaml")))
	assert.Equal(t, "aliases:\n  champion: '1'\ncreation_timestamp: 1704067200000\ndeployment_job_id: null\ndeployment_job_state: null\ndescription: null\nlast_updated_timestamp: 1704067200000\nname: cars-origin\n",
		readFile(t, filepath.Join(dir, "meta.yaml")))
	assert.Equal(t, "ml", readFile(t, filepath.Join(dir, "tags", "team")))
	assert.Equal(t, "t", readFile(t, filepath.Join(dir, "version-1", "tags", "kfp.task_name")))

	got, err := s.GetModelVersion(ctx, "cars-origin", "1")
	require.NoError(t, err)
	assert.Equal(t, []string{"champion"}, got.Aliases)
	_, err = s.GetModelVersion(ctx, "cars-origin", "2")
	assert.True(t, IsNotFound(err))
	_, err = s.CreateModelVersion(ctx, CreateModelVersionRequest{Name: "other", Source: "x"})
	assert.True(t, IsNotFound(err))
	assert.True(t, IsErrorCode(s.SetRegisteredModelAlias(ctx, "cars-origin", "latest", "1"), ErrInvalidParameterValue))
	_, err = s.CreateRegisteredModel(ctx, "a/b", "", nil)
	assert.True(t, IsErrorCode(err, ErrInvalidParameterValue))
	def := readMeta0(t, root)
	assert.Regexp(t, "^artifact_location: "+regexp.QuoteMeta(FileURI(root))+"/0\ncreation_time: [0-9]{13}\nexperiment_id: '0'\n"+
		"last_update_time: [0-9]{13}\nlifecycle_stage: active\nname: Default\n$", def, "Default experiment")
}

func TestFileStoreRuns(t *testing.T) {
	root := t.TempDir()
	s, err := OpenFileStore(root)
	require.NoError(t, err)
	s.Now = func() time.Time { return time.UnixMilli(1704067200000) }
	ctx := context.Background()
	_, err = s.GetExperimentByName(ctx, "e")
	assert.True(t, IsNotFound(err))
	id, err := s.CreateExperiment(ctx, "e", "", []Tag{{Key: "owner", Value: "ml"}})
	require.NoError(t, err)
	_, err = s.CreateExperiment(ctx, "e", "", nil)
	assert.True(t, IsAlreadyExists(err))
	e, err := s.GetExperimentByName(ctx, "e")
	require.NoError(t, err)
	assert.Equal(t, id, e.ExperimentID)
	assert.Equal(t, []Tag{{Key: "owner", Value: "ml"}}, e.Tags)

	run, err := s.CreateRun(ctx, CreateRunRequest{ExperimentID: id, UserID: "root", RunName: "r1", StartTime: 1704067200000})
	require.NoError(t, err)
	rid := run.Info.RunID
	assert.Len(t, rid, 32)
	runDir := filepath.Join(root, id, rid)
	want := "artifact_uri: " + FileURI(root) + "/" + id + "/" + rid + "/artifacts\ndeleted_time: null\nend_time: null\nentry_point_name: ''\n" +
		"experiment_id: '" + id + "'\nlifecycle_stage: active\nrun_id: " + rid + "\nrun_name: r1\n" +
		"source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1704067200000\nstatus: 1\ntags: []\nuser_id: root\n"
	assert.Equal(t, want, readFile(t, filepath.Join(runDir, "meta.yaml")))

	require.NoError(t, s.LogBatch(ctx, rid, []Metric{{Key: "acc", Value: 1, Timestamp: 5, Step: 0}, {Key: "acc", Value: 0.5, Timestamp: 6, Step: 1}},
		[]Param{{Key: "lr", Value: "0.1"}}, []Tag{{Key: "mlflow.runName", Value: "renamed"}}))
	assert.Equal(t, "5 1.0 0\n6 0.5 1\n", readFile(t, filepath.Join(runDir, "metrics", "acc")))
	assert.Equal(t, "0.1", readFile(t, filepath.Join(runDir, "params", "lr")))
	assert.True(t, IsErrorCode(s.LogBatch(ctx, rid, nil, []Param{{Key: "lr", Value: "0.2"}}, nil), ErrInvalidParameterValue))
	assert.True(t, IsErrorCode(s.LogBatch(ctx, rid, nil, []Param{{Key: "../escape", Value: "x"}}, nil), ErrInvalidParameterValue))
	assert.NoFileExists(t, filepath.Join(root, id, "escape"))
	require.NoError(t, s.UpdateRun(ctx, rid, RunFinished, 1704067300000))

	got, err := s.GetRun(ctx, rid)
	require.NoError(t, err)
	assert.Equal(t, "renamed", got.Info.RunName)
	assert.Equal(t, RunFinished, got.Info.Status)
	assert.Equal(t, int64(1704067300000), got.Info.EndTime)
	assert.Equal(t, []Metric{{Key: "acc", Value: 0.5, Timestamp: 6, Step: 1}}, got.Data.Metrics)
	assert.NotContains(t, readFile(t, filepath.Join(runDir, "meta.yaml")), "deleted_time", "update_run_info drops deleted_time, as MLflow does")
	_, err = s.GetRun(ctx, "0123456789abcdef0123456789abcdef")
	assert.True(t, IsNotFound(err))
	_, err = s.CreateRun(ctx, CreateRunRequest{ExperimentID: "424242"})
	assert.True(t, IsNotFound(err))
}

func TestOpenChoosesStore(t *testing.T) {
	dir := t.TempDir()
	for _, uri := range []string{"file://" + dir, "file:" + dir, dir} {
		st, err := Open(uri, Options{})
		require.NoError(t, err, uri)
		fs, ok := st.(*FileStore)
		require.True(t, ok, uri)
		assert.Equal(t, dir, fs.Root())
	}
	st, err := Open("https://mlflow.example.com/", Options{})
	require.NoError(t, err)
	assert.IsType(t, &Client{}, st)
	_, err = Open("file://otherhost/x", Options{})
	assert.ErrorContains(t, err, "must be local")
	_, err = Open("databricks://profile", Options{})
	assert.ErrorContains(t, err, `scheme "databricks" is not supported`)
}

// yamlID is how PyYAML writes a hex run ID: quoted only when all digits.
func yamlID(s string) string {
	for _, r := range s {
		if r < '0' || r > '9' {
			return s
		}
	}
	return "'" + s + "'"
}

func readMeta0(t *testing.T, root string) string {
	return readFile(t, filepath.Join(root, "0", "meta.yaml"))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}

// A meta.yaml MLflow wrote may carry keys this store does not know (a newer
// MLflow's, or an older one's run_uuid): rewriting the file keeps them
// byte for byte, in PyYAML's sorted order.
func TestFileStoreRewriteKeepsUnknownKeys(t *testing.T) {
	root := t.TempDir()
	s, err := OpenFileStore(root)
	require.NoError(t, err)
	ctx := context.Background()
	exp, err := s.CreateExperiment(ctx, "e", "", nil)
	require.NoError(t, err)
	run, err := s.CreateRun(ctx, CreateRunRequest{ExperimentID: exp, RunName: "r", StartTime: 1704067200000})
	require.NoError(t, err)
	runDir := filepath.Join(root, exp, run.Info.RunID)
	meta := readFile(t, filepath.Join(runDir, "meta.yaml"))
	extra := "future_key:\n- a\n- b: 1\nrun_uuid: " + run.Info.RunID + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(runDir, "meta.yaml"), []byte(meta+extra), 0o644))

	require.NoError(t, s.UpdateRun(ctx, run.Info.RunID, RunFinished, 1704067300000))
	got := readFile(t, filepath.Join(runDir, "meta.yaml"))
	assert.Contains(t, got, "experiment_id: '"+exp+"'\nfuture_key:\n- a\n- b: 1\nlifecycle_stage: active\n")
	assert.Contains(t, got, "run_name: r\nrun_uuid: "+run.Info.RunID+"\nsource_name: ''\n")
	assert.Contains(t, got, "end_time: 1704067300000\n")
	assert.Contains(t, got, "status: 3\n")
	assert.NotContains(t, got, "deleted_time", "update_run_info drops deleted_time")

	_, err = s.CreateRegisteredModel(ctx, "m", "", nil)
	require.NoError(t, err)
	mdir := filepath.Join(root, "models", "m")
	mmeta := readFile(t, filepath.Join(mdir, "meta.yaml"))
	mmeta = strings.Replace(mmeta, "deployment_job_id: null\n", "deployment_job_id: job-7\n", 1) + "workspace: default\n"
	require.NoError(t, os.WriteFile(filepath.Join(mdir, "meta.yaml"), []byte(mmeta), 0o644))
	_, err = s.CreateModelVersion(ctx, CreateModelVersionRequest{Name: "m", Source: "s3://b/m"})
	require.NoError(t, err)
	require.NoError(t, s.SetRegisteredModelAlias(ctx, "m", "champion", "1"))
	got = readFile(t, filepath.Join(mdir, "meta.yaml"))
	assert.Contains(t, got, "deployment_job_id: job-7\ndeployment_job_state: null\n")
	assert.Contains(t, got, "name: m\nworkspace: default\n")
	assert.Contains(t, got, "aliases:\n  champion: '1'\n")
}

func TestFileStoreFindRuns(t *testing.T) {
	s, err := OpenFileStore(t.TempDir())
	require.NoError(t, err)
	ctx := context.Background()
	exp, err := s.CreateExperiment(ctx, "e", "", nil)
	require.NoError(t, err)
	tags := []Tag{{Key: "kfp.pipeline_run_id", Value: "p1"}, {Key: "kfp.task_name", Value: "register"}}
	a, err := s.CreateRun(ctx, CreateRunRequest{ExperimentID: exp, StartTime: 1, Tags: tags})
	require.NoError(t, err)
	_, err = s.CreateRun(ctx, CreateRunRequest{ExperimentID: exp, StartTime: 2, Tags: tags[1:]})
	require.NoError(t, err)
	found, err := s.FindRuns(ctx, exp, map[string]string{"kfp.pipeline_run_id": "p1", "kfp.task_name": "register"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, a.Info.RunID, found[0].Info.RunID)
	all, err := s.FindRuns(ctx, exp, map[string]string{"kfp.task_name": "register"})
	require.NoError(t, err)
	assert.Len(t, all, 2)
	_, err = s.FindRuns(ctx, "999", nil)
	assert.True(t, IsNotFound(err))
}
