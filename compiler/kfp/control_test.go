package kfp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type none = struct{}

type strIn struct {
	Text dsl.Param[string] `kfp:"text"`
}
type strOut struct {
	Output dsl.Param[string] `kfp:"Output"`
}
type listOut struct {
	Output dsl.Param[[]string] `kfp:"Output"`
}
type listIn struct {
	Items dsl.Param[[]string] `kfp:"items"`
}
type intsIn struct {
	Items dsl.Param[[]int] `kfp:"items"`
}
type statusIn struct {
	Status dsl.PipelineTaskFinalStatus `kfp:"status"`
}

func fn[In, Out any](name string) *dsl.Component[In, Out] {
	return dsl.NewComponent(name, func(context.Context, In) (Out, error) {
		var o Out
		return o, nil
	}, dsl.Image("ko://example.com/ports"))
}

var (
	echo       = fn[strIn, strOut]("echo")
	lister     = fn[none, listOut]("lister")
	joiner     = fn[listIn, strOut]("joiner")
	exitRep    = fn[statusIn, none]("exit-report")
	intsJoiner = fn[intsIn, none]("ints-joiner")
)

// compileErr compiles p and returns the ir.ErrorList it fails with.
func compileErr(t *testing.T, p compiler.Builder) ir.ErrorList {
	t.Helper()
	_, err := compiler.Compile(p, compiler.Options{})
	require.Error(t, err)
	var list ir.ErrorList
	require.True(t, errors.As(err, &list), "want an ir.ErrorList, got %T: %v", err, err)
	return list
}

func compileDoc(t *testing.T, p compiler.Builder) map[string]any {
	t.Helper()
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(res.YAML, &doc))
	return doc
}

func dig(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		require.True(t, ok, "at %q: not a map", k)
		v, ok = m[k]
		require.True(t, ok, "missing key %q", k)
	}
	return v
}

type pipeIn struct {
	Msg   dsl.Param[string] `kfp:"msg" default:"hi"`
	Image dsl.Param[string] `kfp:"image" default:"alpine"`
}

func TestScopingViolations(t *testing.T) {
	cases := []struct {
		name string
		code ir.Code
		want string
		body func(b *dsl.Builder, in pipeIn)
	}{
		{"loop output used after loop", ir.OutOfScope, "inside ParallelFor", func(b *dsl.Builder, in pipeIn) {
			var inner *dsl.Task[strOut]
			dsl.ParallelForItems(b, []string{"a"}, func(b *dsl.Builder, it dsl.Param[string]) { inner = echo.Task(b, strIn{Text: it}) })
			echo.Task(b, strIn{Text: inner.Out.Output})
		}},
		{"condition output used outside", ir.OutOfScope, "If/Elif/Else branch", func(b *dsl.Builder, in pipeIn) {
			var inner *dsl.Task[strOut]
			dsl.If(b, dsl.Eq(in.Msg, dsl.Lit("x")), func(b *dsl.Builder) { inner = echo.Task(b, strIn{Text: in.Msg}) })
			echo.Task(b, strIn{Text: inner.Out.Output})
		}},
		{"After a task inside a condition", ir.OutOfScope, "runs After", func(b *dsl.Builder, in pipeIn) {
			var inner *dsl.Task[strOut]
			dsl.If(b, dsl.Eq(in.Msg, dsl.Lit("x")), func(b *dsl.Builder) { inner = echo.Task(b, strIn{Text: in.Msg}) })
			echo.Task(b, strIn{Text: in.Msg}).After(inner)
		}},
		{"After a task inside an exit handler", ir.OutOfScope, "ExitHandler", func(b *dsl.Builder, in pipeIn) {
			var inner *dsl.Task[strOut]
			exit := exitRep.Task(b, statusIn{})
			dsl.ExitHandler(b, exit, func(b *dsl.Builder) { inner = echo.Task(b, strIn{Text: in.Msg}) })
			echo.Task(b, strIn{Text: in.Msg}).After(inner)
		}},
		{"loop item used outside its loop", ir.OutOfScope, "outside that loop", func(b *dsl.Builder, in pipeIn) {
			var item dsl.Param[string]
			dsl.ParallelForItems(b, []string{"a"}, func(b *dsl.Builder, it dsl.Param[string]) { item = it })
			echo.Task(b, strIn{Text: item})
		}},
		{"iterating a non-list", ir.InvalidControlFlow, "not a list", func(b *dsl.Builder, in pipeIn) {
			dsl.ParallelFor(b, in.Msg, func(b *dsl.Builder, it dsl.Param[string]) {})
		}},
		{"empty literal list", ir.InvalidControlFlow, "empty list", func(b *dsl.Builder, in pipeIn) {
			dsl.ParallelForItems(b, []string{}, func(b *dsl.Builder, it dsl.Param[string]) {})
		}},
		{"If on Go constants", ir.InvalidControlFlow, "two constants", func(b *dsl.Builder, in pipeIn) {
			dsl.If(b, dsl.Eq(dsl.Lit(1), dsl.Lit(1)), func(b *dsl.Builder) {})
		}},
		{"If on a pipeline placeholder", ir.InvalidControlFlow, "cannot compare the pipeline placeholder {{$.pipeline_job_name}}", func(b *dsl.Builder, in pipeIn) {
			dsl.If(b, dsl.Eq(dsl.Lit("a"), dsl.PipelineJobName()), func(b *dsl.Builder) { echo.Task(b, strIn{Text: in.Msg}) })
		}},
		{"If on a formatted string", ir.InvalidControlFlow, "cannot compare a formatted value", func(b *dsl.Builder, in pipeIn) {
			dsl.If(b, dsl.Eq(dsl.Format("x-", in.Msg), dsl.Lit("x-a")), func(b *dsl.Builder) { echo.Task(b, strIn{Text: in.Msg}) })
		}},
		{"If on an unset parameter", ir.InvalidControlFlow, "unset parameter", func(b *dsl.Builder, in pipeIn) {
			dsl.If(b, dsl.Eq(dsl.Param[string]{}, dsl.Lit("x")), func(b *dsl.Builder) {})
		}},
		{"PipelineTaskFinalStatus outside an exit task", ir.InvalidControlFlow, "PipelineTaskFinalStatus", func(b *dsl.Builder, in pipeIn) {
			exitRep.Task(b, statusIn{})
		}},
		{"ignore upstream failure without default", ir.InvalidControlFlow, "has no default", func(b *dsl.Builder, in pipeIn) {
			up := echo.Task(b, strIn{Text: in.Msg})
			echo.Task(b, strIn{Text: up.Out.Output}).IgnoreUpstreamFailure()
		}},
		{"exit task fed by another task", ir.InvalidControlFlow, "from another task", func(b *dsl.Builder, in pipeIn) {
			up := echo.Task(b, strIn{Text: in.Msg})
			exit := echo.Task(b, strIn{Text: up.Out.Output})
			dsl.ExitHandler(b, exit, func(b *dsl.Builder) { echo.Task(b, strIn{Text: in.Msg}) })
		}},
		{"exit task with After", ir.InvalidControlFlow, "depends on other tasks", func(b *dsl.Builder, in pipeIn) {
			up := echo.Task(b, strIn{Text: in.Msg})
			exit := exitRep.Task(b, statusIn{}).After(up)
			dsl.ExitHandler(b, exit, func(b *dsl.Builder) { echo.Task(b, strIn{Text: in.Msg}) })
		}},
		{"exit handler inside a condition", ir.InvalidControlFlow, "top level", func(b *dsl.Builder, in pipeIn) {
			dsl.If(b, dsl.Eq(in.Msg, dsl.Lit("x")), func(b *dsl.Builder) {
				exit := exitRep.Task(b, statusIn{})
				dsl.ExitHandler(b, exit, func(b *dsl.Builder) { echo.Task(b, strIn{Text: in.Msg}) })
			})
		}},
		{"Elif after Else", ir.InvalidControlFlow, "after Else", func(b *dsl.Builder, in pipeIn) {
			br := dsl.If(b, dsl.Eq(in.Msg, dsl.Lit("x")), func(b *dsl.Builder) {})
			br.Else(func(b *dsl.Builder) {})
			br.Elif(dsl.Eq(in.Msg, dsl.Lit("y")), func(b *dsl.Builder) {})
		}},
		{"OneOf without Else", ir.InvalidControlFlow, "Else branch", func(b *dsl.Builder, in pipeIn) {
			var t1, t2 *dsl.Task[strOut]
			dsl.If(b, dsl.Eq(in.Msg, dsl.Lit("x")), func(b *dsl.Builder) { t1 = echo.Task(b, strIn{Text: in.Msg}) }).
				Elif(dsl.Eq(in.Msg, dsl.Lit("y")), func(b *dsl.Builder) { t2 = echo.Task(b, strIn{Text: in.Msg}) })
			echo.Task(b, strIn{Text: dsl.OneOf(b, t1.Out.Output, t2.Out.Output)})
		}},
		{"OneOf of a task outside any branch", ir.InvalidControlFlow, "branches", func(b *dsl.Builder, in pipeIn) {
			t := echo.Task(b, strIn{Text: in.Msg})
			echo.Task(b, strIn{Text: dsl.OneOf(b, t.Out.Output)})
		}},
		{"Collected of a task outside any loop", ir.InvalidControlFlow, "not inside a ParallelFor", func(b *dsl.Builder, in pipeIn) {
			t := echo.Task(b, strIn{Text: in.Msg})
			joiner.Task(b, listIn{Items: dsl.Collected[[]string](t.Out.Output)})
		}},
		{"Collected inside its own loop", ir.InvalidControlFlow, "not inside a ParallelFor", func(b *dsl.Builder, in pipeIn) {
			dsl.ParallelForItems(b, []string{"a"}, func(b *dsl.Builder, it dsl.Param[string]) {
				t := echo.Task(b, strIn{Text: it})
				joiner.Task(b, listIn{Items: dsl.Collected[[]string](t.Out.Output)})
			})
		}},
		{"Collected from a loop inside a condition", ir.OutOfScope, "does not contain the consumer", func(b *dsl.Builder, in pipeIn) {
			var t *dsl.Task[strOut]
			dsl.If(b, dsl.Eq(in.Msg, dsl.Lit("x")), func(b *dsl.Builder) {
				dsl.ParallelForItems(b, []string{"a"}, func(b *dsl.Builder, it dsl.Param[string]) { t = echo.Task(b, strIn{Text: it}) })
			})
			joiner.Task(b, listIn{Items: dsl.Collected[[]string](t.Out.Output)})
		}},
		{"Collected into the wrong list type", ir.MismatchedType, "Collected into", func(b *dsl.Builder, in pipeIn) {
			var t *dsl.Task[strOut]
			dsl.ParallelForItems(b, []string{"a"}, func(b *dsl.Builder, it dsl.Param[string]) { t = echo.Task(b, strIn{Text: it}) })
			intsJoiner.Task(b, intsIn{Items: dsl.Collected[[]int](t.Out.Output)})
		}},
		{"field of a non-loop value", ir.InvalidControlFlow, "field a", func(b *dsl.Builder, in pipeIn) {
			echo.Task(b, strIn{Text: dsl.ItemField[string](in.Msg, "a")})
		}},
		{"ParallelFor item type mismatch", ir.InvalidControlFlow, "items of type", func(b *dsl.Builder, in pipeIn) {
			l := lister.Task(b, none{})
			dsl.ParallelFor(b, l.Out.Output, func(b *dsl.Builder, it dsl.Param[int]) {})
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dsl.NewPipeline("scope-"+string(rune('a'+i)), func(b *dsl.Builder, in pipeIn) none {
				tc.body(b, in)
				return none{}
			})
			var errs ir.ErrorList
			require.NotPanics(t, func() { errs = compileErr(t, p) })
			found := false
			for _, e := range errs {
				if e.Code == tc.code && assert.ObjectsAreEqual(true, contains(e.Error(), tc.want)) {
					found = true
					file, line := e.Pos.FileLine()
					assert.Contains(t, file, "control_test.go", "error should point at the DSL call")
					assert.Positive(t, line)
				}
			}
			assert.True(t, found, "want %s error containing %q, got:\n%s", tc.code, tc.want, errs.Full())
		})
	}
	assert.GreaterOrEqual(t, len(cases), 15)
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// Trap 1: a task outside a loop over a task output, fed by a pipeline
// parameter and ordered after a task inside the loop, waits for the whole
// loop and reads the parameter from the root inputs.
func TestTrapAfterLoopWithPipelineParam(t *testing.T) {
	p := dsl.NewPipeline("trap-after-loop", func(b *dsl.Builder, in pipeIn) none {
		l := lister.Task(b, none{})
		var inner *dsl.Task[strOut]
		dsl.ParallelFor(b, l.Out.Output, func(b *dsl.Builder, it dsl.Param[string]) { inner = echo.Task(b, strIn{Text: it}) })
		echo.Task(b, strIn{Text: in.Msg}).After(inner)
		return none{}
	})
	doc := compileDoc(t, p)
	task := dig(t, doc, "root", "dag", "tasks", "echo-2")
	assert.Equal(t, []any{"for-loop-1"}, dig(t, task, "dependentTasks"))
	assert.Equal(t, "msg", dig(t, task, "inputs", "parameters", "text", "componentInputParameter"))
}

// Trap 2: a pipeline parameter used as the image and CPU limit of a task
// inside a loop is plumbed into the loop's DAG.
func TestTrapParameterizedImageInLoop(t *testing.T) {
	p := dsl.NewPipeline("trap-image-loop", func(b *dsl.Builder, in pipeIn) none {
		dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
			echo.Task(b, strIn{Text: in.Msg}).SetImageFrom(in.Image)
		})
		return none{}
	})
	doc := compileDoc(t, p)
	defs := dig(t, doc, "components", "comp-for-loop-2", "inputDefinitions", "parameters").(map[string]any)
	assert.Contains(t, defs, "pipelinechannel--image")
	assert.Contains(t, defs, "pipelinechannel--msg")
	loopIn := dig(t, doc, "root", "dag", "tasks", "for-loop-2", "inputs", "parameters").(map[string]any)
	assert.Equal(t, "image", dig(t, loopIn, "pipelinechannel--image", "componentInputParameter"))
	inner := dig(t, doc, "components", "comp-for-loop-2", "dag", "tasks", "echo", "inputs", "parameters").(map[string]any)
	assert.Equal(t, "pipelinechannel--image", dig(t, inner, "pipelinechannel--image", "componentInputParameter"))
	assert.Equal(t, "{{$.inputs.parameters['pipelinechannel--image']}}", dig(t, inner, "base_image", "runtimeValue", "constant"))
}

// Trap 3: fields of a literal list of objects resolve inside an If inside
// the loop, with the loop inside an ExitHandler.
func TestTrapItemFieldsInNestedGroups(t *testing.T) {
	p := dsl.NewPipeline("trap-fields", func(b *dsl.Builder, in pipeIn) none {
		exit := exitRep.Task(b, statusIn{})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			dsl.ParallelForItems(b, []map[string]any{{"a": "x", "b": "y"}}, func(b *dsl.Builder, it dsl.Param[map[string]any]) {
				a := dsl.ItemField[string](it, "a")
				dsl.If(b, dsl.Eq(a, dsl.Lit("x")), func(b *dsl.Builder) {
					echo.Task(b, strIn{Text: dsl.ItemField[string](it, "b")})
				})
			})
		})
		return none{}
	})
	doc := compileDoc(t, p)
	comps := dig(t, doc, "components").(map[string]any)
	var cond map[string]any
	for name, c := range comps {
		if contains(name, "comp-condition-") {
			cond = c.(map[string]any)
		}
	}
	require.NotNil(t, cond, "a condition component")
	inner := dig(t, cond, "dag", "tasks", "echo", "inputs", "parameters", "text").(map[string]any)
	src := inner["componentInputParameter"].(string)
	assert.Contains(t, dig(t, cond, "inputDefinitions", "parameters"), src, "the field reaches the condition's DAG")
}

// Trap 4: a sub-pipeline containing a loop, used twice, keeps distinct loop
// component names.
func TestTrapReusedSubPipelineLoops(t *testing.T) {
	sub := dsl.NewPipeline("sub-with-loop", func(b *dsl.Builder, in pipeIn) none {
		dsl.ParallelForItems(b, []string{"a", "b"}, func(b *dsl.Builder, it dsl.Param[string]) { echo.Task(b, strIn{Text: it}) })
		return none{}
	})
	p := dsl.NewPipeline("trap-reuse", func(b *dsl.Builder, in pipeIn) none {
		sub.Task(b, in)
		sub.Task(b, in)
		return none{}
	})
	doc := compileDoc(t, p)
	comps := dig(t, doc, "components").(map[string]any)
	assert.Contains(t, comps, "comp-for-loop-2")
	assert.Contains(t, comps, "comp-for-loop-2-2")
	assert.Equal(t, "comp-for-loop-2-2", dig(t, comps, "comp-sub-with-loop-2", "dag", "tasks", "for-loop-2", "componentRef", "name"))
}

// Trap 5: a bool default false and an int default 0 are kept with their
// types.
func TestTrapZeroDefaults(t *testing.T) {
	type zeroIn struct {
		Flag  dsl.Param[bool] `kfp:"flag" default:"false"`
		Count dsl.Param[int]  `kfp:"count" default:"0"`
	}
	type flagIn struct {
		Flag dsl.Param[bool] `kfp:"flag"`
	}
	use := fn[flagIn, none]("use-flag")
	p := dsl.NewPipeline("trap-zero", func(b *dsl.Builder, in zeroIn) none {
		dsl.If(b, dsl.Eq(in.Count, dsl.Lit(0)), func(b *dsl.Builder) { use.Task(b, flagIn{Flag: in.Flag}) })
		return none{}
	})
	doc := compileDoc(t, p)
	params := dig(t, doc, "root", "inputDefinitions", "parameters").(map[string]any)
	assert.Equal(t, false, dig(t, params, "flag", "defaultValue"))
	assert.Equal(t, "BOOLEAN", dig(t, params, "flag", "parameterType"))
	assert.EqualValues(t, 0, dig(t, params, "count", "defaultValue"))
	assert.Equal(t, "NUMBER_INTEGER", dig(t, params, "count", "parameterType"))
	assert.Equal(t, "int(inputs.parameter_values['pipelinechannel--count']) == 0",
		dig(t, doc, "root", "dag", "tasks", "condition-1", "triggerPolicy", "condition"))
}

// Deep plumbing: a loop inside a condition inside an exit handler inside a
// nested pipeline reads a pipeline input and an upstream output.
func TestDeepPlumbing(t *testing.T) {
	sub := dsl.NewPipeline("deep-sub", func(b *dsl.Builder, in pipeIn) none {
		up := echo.Task(b, strIn{Text: in.Msg})
		exit := exitRep.Task(b, statusIn{})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			dsl.If(b, dsl.Ne(up.Out.Output, dsl.Lit("")), func(b *dsl.Builder) {
				dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
					echo.Task(b, strIn{Text: up.Out.Output})
				})
			})
		})
		return none{}
	})
	p := dsl.NewPipeline("deep", func(b *dsl.Builder, in pipeIn) none {
		sub.Task(b, in)
		return none{}
	})
	doc := compileDoc(t, p)
	comps := dig(t, doc, "components").(map[string]any)
	for _, name := range []string{"comp-exit-handler-1", "comp-condition-2", "comp-for-loop-4"} {
		defs := dig(t, comps, name, "inputDefinitions", "parameters").(map[string]any)
		assert.Contains(t, defs, "pipelinechannel--echo-Output", name)
	}
	assert.Equal(t, "pipelinechannel--echo-Output",
		dig(t, comps, "comp-for-loop-4", "dag", "tasks", "echo-2", "inputs", "parameters", "text", "componentInputParameter"))
	eh := dig(t, comps, "comp-deep-sub", "dag", "tasks", "exit-handler-1").(map[string]any)
	assert.Equal(t, []any{"echo"}, eh["dependentTasks"])
	exitTask := dig(t, comps, "comp-deep-sub", "dag", "tasks", "exit-report").(map[string]any)
	assert.Equal(t, "exit-handler-1", dig(t, exitTask, "inputs", "parameters", "status", "taskFinalStatus", "producerTask"))
}
