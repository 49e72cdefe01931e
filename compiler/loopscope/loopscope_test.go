package loopscope_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/local"
)

// The loop-scope matrix: a ParallelFor placed inside each kind of enclosing
// group, over each kind of list, whose body reads either a field of the
// item or the whole item. A loop item (and each field of it) exists only
// inside its loop, so no group outside the loop may take it as an input
// (KFP issue 13273). Each case is pinned by a golden
// (testdata/golden/kfp/loop-scope-<case>.yaml) and run with the local
// runner, which must give every iteration its own item.

type none = struct{}

type textIn struct {
	Text dsl.Param[string] `kfp:"text"`
}

type textOut struct {
	Out dsl.Param[string] `kfp:"out"`
}

type loopScopeIn struct {
	Flag  dsl.Param[string]           `kfp:"flag" default:"go"`
	Items dsl.Param[[]map[string]any] `kfp:"items" default:"[{\"a\": \"x\", \"b\": 1}, {\"a\": \"y\", \"b\": 2}]"`
}

type loopScopeItemsIn struct {
	Items dsl.Param[[]map[string]any] `kfp:"items"`
}

type loopScopeStructIn struct {
	Item dsl.Param[map[string]any] `kfp:"item"`
}

type loopScopeListOut struct {
	Items dsl.Param[[]map[string]any] `kfp:"items"`
}

var (
	// scopeEcho writes its text input to its output.
	scopeEcho = dsl.NewContainerComponent("scope-echo", func(in textIn, out textOut) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", `printf %s "$0" > "$1"`, in.Text, out.Out}}
	})
	// scopeEchoStruct writes its struct input (JSON text) to its output.
	scopeEchoStruct = dsl.NewContainerComponent("scope-echo-struct", func(in loopScopeStructIn, out textOut) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", `printf %s "$0" > "$1"`, in.Item, out.Out}}
	})
	// scopeList produces the list of items as a task output.
	scopeList = dsl.NewContainerComponent("scope-list", func(_ none, out loopScopeListOut) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", `printf '%s' '[{"a": "x", "b": 1}, {"a": "y", "b": 2}]' > "$0"`, out.Items}}
	})
	// scopeExit is the exit task of the exit-handler cases.
	scopeExit = dsl.NewContainerComponent("scope-exit", func(_ none, _ none) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"true"}}
	})
)

var update = flag.Bool("update", false, "rewrite testdata/golden/kfp/loop-scope-*.yaml from the current output")

var loopScopeLiteral = []map[string]any{{"a": "x", "b": 1}, {"a": "y", "b": 2}}

// loopScopeBody is the loop: over a literal list, the given list, or the
// output of a task made first; its body echoes field "a" or the whole item.
func loopScopeBody(b *dsl.Builder, source string, items dsl.Param[[]map[string]any], field bool) {
	body := func(b *dsl.Builder, item dsl.Param[map[string]any]) {
		if field {
			scopeEcho.Task(b, textIn{Text: dsl.ItemField[string](item, "a")})
		} else {
			scopeEchoStruct.Task(b, loopScopeStructIn{Item: item})
		}
	}
	switch source {
	case "literal":
		dsl.ParallelForItems(b, loopScopeLiteral, body)
	case "input":
		dsl.ParallelFor(b, items, body)
	case "output":
		dsl.ParallelFor(b, scopeList.Task(b, none{}).Out.Items, body)
	}
}

// loopScopePipeline builds one case of the matrix.
func loopScopePipeline(name, wrapper, source string, field bool) dsl.PipelineDef {
	switch wrapper {
	case "exit-handler":
		return dsl.NewPipeline(name, func(b *dsl.Builder, in loopScopeIn) none {
			exit := scopeExit.Task(b, none{})
			dsl.ExitHandler(b, exit, func(b *dsl.Builder) { loopScopeBody(b, source, in.Items, field) })
			return none{}
		})
	case "if":
		return dsl.NewPipeline(name, func(b *dsl.Builder, in loopScopeIn) none {
			dsl.If(b, dsl.Eq(in.Flag, dsl.Lit("go")), func(b *dsl.Builder) { loopScopeBody(b, source, in.Items, field) })
			return none{}
		})
	case "nested-for":
		return dsl.NewPipeline(name, func(b *dsl.Builder, in loopScopeIn) none {
			dsl.ParallelForItems(b, []string{"p"}, func(b *dsl.Builder, _ dsl.Param[string]) { loopScopeBody(b, source, in.Items, field) })
			return none{}
		})
	case "nested-pipeline":
		inner := dsl.NewPipeline(name+"-inner", func(b *dsl.Builder, in loopScopeItemsIn) none {
			loopScopeBody(b, source, in.Items, field)
			return none{}
		})
		return dsl.NewPipeline(name, func(b *dsl.Builder, in loopScopeIn) none {
			inner.Task(b, loopScopeItemsIn{Items: in.Items})
			return none{}
		})
	}
	panic("unknown wrapper " + wrapper)
}

func TestLoopItemScope(t *testing.T) {
	for _, wrapper := range []string{"exit-handler", "if", "nested-for", "nested-pipeline"} {
		for _, source := range []string{"literal", "input", "output"} {
			for _, use := range []string{"field", "item"} {
				name := "loop-scope-" + wrapper + "-" + source + "-" + use
				t.Run(name, func(t *testing.T) {
					p := loopScopePipeline(name, wrapper, source, use == "field")
					res, err := compiler.Compile(p, compiler.Options{})
					require.NoError(t, err)
					// The Argo back end scopes the loop the same way.
					_, err = argo.Compile(p, argo.Options{})
					require.NoError(t, err, "argo")

					lp, err := local.Parse(name+".yaml", res.YAML)
					require.NoError(t, err)
					run, err := local.Run(context.Background(), lp, local.Options{HostExec: true, PipelineRoot: t.TempDir(), NoCache: true})
					require.NoError(t, err, failures(run))
					var got []string
					for _, tr := range run.Tasks {
						if tr.TaskName == "scope-echo" || tr.TaskName == "scope-echo-struct" {
							got = append(got, tr.Parameters["out"].GetStringValue())
						}
					}
					sort.Strings(got)
					want := []string{"x", "y"}
					if use == "item" {
						want = nil
						for _, it := range loopScopeLiteral {
							b, err := json.Marshal(it)
							require.NoError(t, err)
							want = append(want, string(b))
						}
						for i := range got {
							var v any
							require.NoError(t, json.Unmarshal([]byte(got[i]), &v), "item %q", got[i])
							b, err := json.Marshal(v)
							require.NoError(t, err)
							got[i] = string(b)
						}
					}
					assert.Equal(t, want, got)
					checkGolden(t, filepath.Join("..", "..", "testdata", "golden", "kfp", name+".yaml"), res.YAML)
				})
			}
		}
	}
}

// checkGolden compares got with the golden file at path (rewritten with
// -update) and shows a unified diff.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run `go test ./compiler -run %s -update` to create it", t.Name())
	if string(want) != string(got) {
		d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(string(want)), B: difflib.SplitLines(string(got)),
			FromFile: path, ToFile: "got", Context: 3})
		t.Fatalf("%s differs (-want +got):\n%s", path, strings.TrimSpace(d))
	}
}

// failures lists the tasks of a run that did not succeed, with the reason.
func failures(res *local.RunResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, t := range res.Tasks {
		if t.State == local.StateFailed {
			b.WriteString(t.Name + ": " + t.Reason + "\n")
		}
	}
	return b.String()
}
