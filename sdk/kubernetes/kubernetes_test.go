package kubernetes_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/compiler/kfp"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/kubernetes"
)

type none = struct{}

type textIn struct {
	Text dsl.Param[string] `kfp:"text"`
}

type textOut struct {
	Output dsl.Param[string] `kfp:"Output"`
}

var echo = dsl.NewContainerComponent("echo", func(in textIn, _ none) dsl.Container {
	return dsl.Container{Image: "alpine", Command: []any{"echo", in.Text}}
})

var produce = dsl.NewComponent("produce", func(context.Context, none) (textOut, error) { return textOut{}, nil },
	dsl.Image("ko://example.com/produce"))

// line returns the line after the caller's, where the DSL call under test
// sits.
func line() int {
	_, _, l, _ := runtime.Caller(1)
	return l + 1
}

// compile compiles p and returns the PlatformSpec executors (nil when the
// pipeline has no Kubernetes options) and the PipelineSpec document.
func compile(t *testing.T, p compiler.Builder, opts compiler.Options) (map[string]any, map[string]any) {
	t.Helper()
	res, err := compiler.Compile(p, opts)
	require.NoError(t, err)
	if res.KFP.PlatformDoc == nil {
		return nil, res.KFP.Doc
	}
	// Round-trip through the written YAML: what KFP reads.
	docs := strings.Split(string(res.YAML), "\n---\n")
	require.Len(t, docs, 2)
	var plat map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(docs[1]), &plat))
	ex := plat["platforms"].(map[string]any)["kubernetes"].(map[string]any)["deploymentSpec"].(map[string]any)["executors"].(map[string]any)
	var spec map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(docs[0]), &spec))
	return ex, spec
}

func fromYAML(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, yaml.Unmarshal([]byte(s), &v))
	return v
}

// compileErrors compiles p and returns its error list.
func compileErrors(t *testing.T, p compiler.Builder, opts compiler.Options) ir.ErrorList {
	t.Helper()
	_, err := compiler.Compile(p, opts)
	require.Error(t, err)
	var list ir.ErrorList
	require.True(t, errors.As(err, &list), "error %v is not an ir.ErrorList", err)
	return list
}

func requireErrorAt(t *testing.T, list ir.ErrorList, code ir.Code, wantLine int, substr string) {
	t.Helper()
	for _, e := range list {
		file, l := e.Pos.FileLine()
		if e.Code == code && l == wantLine && filepath.Base(file) == "kubernetes_test.go" && strings.Contains(e.Msg, substr) {
			return
		}
	}
	t.Fatalf("no %s error at kubernetes_test.go:%d containing %q in:\n%s", code, wantLine, substr, list.Full())
}

func TestReferencePipelineClusterConfiguration(t *testing.T) {
	type trainIn struct {
		Data dsl.Param[string] `kfp:"data"`
	}
	type pipeIn struct {
		DataPVC dsl.Param[string] `kfp:"data_pvc" default:"cartrain-data"`
	}
	train := dsl.NewComponent("train", func(context.Context, trainIn) (textOut, error) { return textOut{}, nil },
		dsl.Image("ko://example.com/train"))
	inspect := dsl.NewComponent("inspect", func(context.Context, trainIn) (none, error) { return none{}, nil },
		dsl.Image("ko://example.com/inspect"))
	p := dsl.NewPipeline("cartrain-cluster", func(b *dsl.Builder, in pipeIn) none {
		tr := train.Task(b, trainIn{Data: dsl.Lit("/data/cars")})
		kubernetes.UseSecretAsEnv(tr, dsl.Lit("cartrain-postgres"), []kubernetes.KeyToEnv{
			{Key: "username", EnvVar: "PGUSER"}, {Key: "password", EnvVar: "PGPASSWORD"}})
		kubernetes.UseSecretAsEnv(tr, dsl.Lit("mlflow-credentials"), []kubernetes.KeyToEnv{
			{Key: "tracking-uri", EnvVar: "MLFLOW_TRACKING_URI"}, {Key: "token", EnvVar: "MLFLOW_TRACKING_TOKEN"}})
		kubernetes.MountPVC(tr, in.DataPVC, "/data")
		kubernetes.AddNodeSelector(tr, "nvidia.com/gpu.present", "true")
		kubernetes.AddToleration(tr, kubernetes.Toleration{Key: "nvidia.com/gpu", Operator: "Exists", Effect: "NoSchedule"})
		ins := inspect.Task(b, trainIn{Data: tr.Out.Output})
		kubernetes.MountPVC(ins, in.DataPVC, "/data")
		return none{}
	})
	ex, spec := compile(t, p, compiler.Options{})
	want := fromYAML(t, `
exec-train:
  secretAsEnv:
  - keyToEnv:
    - {envVar: PGUSER, secretKey: username}
    - {envVar: PGPASSWORD, secretKey: password}
    optional: false
    secretName: cartrain-postgres
    secretNameParameter: {runtimeValue: {constant: cartrain-postgres}}
  - keyToEnv:
    - {envVar: MLFLOW_TRACKING_URI, secretKey: tracking-uri}
    - {envVar: MLFLOW_TRACKING_TOKEN, secretKey: token}
    optional: false
    secretName: mlflow-credentials
    secretNameParameter: {runtimeValue: {constant: mlflow-credentials}}
  pvcMount:
  - componentInputParameter: data_pvc
    mountPath: /data
    pvcNameParameter: {componentInputParameter: data_pvc}
  nodeSelector:
    labels: {nvidia.com/gpu.present: "true"}
  tolerations:
  - {effect: NoSchedule, key: nvidia.com/gpu, operator: Exists}
exec-inspect:
  pvcMount:
  - componentInputParameter: data_pvc
    mountPath: /data
    pvcNameParameter: {componentInputParameter: data_pvc}
`)
	assert.Equal(t, want, any(ex))
	// Platform references are not task inputs.
	tasks := spec["root"].(map[string]any)["dag"].(map[string]any)["tasks"].(map[string]any)
	trInputs := tasks["train"].(map[string]any)["inputs"].(map[string]any)["parameters"].(map[string]any)
	assert.Equal(t, []string{"data"}, keys(trInputs))
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Platform references cross loops and conditions like task inputs: a
// pipeline input becomes pipelinechannel--<name>, a task output produced
// outside the loop becomes a surfaced component input, and the loop
// depends on the producer.
func TestPlatformRefsInsideLoopsAndConditions(t *testing.T) {
	type pipeIn struct {
		Secret dsl.Param[string] `kfp:"secret"`
		Flag   dsl.Param[string] `kfp:"flag"`
	}
	p := dsl.NewPipeline("refs-in-loops", func(b *dsl.Builder, in pipeIn) none {
		pvc := kubernetes.CreatePVC(b, kubernetes.CreatePVCIn{PVCNameSuffix: dsl.Lit("-x"), AccessModes: dsl.Lit([]string{"ReadWriteMany"}), Size: dsl.Lit("1Gi")})
		name := produce.Task(b, none{})
		dsl.ParallelForItems(b, []string{"a", "b"}, func(b *dsl.Builder, item dsl.Param[string]) {
			dsl.If(b, dsl.Eq(in.Flag, dsl.Lit("on")), func(b *dsl.Builder) {
				e := echo.Task(b, textIn{Text: item})
				kubernetes.UseSecretAsEnv(e, in.Secret, []kubernetes.KeyToEnv{{Key: "k", EnvVar: "K"}})
				kubernetes.MountPVC(e, pvc.Out.Name, "/data")
				kubernetes.UseConfigMapAsVolume(e, name.Out.Output, "/cfg")
			})
		})
		return none{}
	})
	ex, spec := compile(t, p, compiler.Options{})
	want := fromYAML(t, `
secretAsEnv:
- keyToEnv: [{envVar: K, secretKey: k}]
  optional: false
  secretNameParameter: {componentInputParameter: pipelinechannel--secret}
pvcMount:
- componentInputParameter: pipelinechannel--createpvc-name
  mountPath: /data
  pvcNameParameter: {componentInputParameter: pipelinechannel--createpvc-name}
configMapAsVolume:
- mountPath: /cfg
  optional: false
  configMapNameParameter: {componentInputParameter: pipelinechannel--produce-Output}
`)
	assert.Equal(t, want, any(ex["exec-echo"]))
	comps := spec["components"].(map[string]any)
	for _, c := range []string{"comp-for-loop-2", "comp-condition-3"} {
		params := comps[c].(map[string]any)["inputDefinitions"].(map[string]any)["parameters"].(map[string]any)
		for _, n := range []string{"pipelinechannel--secret", "pipelinechannel--createpvc-name", "pipelinechannel--produce-Output"} {
			assert.Contains(t, params, n, "inputs of %s", c)
		}
	}
	loop := spec["root"].(map[string]any)["dag"].(map[string]any)["tasks"].(map[string]any)["for-loop-2"].(map[string]any)
	assert.Equal(t, []any{"createpvc", "produce"}, loop["dependentTasks"])
	// The echo task itself has only its own input.
	echoTask := comps["comp-condition-3"].(map[string]any)["dag"].(map[string]any)["tasks"].(map[string]any)["echo"].(map[string]any)
	assert.Equal(t, []string{"text"}, keys(echoTask["inputs"].(map[string]any)["parameters"].(map[string]any)))
}

func TestEveryOptionKeys(t *testing.T) {
	p := dsl.NewPipeline("every-option", func(b *dsl.Builder, _ none) none {
		e := echo.Task(b, textIn{Text: dsl.Lit("x")})
		kubernetes.UseConfigMapAsEnv(e, dsl.Lit("cm"), []kubernetes.KeyToEnv{{Key: "a", EnvVar: "A"}}, kubernetes.Optional())
		kubernetes.SetImagePullPolicy(e, "IfNotPresent")
		kubernetes.SetImagePullSecrets(e, dsl.Lit("pull"))
		kubernetes.SharedMemory(e, "2Gi")
		kubernetes.AddPodLabel(e, "team", "ml")
		kubernetes.AddPodAnnotation(e, "example.com/owner", "ml")
		kubernetes.SetTimeout(e, time.Minute)
		kubernetes.AddNodeAffinity(e, kubernetes.NodeAffinityTerm{MatchExpressions: []kubernetes.Requirement{{Key: "zone", Operator: "Exists"}}})
		kubernetes.MountPVC(e, dsl.Lit("data"), "/data", kubernetes.SubPath("cars"))
		kubernetes.SetSecurityContext(e, kubernetes.SecurityContext{RunAsNonRoot: ptr(true)})
		kubernetes.AddTolerationJSON(e, dsl.Lit([]any{map[string]any{"key": "a", "operator": "Exists"}}))
		return none{}
	})
	ex, _ := compile(t, p, compiler.Options{Target: kfp.Version{Major: 2, Minor: 16}})
	want := fromYAML(t, `
configMapAsEnv:
- configMapName: cm
  configMapNameParameter: {runtimeValue: {constant: cm}}
  keyToEnv: [{configMapKey: a, envVar: A}]
  optional: true
imagePullPolicy: IfNotPresent
imagePullSecret:
- secretName: pull
  secretNameParameter: {runtimeValue: {constant: pull}}
emptyDirMounts:
- {medium: Memory, mountPath: /dev/shm, sizeLimit: 2Gi, volumeName: shm}
podMetadata:
  labels: {team: ml}
  annotations: {example.com/owner: ml}
activeDeadlineSeconds: "60"
nodeAffinity:
- matchExpressions: [{key: zone, operator: Exists}]
pvcMount:
- constant: data
  mountPath: /data
  pvcNameParameter: {runtimeValue: {constant: data}}
  subPath: cars
securityContext: {runAsNonRoot: true}
tolerations:
- {key: a, operator: Exists}
`)
	assert.Equal(t, want, any(ex["exec-echo"]))
}

func ptr[T any](v T) *T { return &v }

func TestTargetGating(t *testing.T) {
	var sc, ic, opt, sub int
	p := dsl.NewPipeline("gated", func(b *dsl.Builder, _ none) none {
		e := echo.Task(b, textIn{Text: dsl.Lit("x")})
		sc = line()
		kubernetes.SetSecurityContext(e, kubernetes.SecurityContext{RunAsUser: ptr(int64(1000))})
		ic = line()
		kubernetes.AddInitContainer(e, kubernetes.InitContainer{Name: "init", Image: "busybox"})
		opt = line()
		kubernetes.UseSecretAsEnv(e, dsl.Lit("s"), []kubernetes.KeyToEnv{{Key: "k", EnvVar: "K"}}, kubernetes.Optional())
		sub = line()
		kubernetes.MountPVC(e, dsl.Lit("data"), "/data", kubernetes.SubPath("x"))
		return none{}
	})
	list := compileErrors(t, p, compiler.Options{})
	requireErrorAt(t, list, ir.UnsupportedFeature, sc, "needs KFP 2.16 or newer")
	requireErrorAt(t, list, ir.UnsupportedFeature, ic, "needs KFP 2.18 or newer")
	requireErrorAt(t, list, ir.UnsupportedFeature, opt, "needs KFP 2.15 or newer")
	requireErrorAt(t, list, ir.UnsupportedFeature, sub, "needs KFP 2.16 or newer")
	assert.Len(t, list, 4)

	list = compileErrors(t, p, compiler.Options{Target: kfp.Version{Major: 2, Minor: 16}})
	requireErrorAt(t, list, ir.UnsupportedFeature, ic, "init containers")
	assert.Len(t, list, 1)

	_, err := compiler.Compile(p, compiler.Options{Target: kfp.Version{Major: 2, Minor: 18}})
	require.NoError(t, err)

	// A parameterized name needs 2.5: refused for 2.4.
	type in struct {
		S dsl.Param[string] `kfp:"s"`
	}
	var pl int
	q := dsl.NewPipeline("gated-param", func(b *dsl.Builder, in in) none {
		e := echo.Task(b, textIn{Text: dsl.Lit("x")})
		pl = line()
		kubernetes.UseSecretAsVolume(e, in.S, "/s")
		return none{}
	})
	requireErrorAt(t, compileErrors(t, q, compiler.Options{Target: kfp.Version{Major: 2, Minor: 4}}), ir.UnsupportedFeature, pl, "needs KFP 2.5 or newer")
}

var nested = dsl.NewPipeline("inner", func(b *dsl.Builder, _ none) none {
	echo.Task(b, textIn{Text: dsl.Lit("x")})
	return none{}
})

func TestOptionErrorsArePositioned(t *testing.T) {
	lines := map[string]int{}
	p := dsl.NewPipeline("bad-options", func(b *dsl.Builder, _ none) none {
		e := echo.Task(b, textIn{Text: dsl.Lit("x")})
		n := nested.Task(b, none{})
		lines["nested"] = line()
		kubernetes.UseSecretAsEnv(n, dsl.Lit("s"), []kubernetes.KeyToEnv{{Key: "k", EnvVar: "K"}})
		lines["secret"] = line()
		kubernetes.UseSecretAsVolume(e, dsl.Lit("My_Secret"), "/s")
		lines["pvc"] = line()
		kubernetes.MountPVC(e, dsl.Lit("-pvc"), "/data")
		lines["volume"] = line()
		kubernetes.EmptyDirMount(e, kubernetes.EmptyDir{VolumeName: "Scratch", MountPath: "/scratch"})
		lines["operator"] = line()
		kubernetes.AddToleration(e, kubernetes.Toleration{Key: "gpu", Operator: "Maybe"})
		lines["effect"] = line()
		kubernetes.AddToleration(e, kubernetes.Toleration{Key: "gpu", Operator: "Exists", Effect: "NoRun"})
		lines["quantity"] = line()
		kubernetes.AddEphemeralVolume(e, kubernetes.EphemeralVolume{VolumeName: "tmp", MountPath: "/tmp", AccessModes: []string{"ReadWriteOnce"}, Size: "5 gigs"})
		lines["sizelimit"] = line()
		kubernetes.SharedMemory(e, "lots")
		lines["env"] = line()
		kubernetes.UseFieldPathAsEnv(e, "1BAD", "metadata.name")
		lines["label"] = line()
		kubernetes.AddPodLabel(e, "team", "not a label value")
		lines["policy"] = line()
		kubernetes.SetImagePullPolicy(e, "Sometimes")
		lines["affinity"] = line()
		kubernetes.AddNodeAffinityJSON(e, dsl.Lit(map[string]any{"requiredDuring": 1}))
		lines["timeout"] = line()
		kubernetes.SetTimeout(e, 1500*time.Millisecond)
		lines["init"] = line()
		kubernetes.AddInitContainer(e, kubernetes.InitContainer{Name: "kfp-launcher", Image: "x", Requests: map[string]string{"cpu": "a lot"}})
		return none{}
	})
	list := compileErrors(t, p, compiler.Options{Target: kfp.Version{Major: 2, Minor: 18}})
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["nested"], "runs the nested pipeline")
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["secret"], `Secret name "My_Secret" is not a valid Kubernetes name`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["pvc"], `PersistentVolumeClaim name "-pvc"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["volume"], `volume name "Scratch"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["operator"], `invalid toleration operator "Maybe"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["effect"], `invalid toleration effect "NoRun"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["quantity"], `size "5 gigs" is not a valid quantity`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["sizelimit"], `size limit "lots"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["env"], `environment variable name "1BAD"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["label"], `label value "not a label value"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["policy"], `image pull policy "Sometimes"`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["affinity"], "invalid NodeAffinity JSON")
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["timeout"], "invalid timeout 1.5s")
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["init"], `"kfp-launcher" is reserved`)
	requireErrorAt(t, list, ir.InvalidPlatformOption, lines["init"], `resource cpu "a lot"`)
	assert.Len(t, list, 15, list.Full())
	// The message says what, where and how to fix.
	for _, e := range list {
		assert.NotEmpty(t, e.Hint, e.Msg)
	}
}

// A value made inside a loop cannot name a Secret outside it; the error
// points at the option call.
func TestPlatformRefOutOfScope(t *testing.T) {
	var at int
	p := dsl.NewPipeline("ref-scope", func(b *dsl.Builder, _ none) none {
		var name dsl.Param[string]
		dsl.ParallelForItems(b, []string{"a"}, func(b *dsl.Builder, _ dsl.Param[string]) {
			name = produce.Task(b, none{}).Out.Output
		})
		e := echo.Task(b, textIn{Text: dsl.Lit("x")})
		at = line()
		kubernetes.UseSecretAsEnv(e, name, []kubernetes.KeyToEnv{{Key: "k", EnvVar: "K"}})
		return none{}
	})
	requireErrorAt(t, compileErrors(t, p, compiler.Options{}), ir.OutOfScope, at, "secretAsEnv[0].secretNameParameter")
}

func TestCreatePVCComponentInterface(t *testing.T) {
	c := kubernetes.CreatePVCComponent.IR()
	var names []string
	for _, in := range c.Inputs {
		names = append(names, in.Name)
		assert.NotEmpty(t, in.Description, in.Name)
	}
	assert.Equal(t, []string{"access_modes", "size", "pvc_name", "pvc_name_suffix", "storage_class_name", "volume_name", "annotations", "data_source"}, names)
	assert.Equal(t, "argostub/createpvc", c.Impl.(*ir.Container).Image)
	assert.Equal(t, "argostub/deletepvc", kubernetes.DeletePVCComponent.IR().Impl.(*ir.Container).Image)
	assert.Empty(t, kubernetes.CreatePVCComponent.Errors())
	assert.Empty(t, kubernetes.DeletePVCComponent.Errors())
}

// Options on tasks of a nested pipeline travel with its executors when it
// is merged; options on an exit task resolve against the root DAG.
func TestNestedPipelineAndExitTask(t *testing.T) {
	type secretIn struct {
		Secret dsl.Param[string] `kfp:"secret"`
	}
	inner := dsl.NewPipeline("inner-with-options", func(b *dsl.Builder, in secretIn) none {
		e := echo.Task(b, textIn{Text: dsl.Lit("inner")})
		kubernetes.UseSecretAsVolume(e, in.Secret, "/s")
		return none{}
	})
	p := dsl.NewPipeline("outer", func(b *dsl.Builder, in secretIn) none {
		name := produce.Task(b, none{})
		exit := echo.Task(b, textIn{Text: dsl.Lit("bye")})
		kubernetes.UseSecretAsEnv(exit, name.Out.Output, []kubernetes.KeyToEnv{{Key: "k", EnvVar: "K"}})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			inner.Task(b, secretIn{Secret: in.Secret})
		})
		return none{}
	})
	ex, _ := compile(t, p, compiler.Options{})
	assert.Equal(t, fromYAML(t, `
exec-echo:
  secretAsVolume:
  - mountPath: /s
    optional: false
    secretNameParameter: {componentInputParameter: secret}
exec-echo-2:
  secretAsEnv:
  - keyToEnv: [{envVar: K, secretKey: k}]
    optional: false
    secretNameParameter: {taskOutputParameter: {outputParameterKey: Output, producerTask: produce}}
`), any(ex))
}
