package kfp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type importerMetaIn struct {
	Name dsl.Param[string] `kfp:"name" default:"n"`
	N    dsl.Param[int]    `kfp:"n" default:"1"`
}

// Ordered metadata numbers the importer's metadata inputs in the written
// order, reuses one input per value, expands Format and accepts run-time keys.
func TestImportOrderedMetadataNumbersInputsInOrder(t *testing.T) {
	p := dsl.NewPipeline("importer-meta", func(b *dsl.Builder, in importerMetaIn) none {
		up := echo.Task(b, strIn{Text: dsl.Lit("x")})
		dsl.Importer[dsl.Dataset](b, dsl.Lit("gs://b/o"), dsl.ImportOrderedMetadata(
			dsl.MetadataEntry{Key: "z", Value: dsl.Format("p-", up.Out.Output)},
			dsl.MetadataEntry{Key: "a", Value: []any{in.N, up.Out.Output, dsl.PipelineJobName()}},
			dsl.MetadataEntry{Key: in.Name, Value: dsl.OrderedMetadata{{Key: "k", Value: in.Name}}},
		))
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	comp := res.KFP.Spec.Components["comp-importer"]
	require.NotNil(t, comp)
	params := comp.InputDefinitions.Parameters
	assert.Len(t, params, 4) // uri, metadata, metadata-2, metadata-3
	assert.Equal(t, "NUMBER_INTEGER", params["metadata-2"].ParameterType.String())
	task := res.KFP.Spec.Root.GetDag().Tasks["importer"]
	in := task.Inputs.Parameters
	assert.Equal(t, "echo", in["metadata"].GetTaskOutputParameter().GetProducerTask())
	assert.Equal(t, "n", in["metadata-2"].GetComponentInputParameter())
	assert.Equal(t, "name", in["metadata-3"].GetComponentInputParameter())
	assert.Equal(t, []string{"echo"}, task.DependentTasks)
	md := res.KFP.Spec.DeploymentSpec.GetFields()["executors"].GetStructValue().GetFields()["exec-importer"].
		GetStructValue().GetFields()["importer"].GetStructValue().GetFields()["metadata"].GetStructValue().AsMap()
	assert.Equal(t, map[string]any{
		"z":                                     "p-{{$.inputs.parameters['metadata']}}",
		"a":                                     []any{"{{$.inputs.parameters['metadata-2']}}", "{{$.inputs.parameters['metadata']}}", "{{$.pipeline_job_name}}"},
		"{{$.inputs.parameters['metadata-3']}}": map[string]any{"k": "{{$.inputs.parameters['metadata-3']}}"},
	}, md)
}

func TestImportOrderedMetadataRejectsBadKeys(t *testing.T) {
	for want, entries := range map[string][]dsl.MetadataEntry{
		"key of type int is neither a string nor a string parameter": {{Key: 3, Value: "v"}},
		`key "k" given twice`: {{Key: "k", Value: "v"}, {Key: "k", Value: "w"}},
	} {
		p := dsl.NewPipeline("importer-meta-bad", func(b *dsl.Builder, _ none) none {
			dsl.Importer[dsl.Dataset](b, dsl.Lit("gs://b/o"), dsl.ImportOrderedMetadata(entries...))
			return none{}
		})
		_, err := compiler.Compile(p, compiler.Options{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
}
