package gofunc_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/examples/gofunc"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

func TestWordCount(t *testing.T) {
	root := t.TempDir()
	t.Setenv(executor.MountRootEnv, root)
	text := filepath.Join(root, "gcs/b/text")
	require.NoError(t, os.MkdirAll(filepath.Dir(text), 0o755))
	require.NoError(t, os.WriteFile(text, []byte("the cat saw the dog\nThe end\n"), 0o644))
	ei := &pipelinespec.ExecutorInput{}
	require.NoError(t, protojson.Unmarshal([]byte(`{
	  "inputs": {"parameterValues": {"top": 2}, "artifacts": {"text": {"artifacts": [{"uri": "gs://b/text"}]}}},
	  "outputs": {"parameters": {"words": {"outputFile": "/tmp/kfp/outputs/words"}},
	    "artifacts": {"report": {"artifacts": [{"name": "report", "uri": "gs://b/out/report"}]},
	                  "metrics": {"artifacts": [{"name": "metrics", "uri": "gs://b/out/metrics"}]}},
	    "outputFile": "`+filepath.Join(root, "out.json")+`"}}`), ei))
	eo, err := executor.Execute(context.Background(), gofunc.WordCount, ei)
	require.NoError(t, err)
	assert.Equal(t, 7.0, eo.ParameterValues["words"].GetNumberValue())
	assert.Equal(t, map[string]any{"words": 7.0, "distinct_words": 5.0}, eo.Artifacts["metrics"].Artifacts[0].Metadata.AsMap())
	report, err := os.ReadFile(filepath.Join(root, "gcs/b/out/report"))
	require.NoError(t, err)
	assert.Equal(t, "# Word count\n\n| word | count |\n| --- | --- |\n| the | 3 |\n| cat | 1 |\n", string(report))
	raw, err := os.ReadFile(filepath.Join(root, "out.json"))
	require.NoError(t, err)
	assert.True(t, json.Valid(raw))

	res, err := compiler.Compile(gofunc.Pipeline, compiler.Options{})
	require.NoError(t, err)
	assert.Contains(t, string(res.YAML), "- /ko-app/wordcount")
	assert.Contains(t, string(res.YAML), "- '--function_to_execute'")
}
