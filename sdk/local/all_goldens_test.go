package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/launcher"
	"github.com/kfpgo/kfpgo/sdk/local"
	"github.com/kfpgo/kfpgo/sdk/local/localtest"
)

// fakeExecutor stands in for any container: it writes every declared output
// (a typed sample value per output parameter, a file per output artifact)
// through the executor output file, so that the interpreter's control flow
// can run over pipelines whose real executors need Python or a cluster.
type fakeExecutor struct{ root string }

func (fakeExecutor) Prepare(context.Context, string) error { return nil }

func (f fakeExecutor) Run(_ context.Context, p local.Process) error {
	ei := p.ExecutorInput
	params := map[string]any{}
	for name := range ei.GetOutputs().GetParameters() {
		switch p.Component.GetOutputDefinitions().GetParameters()[name].GetParameterType() {
		case pipelinespec.ParameterType_NUMBER_INTEGER, pipelinespec.ParameterType_NUMBER_DOUBLE:
			params[name] = 1
		case pipelinespec.ParameterType_BOOLEAN:
			params[name] = true
		case pipelinespec.ParameterType_LIST:
			// Structs, so that loops selecting item fields work too.
			params[name] = []any{map[string]any{"a": 1, "A_a": "x", "B_b": "y"}, map[string]any{"a": 2, "A_a": "z", "B_b": "w"}}
		case pipelinespec.ParameterType_STRUCT:
			params[name] = map[string]any{"a": 1}
		default:
			params[name] = "sample"
		}
	}
	for name, l := range ei.GetOutputs().GetArtifacts() {
		for _, a := range l.GetArtifacts() {
			path, err := launcher.LocalPath(f.root, a.GetUri())
			if err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte("sample "+name), 0o644); err != nil {
				return err
			}
		}
	}
	b, err := json.Marshal(map[string]any{"parameterValues": params})
	if err != nil {
		return err
	}
	return os.WriteFile(ei.GetOutputs().GetOutputFile(), b, 0o644)
}

// TestInterpreterOverOwnGoldens runs the repository's own compiled
// pipelines (testdata/golden/kfp and this package's testdata) with
// fakeExecutor; `make conformance` does the same over KFP's goldens.
func TestInterpreterOverOwnGoldens(t *testing.T) {
	interpretEvery(t, filepath.Join("..", "..", "testdata", "golden", "kfp"), nil)
	// nested.yaml imports the URI of a pipeline parameter, whose sample
	// value is no URI: the run refuses it before the task starts.
	interpretEvery(t, "testdata", map[string]string{"nested.yaml": `artifact URI "sample" has no local path`})
}

// interpretEvery runs every valid golden under dir with fakeExecutor: the
// interpreter (DAG order, conditions, loops, OneOf, Collected, exit
// handlers, nested pipelines, importers, placeholders) must take each to
// completion. Outputs are samples, so conditions over them take whichever
// branch the sample selects.
// refused names the goldens (relative to dir) that cannot complete locally,
// and why.
func interpretEvery(t *testing.T, dir string, refused map[string]string) {
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") && !strings.Contains(path, "/invalid/") {
			files = append(files, path)
		}
		return err
	}))
	ran := 0
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		t.Run(rel, func(t *testing.T) {
			p, err := local.LoadFile(path)
			require.NoError(t, err)
			root := t.TempDir()
			res, err := local.Run(context.Background(), p, local.Options{Params: localtest.SampleParams(t, p), Handler: fakeExecutor{root: root}, PipelineRoot: root, NoCache: true})
			if want, ok := refused[rel]; ok {
				assert.ErrorContains(t, err, want)
				return
			}
			require.NoError(t, err, describe(res))
			ran++
		})
	}
	t.Logf("%d of %d goldens ran to completion under the fake executor", ran, len(files))
}

func describe(res *local.RunResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, t := range res.Tasks {
		fmt.Fprintf(&b, "%s %s %s\n", t.Name, t.State, t.Reason)
	}
	return b.String()
}
