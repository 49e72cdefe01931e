package argo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/util/expr/env"
	argotemplate "github.com/argoproj/argo-workflows/v3/util/template"
	"github.com/expr-lang/expr"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/compiler/conformance"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

type contractIn struct {
	Text   dsl.Param[string]   `kfp:"text"`
	Count  dsl.Param[int]      `kfp:"count"`
	Scale  dsl.Param[float64]  `kfp:"scale" default:"1.5"`
	Tags   dsl.Param[[]string] `kfp:"tags"`
	Source dsl.Artifact[dsl.Dataset]
}

type contractOut struct {
	Echo  dsl.Param[string]   `kfp:"echo"`
	Total dsl.Param[float64]  `kfp:"total"`
	Tags  dsl.Param[[]string] `kfp:"tags_out"`
	Model dsl.Artifact[dsl.Model]
}

var contractComp = dsl.NewComponent("contract", func(ctx context.Context, in contractIn) (contractOut, error) {
	src, err := os.ReadFile(in.Source.Path())
	if err != nil {
		return contractOut{}, err
	}
	out := dsl.Outputs[contractOut](ctx)
	if err := os.WriteFile(out.Model.Path(), append([]byte("model of "), src...), 0o644); err != nil {
		return contractOut{}, err
	}
	out.Echo = dsl.Lit(in.Text.Value() + "!")
	out.Total = dsl.Lit(float64(in.Count.Value()) * in.Scale.Value())
	out.Tags = dsl.Lit(append(in.Tags.Value(), "done"))
	return *out, nil
}, dsl.Image("ko://example.com/contract"))

type contractPipeIn struct {
	Text   dsl.Param[string]   `kfp:"text"`
	Count  dsl.Param[int]      `kfp:"count"`
	Tags   dsl.Param[[]string] `kfp:"tags"`
	Source dsl.Artifact[dsl.Dataset]
}

var contractPipeline = dsl.NewPipeline("contract-pipeline", func(b *dsl.Builder, in contractPipeIn) contractOut {
	return contractComp.Task(b, contractIn{Text: in.Text, Count: in.Count, Tags: in.Tags, Source: in.Source}).Out
})

// TestGoFunctionContract runs a Go-function component the way Argo would:
// the container template's arguments are substituted by Argo's own
// template engine with the values Argo holds for the inputs, the
// executor runs with them, and the wrapper's output expressions are
// evaluated by Argo's expression environment on the ExecutorOutput file.
func TestGoFunctionContract(t *testing.T) {
	g := contractPipeline.Build()
	require.Empty(t, ir.Validate(g))
	wf, err := argo.Emit(g, argo.Options{})
	require.NoError(t, err)
	require.NoError(t, argo.Lint(wf))
	tmpls := map[string]wfv1.Template{}
	for _, tm := range wf.Spec.Templates {
		tmpls[tm.Name] = tm
	}
	wrapper, ctr := tmpls["contract"], tmpls["contract-exec"]
	require.NotNil(t, wrapper.DAG)
	require.NotNil(t, ctr.Container)

	// The values Argo substitutes: parameters in KFP's string form (a
	// STRING as is, others as JSON), including characters that would break
	// naive JSON templating.
	text := "say \"hi\"\n\tand {braces} \\ done"
	scope := map[string]string{
		"inputs.parameters.text":  text,
		"inputs.parameters.count": "4",
		"inputs.parameters.scale": "1.5", // the template input's default
		"inputs.parameters.tags":  `["a","b c"]`,
	}
	raw, err := json.Marshal(ctr.Container.Args)
	require.NoError(t, err)
	sub, err := argotemplate.Replace(string(raw), scope, false)
	require.NoError(t, err)
	// Move the contract's fixed paths under a temporary root.
	root := t.TempDir()
	sub = strings.ReplaceAll(sub, "/tmp/kfp/", root+"/")
	var args []string
	require.NoError(t, json.Unmarshal([]byte(sub), &args))

	// Argo places the input artifact at the template's path.
	require.Equal(t, argo.InputPath("source"), ctr.Inputs.Artifacts[0].Path)
	in := filepath.Join(root, "inputs", "source", "data")
	require.NoError(t, os.MkdirAll(filepath.Dir(in), 0o755))
	require.NoError(t, os.WriteFile(in, []byte("rows"), 0o644))

	// The executor input the binary sees.
	var ei map[string]any
	require.NoError(t, json.Unmarshal([]byte(args[1]), &ei))
	pv := ei["inputs"].(map[string]any)["parameterValues"].(map[string]any)
	require.Equal(t, map[string]any{"text": text, "count": 4.0, "scale": 1.5, "tags": []any{"a", "b c"}}, pv)

	var stdout, stderr bytes.Buffer
	code := executor.Run(context.Background(), args, &stdout, &stderr, contractComp)
	require.Equal(t, executor.ExitOK, code, stderr.String())

	// Argo reads the ExecutorOutput into the executor-output parameter
	// (valueFrom.path) and the artifacts from their paths.
	var outPath string
	for _, p := range ctr.Outputs.Parameters {
		if p.Name == argo.ExecutorOutputParam {
			outPath = p.ValueFrom.Path
		}
	}
	require.Equal(t, argo.ExecutorOutputPath, outPath)
	eo, err := os.ReadFile(strings.Replace(outPath, "/tmp/kfp/", root+"/", 1))
	require.NoError(t, err)
	model, err := os.ReadFile(strings.Replace(ctr.Outputs.Artifacts[0].Path, "/tmp/kfp/", root+"/", 1))
	require.NoError(t, err)
	require.Equal(t, "model of rows", string(model))

	envMap := env.GetFuncMap(map[string]any{"tasks.run.outputs.parameters." + argo.ExecutorOutputParam: string(eo)})
	got := map[string]string{}
	for _, p := range wrapper.Outputs.Parameters {
		v, err := expr.Eval(p.ValueFrom.Expression, envMap)
		require.NoError(t, err, p.ValueFrom.Expression)
		got[p.Name] = wfv1.AnyStringPtr(v).String()
	}
	require.Equal(t, map[string]string{"echo": text + "!", "total": "6", "tags_out": `["a","b c","done"]`}, got)
	require.Equal(t, "{{tasks.run.outputs.artifacts.model}}", wrapper.Outputs.Artifacts[0].From)
}

// TestCronWorkflow checks the schedule flags: a 5-field cron and a time
// zone give a CronWorkflow that Argo validates; a bad expression is refused.
func TestCronWorkflow(t *testing.T) {
	hello := conformance.Cases["kfp-ir/hello_world.yaml"].Pipeline
	res, err := argo.Compile(hello, argo.Options{Schedule: "30 2 * * *", Timezone: "America/New_York"})
	require.NoError(t, err)
	cw, ok := res.Object.(*wfv1.CronWorkflow)
	require.True(t, ok)
	require.Equal(t, []string{"30 2 * * *"}, cw.Spec.Schedules)
	require.Equal(t, "America/New_York", cw.Spec.Timezone)
	require.Equal(t, "echo", cw.Name)

	_, err = argo.Compile(contractPipeline, argo.Options{Schedule: "30 2 * * *"})
	require.ErrorContains(t, err, `pipeline input "text" has no default`)
	_, err = argo.Compile(hello, argo.Options{Schedule: "61 * * * *"})
	require.Error(t, err)
	_, err = argo.Compile(hello, argo.Options{Schedule: "0 30 2 * * *"})
	require.ErrorContains(t, err, `--schedule "0 30 2 * * *" has 6 fields`)
	require.ErrorContains(t, err, `pass --schedule "30 2 * * *"`)
	require.NotContains(t, err.Error(), "Schedule.Cron", "no Go field names in the CLI's error")
	_, err = argo.Compile(contractPipeline, argo.Options{Kind: argo.KindWorkflow, Schedule: "0 3 * * *"})
	require.ErrorContains(t, err, "--kind cronworkflow")
}

// TestUnsupportedIsPositioned checks that a construct Argo cannot express
// comes back as a positioned ir.ErrorList.
func TestUnsupportedIsPositioned(t *testing.T) {
	_, err := argo.Compile(contractPipeline, argo.Options{Kind: "deployment"})
	require.ErrorContains(t, err, "unknown kind")
	var l ir.ErrorList
	require.False(t, errors.As(err, &l))
}
