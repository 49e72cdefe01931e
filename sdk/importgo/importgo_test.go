package importgo

import (
	"errors"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/kfp"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/kubernetes"
)

// seedFiles are the YAML files of this repository the tests import: a
// hand-written pipeline with control flow, the compiled reference
// pipeline, and the component loader's v1 and v2 components.
var seedFiles = []string{
	"testdata/flip_coin.yaml",
	"../../testdata/golden/kfp/cartrain.yaml",
	"../componentyaml/testdata/v1_train.yaml",
	"../componentyaml/testdata/v2_train.yaml",
}

func TestImportDeterministicAndFormatted(t *testing.T) {
	for _, f := range []string{"testdata/flip_coin.yaml", "../componentyaml/testdata/v2_train.yaml"} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			a, err := Import(filepath.Base(f), data, Options{Package: "imported"})
			require.NoError(t, err)
			b, err := Import(filepath.Base(f), data, Options{Package: "imported"})
			require.NoError(t, err)
			require.Equal(t, a, b, "importing the same file twice must give the same bytes")
			require.NotEmpty(t, a.Files)
			for _, file := range a.Files {
				formatted, err := format.Source(file.Source)
				require.NoError(t, err, file.Name)
				assert.Equal(t, string(formatted), string(file.Source), "%s is not gofmt'ed", file.Name)
				assert.Contains(t, string(file.Source), "package imported\n")
			}
		})
	}
}

func TestImportFlipCoin(t *testing.T) {
	res, err := ImportFile("testdata/flip_coin.yaml", Options{})
	require.NoError(t, err)
	require.Equal(t, "FlipCoinPipeline", res.Pipeline)
	var names []string
	src := map[string]string{}
	for _, f := range res.Files {
		names = append(names, f.Name)
		src[f.Name] = string(f.Source)
	}
	require.Equal(t, []string{"components.go", "flip_coin_pipeline.go"}, names)
	comps, pipe := src["components.go"], src["flip_coin_pipeline.go"]
	for _, want := range []string{
		"package flipcoin",
		"Text dsl.Param[string] `kfp:\"text\" description:\"What to print.\"`",
		`dsl.Join(in.Text, " number ", in.N)`,
		`dsl.Concat("--out=", out.Output)`,
		`dsl.ExecutorInput()`,
		"Status dsl.PipelineTaskFinalStatus `kfp:\"status\"`",
	} {
		assert.Contains(t, comps, want)
	}
	for _, want := range []string{
		"Text dsl.Param[string] `kfp:\"text\" default:\"hello\"`",
		"notify := Notify.Task(b, NotifyIn{})",
		"dsl.ExitHandler(b, notify, func(b *dsl.Builder) {",
		"flip := Flip.Task(b, struct{}{}).\n\t\t\tSetCaching(false)",
		`dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit("heads")), func(b *dsl.Builder) {`,
		"dsl.ParallelForItems(b, []int{1, 2, 3}, func(b *dsl.Builder, item dsl.Param[int]) {",
		"}, dsl.Parallelism(2))",
		"Echo.Task(b, EchoIn{N: item, Text: in.Text}).\n\t\t\t\t\tSetRetry(3).\n\t\t\t\t\tSetCPULimit(\"500m\")",
		`dsl.Description("Flips a coin and echoes on heads.")`,
	} {
		assert.Contains(t, pipe, want)
	}
}

func TestImportKubernetesOptions(t *testing.T) {
	// The reference pipeline's Kubernetes options come back as
	// sdk/kubernetes calls on the task variables.
	res, err := ImportFile("../../testdata/golden/kfp/cartrain.yaml", Options{Package: "cartrain"})
	require.NoError(t, err)
	all := ""
	for _, f := range res.Files {
		all += string(f.Source)
	}
	assert.Contains(t, all, "\"github.com/kfpgo/kfpgo/sdk/kubernetes\"")
	assert.Contains(t, all, "kubernetes.UseSecretAsEnv(")
	assert.Contains(t, all, "dsl.NewContainerComponent(\"prepare-data\"")
}

func TestImportRefusesWhatTheDSLCannotSay(t *testing.T) {
	base, err := os.ReadFile("testdata/flip_coin.yaml")
	require.NoError(t, err)
	data := strings.Replace(string(base), "sdkVersion: kfp-2.14.6\n", "sdkVersion: kfp-2.14.6\n---\nplatforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n        exec-echo:\n          securityContext:\n            privileged: true\n", 1)
	_, err = Import("flip_coin.yaml", []byte(data), Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "flip_coin.yaml: platforms.kubernetes.deploymentSpec.executors.exec-echo.securityContext.privileged: unknown or unsupported key")
}

func TestImportErrorsNameTheYAMLPath(t *testing.T) {
	base, err := os.ReadFile("testdata/flip_coin.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, old, new, path, msg string
	}{
		{"unknown task key", "        taskInfo:\n          name: notify\n", "        taskInfo:\n          name: notify\n        surprise: 1\n", "root.dag.tasks.notify.surprise", "unknown or unsupported key"},
		{"bad placeholder", "- notify\n", "- notify {{$.inputs.parameters['nope']}}\n", "deploymentSpec.executors.exec-notify.container.command[0]", "nope"},
		{"unknown component", "name: comp-notify\n        dependentTasks", "name: comp-missing\n        dependentTasks", "root.dag.tasks.notify.componentRef.name", "does not exist"},
		{"odd condition", "== 'heads'", "== 'heads' || true", "triggerPolicy.condition", "cannot be expressed"},
		{"platform", "sdkVersion: kfp-2.14.6\n", "sdkVersion: kfp-2.14.6\n---\nplatforms:\n  kubernetes:\n    pipelineConfig:\n      workspace: {}\n", "platforms.kubernetes.pipelineConfig.workspace.size", "is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(string(base), tc.old, tc.new, 1)
			require.NotEqual(t, string(base), data, "the test edit must apply")
			_, err := Import("flip_coin.yaml", []byte(data), Options{})
			require.Error(t, err)
			var ye *componentyaml.Error
			require.True(t, errors.As(err, &ye), "want a *componentyaml.Error, got %T: %v", err, err)
			assert.Equal(t, "flip_coin.yaml", ye.File)
			assert.Contains(t, ye.Path, tc.path)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestExportedName(t *testing.T) {
	for in, want := range map[string]string{
		"comp-train-model": "CompTrainModel", "train-model": "TrainModel", "output_path": "OutputPath",
		"Output": "Output", "model_uri": "ModelURI", "2fast": "X2fast", "": "X", "gpu-id": "GPUID",
	} {
		assert.Equal(t, want, exportedName(in), in)
	}
	assert.Equal(t, "printOp2", localName("print-op-2"))
	assert.Equal(t, "rangeTask", localName("range"))
	s := newScope()
	assert.Equal(t, []string{"Train", "Train2", "Train3"}, []string{s.claim("Train"), s.claim("Train"), s.claim("Train")})
	// A name claimed directly is skipped by the counter of its base.
	s = newScope("Step2")
	assert.Equal(t, []string{"Step", "Step3", "Step2x", "Step4"}, []string{s.claim("Step"), s.claim("Step"), s.claim("Step2x"), s.claim("Step")})
}

type rtNone struct{}
type rtStructsOut struct {
	Output dsl.Param[[]map[string]any] `kfp:"Output"`
}
type rtStructIn struct {
	S dsl.Param[map[string]any] `kfp:"s"`
}
type rtTextIn struct {
	Text dsl.Param[string] `kfp:"text"`
}
type rtTextOut struct {
	Output dsl.Param[string] `kfp:"Output"`
}
type rtPipeIn struct {
	Name dsl.Param[string] `kfp:"name"`
}
type rtListIn struct {
	Specs dsl.Param[[]any] `kfp:"specs"`
}

// TestImportRoundTripFeatures compiles a pipeline using what the importer
// reconstructs from indirect evidence (typed loop lists, a OneOf read
// twice, a group's dependency, CompiledDefaults, Compose, Kubernetes
// options, a workspace), imports it, and checks the Go it writes.
func TestImportRoundTripFeatures(t *testing.T) {
	img := func(name string) string { return "alpine:" + name }
	structs := dsl.NewContainerComponent("structs", func(_ rtNone, out rtStructsOut) dsl.Container {
		return dsl.Container{Image: img("1"), Command: []any{"gen", out.Output}}
	})
	useStruct := dsl.NewContainerComponent("use-struct", func(in rtStructIn, _ rtNone) dsl.Container {
		return dsl.Container{Image: img("1"), Command: []any{"use", in.S}}
	})
	text := dsl.NewContainerComponent("text", func(in rtTextIn, out rtTextOut) dsl.Container {
		return dsl.Container{Image: img("1"), Command: []any{"echo", in.Text, out.Output}}
	})
	list := dsl.NewContainerComponent("list", func(in rtListIn, _ rtNone) dsl.Container {
		return dsl.Container{Image: img("1"), Command: []any{"list", in.Specs}}
	})
	p := dsl.NewPipeline("features", func(b *dsl.Builder, in rtPipeIn) rtTextOut {
		gen := structs.Task(b, rtNone{})
		dsl.ParallelFor(b, gen.Out.Output, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
			useStruct.Task(b, rtStructIn{S: item})
		})
		var one, two *dsl.Task[rtTextOut]
		dsl.If(b, dsl.Eq(in.Name, dsl.Lit("a")), func(b *dsl.Builder) {
			one = text.Task(b, rtTextIn{Text: in.Name})
		}).Else(func(b *dsl.Builder) {
			two = text.Task(b, rtTextIn{Text: in.Name})
		})
		either := dsl.OneOf(b, one.Out.Output, two.Out.Output)
		first := text.Task(b, rtTextIn{Text: either})
		kubernetes.SetSecurityContext(first, kubernetes.SecurityContext{RunAsUser: new(int64(1000))})
		kubernetes.AddInitContainer(first, kubernetes.InitContainer{Name: "init", Image: "busybox", Args: []string{"true"}})
		kubernetes.AddNodeAffinity(first, kubernetes.NodeAffinityTerm{MatchExpressions: []kubernetes.Requirement{{Key: "zone", Operator: "In", Values: []string{"a"}}}, Weight: 10})
		dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
			text.Task(b, rtTextIn{Text: dsl.Lit("later")}).After(first)
		})
		list.Task(b, rtListIn{Specs: dsl.Compose[[]any]([]any{map[string]any{"name": first.Out.Output, "n": 1}})})
		return rtTextOut{Output: either}
	}, dsl.CompiledDefaults(map[string]any{"name": "a"}), dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "1Gi"}))
	res, err := compiler.Compile(p, compiler.Options{Target: kfp.Version{Major: 2, Minor: 99}})
	require.NoError(t, err)
	imp, err := Import("features.yaml", res.YAML, Options{})
	require.NoError(t, err)
	all := ""
	for _, f := range imp.Files {
		all += string(f.Source)
	}
	for _, want := range []string{
		"Output dsl.Param[[]map[string]any] `kfp:\"Output\"`",
		"dsl.ParallelFor(b, structs.Out.Output, func(b *dsl.Builder, item dsl.Param[map[string]any]) {",
		"oneOf := dsl.OneOf(b, text.Out.Output, text2.Out.Output)",
		"Text3.Task(b, Text3In{Text: oneOf})",
		"return FeaturesPipelineOut{Output: oneOf}",
		"Name dsl.Param[string] `kfp:\"name\"`",
		`dsl.CompiledDefaults(map[string]any{"name": "a"})`,
		`dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "1Gi", PVCSpecPatch: map[string]any{}})`,
		"kubernetes.SetSecurityContext(text3, kubernetes.SecurityContext{RunAsUser: new(int64(1000))})",
		`kubernetes.AddInitContainer(text3, kubernetes.InitContainer{Name: "init", Image: "busybox", Args: []string{"true"}})`,
		`kubernetes.AddNodeAffinity(text3, kubernetes.NodeAffinityTerm{MatchExpressions: []kubernetes.Requirement{{Key: "zone", Operator: "In", Values: []string{"a"}}}, Weight: 10})`,
		"After(text3)",
		`dsl.Compose[[]any]([]any{map[string]any{"n": 1, "name": text3.Out.Output}})`,
	} {
		assert.Contains(t, all, want)
	}
}

func FuzzImport(f *testing.F) {
	for _, p := range seedFiles {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Import("fuzz.yaml", data, Options{})
		if err != nil {
			return
		}
		for _, file := range res.Files {
			if _, err := format.Source(file.Source); err != nil {
				t.Fatalf("%s does not parse: %v", file.Name, err)
			}
		}
	})
}

type benchIn struct {
	Text dsl.Param[string] `kfp:"text"`
}
type benchOut struct {
	Output dsl.Param[string] `kfp:"Output"`
}

// chainYAML compiles a pipeline of n chained container tasks.
func chainYAML(b *testing.B, n int) []byte {
	step := dsl.NewContainerComponent("step", func(in benchIn, out benchOut) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", `echo "$0" > "$1"`, in.Text, out.Output}}
	})
	p := dsl.NewPipeline(fmt.Sprintf("chain-%d", n), func(bb *dsl.Builder, in benchIn) benchOut {
		v := in.Text
		for i := 0; i < n; i++ {
			v = step.Task(bb, benchIn{Text: v}).Out.Output
		}
		return benchOut{Output: v}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(b, err)
	return res.YAML
}

// BenchmarkImport measures import of a compiled pipeline of 100 and 1,000
// chained tasks; the time per task should stay flat (linear work).
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{100, 1000} {
		data := chainYAML(b, n)
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Import("chain.yaml", data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestPackageNames(t *testing.T) {
	for in, want := range map[string]string{"my-pipeline": "mypipeline", "func": "funcpipeline", "main": "mainpipeline", "42-Go": "gopipeline", "x-1": "x1", "--": "pipeline", "Type": "typepipeline"} {
		got := packageName(in, "pipeline")
		assert.Equal(t, want, got, in)
		assert.NoError(t, CheckPackageName(got), in)
	}
	data, err := os.ReadFile("testdata/flip_coin.yaml")
	require.NoError(t, err)
	for _, bad := range []string{"range", "my-pkg", "_", "main", "1x"} {
		_, err := Import("flip_coin.yaml", data, Options{Package: bad})
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "pass a lower-case Go name", bad)
	}
	assert.ErrorContains(t, CheckPackageName("range"), `"range" is a Go keyword: pass a lower-case Go name such as "rangepipeline"`)
	assert.ErrorContains(t, CheckPackageName("my-pkg"), `"my-pkg" is not a Go identifier`)
}
