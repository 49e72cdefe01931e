package graph

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"
)

func loadGolden(t *testing.T) *pipelinespec.PipelineSpec {
	b, err := os.ReadFile("../../testdata/golden/kfp/cartrain.yaml")
	require.NoError(t, err)
	if i := bytes.Index(b, []byte("\n---\n")); i >= 0 {
		b = b[:i+1]
	}
	j, err := yaml.YAMLToJSON(b)
	require.NoError(t, err)
	var spec pipelinespec.PipelineSpec
	require.NoError(t, protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(j, &spec))
	return &spec
}

func TestBuildNestsGroups(t *testing.T) {
	d := Build(loadGolden(t))
	var names []string
	for _, n := range d.Nodes {
		names = append(names, n.Name)
	}
	assert.Equal(t, []string{"exit-handler-1", "record-run-status"}, names)
	eh := d.Nodes[0]
	require.NotNil(t, eh.Sub)
	assert.Equal(t, "car-training (exit-handler-1: ExitHandler)", eh.Label)
	assert.True(t, d.Nodes[1].Exit, "record-run-status is the exit task")
	var gate *Node
	for _, n := range eh.Sub.Nodes {
		if n.Name == "condition-2" {
			gate = n
		}
	}
	require.NotNil(t, gate)
	assert.Equal(t, "quality-gate (condition-2: if evaluate-accuracy >= accuracy_threshold)", gate.Label)
	// The gate's body reads the trainer's model, the evaluation and the
	// hyperparameters step's run params.
	assert.Len(t, gate.Deps, 3)
}

func TestDotAndMermaid(t *testing.T) {
	d := Build(loadGolden(t))
	var dot, mm bytes.Buffer
	require.NoError(t, Dot(&dot, "cartrain", d))
	require.NoError(t, Mermaid(&mm, "cartrain", d))
	assert.Contains(t, dot.String(), "subgraph cluster_")
	assert.Contains(t, dot.String(), "lhead=cluster_")
	assert.Equal(t, strings.Count(dot.String(), "{"), strings.Count(dot.String(), "}"))
	assert.Contains(t, mm.String(), "flowchart TD")
	assert.Contains(t, mm.String(), "-.->", "the exit task's edge is dashed")
	assert.Equal(t, strings.Count(mm.String(), "subgraph"), strings.Count(mm.String(), "\n    end")+strings.Count(mm.String(), "\n  end"))
}
