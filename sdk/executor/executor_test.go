package executor_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kfpgo/kfpgo/sdk/executor"
	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
)

// compBin is the component binary built from testdata/comp.
var compBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "executor-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	compBin = filepath.Join(dir, "comp")
	out, err := exec.Command("go", "build", "-o", compBin, "./testdata/comp").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build testdata/comp: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// launcherInput is an ExecutorInput as KFP's driver and launcher write it
// (backend/src/v2/driver/driver.go provisionOutputs: output artifacts named
// after their output with a URI under the task root, output parameter files
// under /tmp/kfp/outputs, the output file under the task root; input
// artifacts carry the producer's metadata).
const launcherInput = `{
  "inputs": {
    "parameterValues": {
      "label": "car",
      "epochs": 3,
      "learning_rate": 0.01,
      "verbose": true,
      "tags": ["a", "b"],
      "config": {"depth": 4},
      "pipelinechannel--unused": "x"
    },
    "artifacts": {
      "features": {
        "artifacts": [{
          "name": "features",
          "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
          "uri": "minio://mlpipeline/v2/artifacts/car-training/run-1/prepare-data/4f1c/dataset",
          "metadata": {"display_name": "dataset", "rows": 100}
        }]
      },
      "shards": {
        "artifacts": [
          {"name": "1", "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"}, "uri": "s3://bucket/shard-0"},
          {"name": "2", "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"}, "uri": "gs://bucket/shard-1"}
        ]
      }
    }
  },
  "outputs": {
    "parameters": {
      "accuracy": {"outputFile": "/tmp/kfp/outputs/accuracy"},
      "summary": {"outputFile": "/tmp/kfp/outputs/summary"},
      "counts": {"outputFile": "/tmp/kfp/outputs/counts"}
    },
    "artifacts": {
      "model": {"artifacts": [{"name": "model", "type": {"schemaTitle": "system.Model", "schemaVersion": "0.0.1"}, "uri": "minio://mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/model"}]},
      "metrics": {"artifacts": [{"name": "metrics", "type": {"schemaTitle": "system.Metrics", "schemaVersion": "0.0.1"}, "uri": "minio://mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/metrics"}]},
      "classes": {"artifacts": [{"name": "classes", "type": {"schemaTitle": "system.ClassificationMetrics", "schemaVersion": "0.0.1"}, "uri": "minio://mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/classes"}]},
      "report": {"artifacts": [{"name": "report", "type": {"schemaTitle": "system.Markdown", "schemaVersion": "0.0.1"}, "uri": "gs://other/run-1/train/report", "customPath": "/ignored/by/this/proto"}]}
    },
    "outputFile": "/minio/mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/output_metadata.json"
  }
}`

// run runs the component binary with the given mount root and arguments.
func run(t *testing.T, root string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(compBin, args...)
	cmd.Env = append(os.Environ(), executor.MountRootEnv+"="+root)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return o.String(), e.String(), code
}

// rooted rewrites the launcher's absolute /minio output file under root, as
// the mount root moves every mapped path.
func rooted(root string) string {
	return strings.ReplaceAll(launcherInput, `"outputFile": "/minio/`, `"outputFile": "`+root+`/minio/`)
}

func TestEndToEndLauncherInput(t *testing.T) {
	root := t.TempDir()
	// The producer's artifact, where KFP's launcher would have downloaded it.
	in := filepath.Join(root, "minio/mlpipeline/v2/artifacts/car-training/run-1/prepare-data/4f1c/dataset")
	require.NoError(t, os.MkdirAll(filepath.Dir(in), 0o755))
	require.NoError(t, os.WriteFile(in, []byte("id,price\n1,2\n"), 0o644))

	stdout, stderr, code := run(t, root, "--executor_input", rooted(root), "--function_to_execute", "train")
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Empty(t, stderr, "every output is written: no warning")

	// The ExecutorOutput, at the file the ExecutorInput names.
	outFile := filepath.Join(root, "minio/mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/output_metadata.json")
	raw, err := os.ReadFile(outFile)
	require.NoError(t, err)
	eo := &pipelinespec.ExecutorOutput{}
	require.NoError(t, protojson.Unmarshal(raw, eo), "the output must parse as KFP's ExecutorOutput")

	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got))
	want := map[string]any{
		"parameterValues": map[string]any{
			"accuracy": 0.875,
			"summary":  "trained car",
			"counts":   []any{1.0, 2.0, 3.0},
		},
		"artifacts": map[string]any{
			"model": map[string]any{"artifacts": []any{map[string]any{
				"name": "model", "uri": "minio://mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/model",
				"metadata": map[string]any{"framework": "go"},
			}}},
			"metrics": map[string]any{"artifacts": []any{map[string]any{
				"name": "metrics", "uri": "minio://mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/metrics",
				"metadata": map[string]any{"accuracy": 0.875},
			}}},
			"classes": map[string]any{"artifacts": []any{map[string]any{
				"name": "classes", "uri": "minio://mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/classes",
				"metadata": map[string]any{
					"confusionMatrix": map[string]any{
						"annotationSpecs": []any{map[string]any{"displayName": "car"}, map[string]any{"displayName": "truck"}},
						"rows":            []any{map[string]any{"row": []any{1.0, 1.0}}, map[string]any{"row": []any{0.0, 1.0}}},
					},
					"confidenceMetrics": []any{
						map[string]any{"confidenceThreshold": 0.9, "recall": 0.5, "falsePositiveRate": 0.0},
						map[string]any{"confidenceThreshold": 0.1, "recall": 1.0, "falsePositiveRate": 0.5},
					},
				},
			}}},
			"report": map[string]any{"artifacts": []any{map[string]any{
				"name": "report", "uri": "gs://other/run-1/train/report",
			}}},
		},
	}
	assert.Equal(t, want, got)

	// The files the component wrote, at KFP's local paths under the root.
	model, err := os.ReadFile(filepath.Join(root, "minio/mlpipeline/v2/artifacts/car-training/run-1/train/9a7e/model"))
	require.NoError(t, err)
	assert.Equal(t, `label=car epochs=3 rate=0.01 verbose=true tags=a+b config=4 seed=7 note="" rows=100 extra=false shards=s3://bucket/shard-0,gs://bucket/shard-1 data=id,price
1,2`, string(model))
	report, err := os.ReadFile(filepath.Join(root, "gcs/other/run-1/train/report"))
	require.NoError(t, err)
	assert.Equal(t, "# Report\n", string(report))
	// No temporary files are left beside the output.
	entries, err := os.ReadDir(filepath.Dir(outFile))
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), ".executor-output-"), "leftover %s", e.Name())
	}
}

func TestEndToEndExitTaskAndInputFile(t *testing.T) {
	root := t.TempDir()
	outFile := filepath.Join(root, "out", "output_metadata.json")
	input := fmt.Sprintf(`{"inputs": {"parameterValues": {"status": {
	  "state": "FAILED", "pipelineJobResourceName": "projects/p/locations/l/pipelineJobs/j",
	  "pipelineTaskName": "train", "error": {"code": 9, "message": "boom"}}}},
	  "outputs": {"parameters": {"state": {"outputFile": "/tmp/kfp/outputs/state"}}, "outputFile": %q}}`, outFile)
	inFile := filepath.Join(root, "ei.json")
	require.NoError(t, os.WriteFile(inFile, []byte(input), 0o644))
	// A binary hosting several components needs --function_to_execute.
	_, stderr, code := run(t, root, "--executor_input", "@"+inFile)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--function_to_execute is required: this binary hosts exit-report, fail, partial, train")

	_, stderr, code = run(t, root, "--executor_input", "@"+inFile, "--function_to_execute", "exit-report")
	require.Equal(t, 0, code, stderr)
	raw, err := os.ReadFile(outFile)
	require.NoError(t, err)
	assert.JSONEq(t, `{"parameterValues": {"state": "FAILED/train/boom"}}`, string(raw))
}

func TestErrorAndPanicExits(t *testing.T) {
	root := t.TempDir()
	outFile := filepath.Join(root, "output_metadata.json")
	input := func(mode string) string {
		return fmt.Sprintf(`{"inputs": {"parameterValues": {"mode": %q}}, "outputs": {"outputFile": %q}}`, mode, outFile)
	}
	tests := []struct {
		name      string
		args      []string
		code      int
		firstLine string
		stack     bool
	}{
		{name: "returned error", args: []string{"--executor_input", input("error"), "--function_to_execute", "fail"},
			code: 1, firstLine: `executor: component "fail" failed: bad input data second line`},
		{name: "permanent error", args: []string{"--executor_input", input("permanent"), "--function_to_execute", "fail"},
			code: executor.ExitPermanent, firstLine: `executor: component "fail" failed (permanent, not retried): table "x": no such table`},
		{name: "panic", args: []string{"--executor_input", input("panic"), "--function_to_execute", "fail"},
			code: 2, firstLine: `executor: component "fail" panicked: assignment to entry in nil map`, stack: true},
		{name: "unknown component", args: []string{"--executor_input", input("x"), "--function_to_execute", "nope"},
			code: 1, firstLine: `executor: --function_to_execute "nope": no such component in this binary (it hosts exit-report, fail, partial, train): rebuild the image from the main package that registers it`},
		{name: "bad JSON", args: []string{"--executor_input", "{", "--function_to_execute", "fail"},
			code: executor.ExitPermanent, firstLine: `executor: component "fail": --executor_input is not an ExecutorInput JSON:`},
		{name: "missing input", args: []string{"--executor_input", `{"outputs": {}}`, "--function_to_execute", "fail"},
			code: executor.ExitPermanent, firstLine: `executor: component "fail" failed (permanent, not retried): input parameter "mode" is missing from the ExecutorInput`},
		{name: "ill-typed input", args: []string{"--executor_input", `{"inputs": {"parameterValues": {"label": "x", "epochs": "three"}}}`, "--function_to_execute", "train"},
			code: executor.ExitPermanent, firstLine: `executor: component "train" failed (permanent, not retried): input parameter "epochs": value three does not fit dsl.Param[int]`},
		{name: "list item of another type", args: []string{"--executor_input", `{"inputs": {"parameterValues": {"label": "x", "epochs": 1, "learning_rate": 0.1, "verbose": true, "tags": [1, 2]}}}`, "--function_to_execute", "train"},
			code: executor.ExitPermanent, firstLine: `executor: component "train" failed (permanent, not retried): input parameter "tags": value [1 2] does not fit dsl.Param[[]string]: a JSON number where the Go type string is expected`},
		{name: "unsupported input URI", args: []string{"--executor_input", strings.Replace(launcherInput, "s3://bucket/shard-0", "hdfs://bucket/shard-0", 1), "--function_to_execute", "train"},
			code: executor.ExitPermanent, firstLine: `executor: component "train" failed (permanent, not retried): input artifact "shards": unsupported artifact URI scheme "hdfs://" in "hdfs://bucket/shard-0": KFP's launcher maps gs://, s3://, minio://, oci:// (and local paths)`},
		{name: "escaping output URI", args: []string{"--executor_input", strings.Replace(launcherInput, "gs://other/run-1/train/report", "gs://other/../../../../tmp/report", 1), "--function_to_execute", "train"},
			code: 1, firstLine: `executor: component "train" failed: output artifact "report": artifact URI "gs://other/../../../../tmp/report" escapes the gs:// mount folder "gcs"`},
		{name: "output artifact not in the ExecutorInput", args: []string{"--executor_input", strings.Replace(launcherInput, `"report": {"artifacts"`, `"other": {"artifacts"`, 1), "--function_to_execute", "train"},
			code: 1, firstLine: `executor: component "train" failed: output artifact "report" is not in the ExecutorInput`},
		{name: "unknown flag", args: []string{"--bogus"},
			code: 1, firstLine: `executor: flag provided but not defined: -bogus (run with --help for usage)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, root, tt.args...)
			assert.Equal(t, tt.code, code)
			first, rest, _ := strings.Cut(stderr, "\n")
			assert.True(t, strings.HasPrefix(first, tt.firstLine), "stderr first line:\n%s\nwant prefix:\n%s", first, tt.firstLine)
			if tt.stack {
				assert.Contains(t, rest, "goroutine ")
				assert.Contains(t, rest, "main.go")
			} else {
				assert.Empty(t, rest)
			}
			_, err := os.Stat(outFile)
			assert.True(t, os.IsNotExist(err), "no ExecutorOutput after a failure")
		})
	}
}

// started is a component process blocked in the "fail" component.
type started struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *bytes.Buffer
}

// start runs the "fail" component in mode with an ExecutorInput naming
// outFile, and waits until the function prints "waiting".
func start(t *testing.T, mode, outFile string) *started {
	t.Helper()
	input := fmt.Sprintf(`{"inputs": {"parameterValues": {"mode": %q}}, "outputs": {"outputFile": %q}}`, mode, outFile)
	cmd := exec.Command(compBin, "--executor_input", input, "--function_to_execute", "fail")
	cmd.Env = append(os.Environ(), executor.MountRootEnv+"="+t.TempDir())
	s := &started{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = s.stderr
	var err error
	s.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s.stdout = bufio.NewReader(out)
	require.NoError(t, cmd.Start())
	// Safety net only: a broken executor must not hang the test run.
	stop := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	t.Cleanup(func() { stop.Stop(); _ = cmd.Process.Kill() })
	s.expectLine(t, "waiting")
	return s
}

// expectLine reads one stdout line of the component and checks it.
func (s *started) expectLine(t *testing.T, want string) {
	t.Helper()
	line, err := s.stdout.ReadString('\n')
	require.NoError(t, err, "stderr: %s", s.stderr)
	require.Equal(t, want+"\n", line)
}

// wait waits for the process and returns its wait status.
func (s *started) wait(t *testing.T) syscall.WaitStatus {
	t.Helper()
	err := s.cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", s.stderr)
	return ee.Sys().(syscall.WaitStatus)
}

func TestSignalCancelsWithoutOutput(t *testing.T) {
	tests := []struct {
		name, mode string
		sig        syscall.Signal
		code       int
		line       string
	}{
		{"SIGTERM, function returns the context error", "wait", syscall.SIGTERM, 143, `executor: component "fail" cancelled by SIGTERM`},
		{"SIGINT, function ignores the context and succeeds", "ignore", syscall.SIGINT, 130, `executor: component "fail" cancelled by SIGINT`},
		{"SIGTERM, function ignores the context and succeeds", "ignore", syscall.SIGTERM, 143, `executor: component "fail" cancelled by SIGTERM`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outFile := filepath.Join(t.TempDir(), "output_metadata.json")
			p := start(t, tt.mode, outFile)
			require.NoError(t, p.cmd.Process.Signal(tt.sig))
			if tt.mode == "ignore" {
				p.expectLine(t, "ignoring")
				require.NoError(t, p.stdin.Close()) // the function now returns nil
			}
			ws := p.wait(t)
			assert.False(t, ws.Signaled())
			assert.Equal(t, tt.code, ws.ExitStatus())
			assert.Equal(t, tt.line+"\n", p.stderr.String())
			_, err := os.Stat(outFile)
			assert.True(t, os.IsNotExist(err), "no ExecutorOutput after a cancellation")
		})
	}
}

func TestSecondSignalEndsProcess(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			outFile := filepath.Join(t.TempDir(), "output_metadata.json")
			p := start(t, "ignore", outFile)
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			// The function saw the cancellation: default handling is back.
			p.expectLine(t, "ignoring")
			require.NoError(t, p.cmd.Process.Signal(sig))
			ws := p.wait(t)
			require.True(t, ws.Signaled(), "the second signal must end the process, status %v", ws)
			assert.Equal(t, sig, ws.Signal())
			_, err := os.Stat(outFile)
			assert.True(t, os.IsNotExist(err), "no ExecutorOutput after a cancellation")
		})
	}
}

func TestWarnsAboutUnwrittenOutputArtifacts(t *testing.T) {
	root := t.TempDir()
	outFile := filepath.Join(root, "out", "output_metadata.json")
	input := fmt.Sprintf(`{"outputs": {"artifacts": {
	  "model": {"artifacts": [{"name": "model", "uri": "gs://b/t/model"}]},
	  "data": {"artifacts": [{"name": "data", "uri": "gs://b/t/data"}]},
	  "report": {"artifacts": [{"name": "report", "uri": "gs://b/t/report"}]},
	  "metrics": {"artifacts": [{"name": "metrics", "uri": "gs://b/t/metrics"}]},
	  "sliced": {"artifacts": [{"name": "sliced", "uri": "gs://b/t/sliced"}]}},
	  "outputFile": %q}}`, outFile)
	_, stderr, code := run(t, root, "--executor_input", input, "--function_to_execute", "partial")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, `executor: warning: output artifact "model" (system.Model) has no file or folder at `+filepath.Join(root, "gcs/b/t/model")+
		`: KFP uploads nothing for gs://b/t/model and the task that consumes it will fail; write it at out.Model.Path()`+"\n", stderr)
	raw, err := os.ReadFile(outFile)
	require.NoError(t, err, "a warning does not stop the ExecutorOutput")
	eo := &pipelinespec.ExecutorOutput{}
	require.NoError(t, protojson.Unmarshal(raw, eo))
	assert.Len(t, eo.GetArtifacts(), 5)
}

func TestHelpListsComponents(t *testing.T) {
	stdout, _, code := run(t, t.TempDir(), "--help")
	assert.Equal(t, 0, code)
	for _, s := range []string{"train", "learning_rate            NUMBER_DOUBLE", "seed                     NUMBER_INTEGER  (default 7)",
		"shards                   list of artifact system.Dataset@0.0.1", "status                   TASK_FINAL_STATUS", "outputs: none"} {
		assert.Contains(t, stdout, s)
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct{ root, uri, want string }{
		{"", "gs://b/k/x", "/gcs/b/k/x"},
		{"", "s3://b/k", "/s3/b/k"},
		{"", "minio://mlpipeline/a", "/minio/mlpipeline/a"},
		{"/tmp/r", "gs://b/k", "/tmp/r/gcs/b/k"},
		{"", "oci://registry.domain.local/modelcar:test", "/oci/registry.domain.local_modelcar:test/models"},
		{"/tmp/r", "gs://b/k/../j", "/tmp/r/gcs/b/j"},
		{"/tmp/r", "/abs/file", "/abs/file"},
		{"/tmp/r", "/abs/./x/../file", "/abs/file"},
		{"/tmp/r", "file:///abs/file", "/abs/file"},
		{"/tmp/r", "rel/file", "rel/file"},
		{"/tmp/r", "", ""},
	}
	for _, tt := range tests {
		t.Setenv(executor.MountRootEnv, tt.root)
		got, err := executor.ResolveLocalPath(tt.uri)
		require.NoError(t, err, tt.uri)
		assert.Equal(t, tt.want, got, tt.uri)
		assert.Equal(t, tt.want, executor.LocalPath(tt.uri), tt.uri)
	}
}

func TestLocalPathRefusals(t *testing.T) {
	t.Setenv(executor.MountRootEnv, "/tmp/r")
	tests := []struct{ uri, err string }{
		{"gs://b/../../../../tmp/x", `artifact URI "gs://b/../../../../tmp/x" escapes the gs:// mount folder "gcs": its key resolves to "../../../tmp/x"`},
		{"s3://../x", `artifact URI "s3://../x" escapes the s3:// mount folder "s3"`},
		{"oci://", `artifact URI "oci://" names no usable OCI image`},
		{"minio://b/..", `artifact URI "minio://b/.." escapes the minio:// mount folder "minio"`},
		{"gs:///etc/passwd", `artifact URI "gs:///etc/passwd" escapes the gs:// mount folder "gcs"`},
		{"https://x/y", `unsupported artifact URI scheme "https://" in "https://x/y": KFP's launcher maps gs://, s3://, minio://, oci:// (and local paths)`},
		{"hdfs://x/y", `unsupported artifact URI scheme "hdfs://" in "hdfs://x/y": KFP's launcher maps gs://, s3://, minio://, oci:// (and local paths)`},
		{"GS://b/k", `unsupported artifact URI scheme "GS://" in "GS://b/k": KFP's launcher maps gs://, s3://, minio://, oci:// (and local paths)`},
	}
	for _, tt := range tests {
		got, err := executor.ResolveLocalPath(tt.uri)
		require.Error(t, err, tt.uri)
		assert.Contains(t, err.Error(), tt.err)
		assert.Empty(t, got)
		// The error-free form keeps such a URI as it is.
		assert.Equal(t, tt.uri, executor.LocalPath(tt.uri))
	}
}
