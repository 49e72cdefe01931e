//go:build conformance

package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// TestRoundTrip loads each golden as a component (sdk/componentyaml), uses it
// as the single task of a pipeline that passes every input through, compiles
// that pipeline, and checks that the golden's components, DAG and executors
// (and Kubernetes executor configs) come back unchanged: a compiled pipeline
// becomes a nested pipeline whose component is the golden's root; a
// single-component golden becomes a container task whose component,
// executor and root are the golden's own. The PlatformSpec comes back
// unchanged too, the golden's pipeline-level workspace
// (platforms.kubernetes.pipelineConfig) included: the wrapping pipeline
// takes on the workspace of the compiled pipeline it runs.
func TestRoundTrip(t *testing.T) {
	root := corpusDir(t)
	var all []string
	for _, corpus := range []string{"kfp-ir", "kfp-kubernetes"} {
		all = append(all, goldens(t, root, corpus)...)
	}
	ok := 0
	var notes []string
	for _, g := range all {
		if reason := roundTrip(t, filepath.Join(root, g)); reason != "" {
			notes = append(notes, fmt.Sprintf("  round trip %s: %s", g, reason))
			if why, known := roundTripUnsupported[g]; known {
				t.Logf("%s: not supported yet (%s): %s", g, why, reason)
			} else {
				t.Errorf("%s: %s", g, reason)
			}
			continue
		}
		if _, known := roundTripUnsupported[g]; known {
			t.Errorf("%s now round-trips: remove it from roundTripUnsupported", g)
		}
		ok++
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	fmt.Printf("round trip: %d/%d goldens loaded as components and compiled back unchanged\n", ok, len(all))
}

// roundTripUnsupported lists the goldens whose round trip needs a feature
// the compiler lacks, with the reason; they are reported in the count but do
// not fail the test.
var roundTripUnsupported = map[string]string{}

// roundTrip returns "" when golden path survives the round trip, else why.
func roundTrip(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	wantDocs, err := splitDocs(data)
	require.NoError(t, err)
	comp, err := componentyaml.Load(path, data)
	if err != nil {
		return "load: " + firstLine(err.Error())
	}
	c := comp.IR()
	p := dsl.NewUntypedPipeline("round-trip", c.Inputs, c.Outputs, func(b *dsl.Builder, in map[string]*ir.Ref) map[string]*ir.Ref {
		args := map[string]any{}
		for n, r := range in {
			args[n] = r
		}
		task := comp.Task(b, args)
		outs := map[string]*ir.Ref{}
		for _, o := range c.Outputs {
			outs[o.Name] = task.Out.OutputRef(o.Name)
		}
		return outs
	})
	res, err := compiler.Compile(p, compiler.Options{})
	if err != nil {
		return "compile: " + firstLine(err.Error())
	}
	gotDocs, err := splitDocs(res.YAML)
	require.NoError(t, err)
	want, _ := wantDocs[0].(map[string]any)
	got, _ := gotDocs[0].(map[string]any)
	noPy := map[string]bool{}

	wantComps, _ := want["components"].(map[string]any)
	gotComps, _ := got["components"].(map[string]any)
	gotRootTasks, _ := dig(got, "root", "dag", "tasks").(map[string]any)
	if len(gotRootTasks) != 1 {
		return fmt.Sprintf("the pipeline has %d root tasks, want 1", len(gotRootTasks))
	}
	if _, compiled := c.Impl.(*ir.Compiled); compiled {
		var ref string
		for _, ts := range gotRootTasks {
			ref, _ = dig(ts, "componentRef", "name").(string)
		}
		if d := diff(want["root"], gotComps[ref], "root→components."+ref, noPy); d != "" {
			return d
		}
		if len(gotComps) != len(wantComps)+1 {
			return fmt.Sprintf("%d components, want %d plus the nested pipeline's", len(gotComps), len(wantComps))
		}
		for n, wc := range wantComps {
			if d := diff(wc, gotComps[n], "components."+n, noPy); d != "" {
				return d
			}
		}
	} else {
		if d := diff(want["components"], got["components"], "components", noPy); d != "" {
			return d
		}
		if d := diff(want["root"], got["root"], "root", noPy); d != "" {
			return d
		}
	}
	if d := diff(dig(want, "deploymentSpec", "executors"), dig(got, "deploymentSpec", "executors"), "deploymentSpec.executors", noPy); d != "" {
		return d
	}
	if len(wantDocs) != len(gotDocs) {
		return fmt.Sprintf("%d documents, want %d", len(gotDocs), len(wantDocs))
	}
	if len(wantDocs) > 1 {
		if d := diff(wantDocs[1], gotDocs[1], "platformSpec", noPy); d != "" {
			return d
		}
	}
	return ""
}

// dig walks nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
