package compiler_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/internal/wantmarkers"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// The invalid pipelines below mark each offending DSL line with a
// `// want "substring"` comment; TestBadInput compiles each pipeline and
// matches the reported errors (file, line, text) against the markers.

type none = struct{}

type textIn struct {
	Text dsl.Param[string] `kfp:"text"`
}
type textOut struct {
	Out dsl.Param[string] `kfp:"out"`
}

var echo = dsl.NewContainerComponent("echo", func(in textIn, out textOut) dsl.Container {
	return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", "echo $0 > $1", in.Text, out.Out}}
})

type outputNamedIn struct {
	Output dsl.Param[string] `kfp:"Output"`
}

var badOutputInput = dsl.NewContainerComponent("bad-output-input", func(in outputNamedIn, _ none) dsl.Container { // want "has an input named \"Output\""
	return dsl.Container{Image: "alpine", Command: []any{"echo", in.Output}}
})

type chanIn struct {
	C chan int
}

var badFieldType = dsl.NewContainerComponent("bad-field-type", func(in chanIn, _ none) dsl.Container { // want "not a KFP parameter or artifact handle"
	return dsl.Container{Image: "alpine"}
})

type badDefaultIn struct {
	N dsl.Param[int] `kfp:"n" default:"ten"`
}

var badDefault = dsl.NewContainerComponent("bad-default", func(in badDefaultIn, _ none) dsl.Container { // want "default \"ten\""
	return dsl.Container{Image: "alpine", Command: []any{"echo", in.N}}
})

type dupIn struct {
	A dsl.Param[string] `kfp:"x"`
	B dsl.Param[string] `kfp:"x"`
}

var dupNames = dsl.NewContainerComponent("dup-names", func(in dupIn, _ none) dsl.Container { // want "declared twice"
	return dsl.Container{Image: "alpine", Command: []any{"echo", in.A}}
})

var noImage = dsl.NewContainerComponent("no-image", func(in textIn, _ none) dsl.Container { // want "has no image"
	return dsl.Container{Command: []any{"echo", in.Text}}
})

var badCommandItem = dsl.NewContainerComponent("bad-command", func(in textIn, _ none) dsl.Container { // want "is not a command-line element"
	return dsl.Container{Image: "alpine", Command: []any{"echo", 42}}
})

type badNameIn struct {
	X dsl.Param[string] `kfp:"my-input"`
}

var badInputName = dsl.NewContainerComponent("bad-input-name", func(in badNameIn, _ none) dsl.Container { // want "is not a valid KFP input name"
	return dsl.Container{Image: "alpine", Command: []any{"echo", in.X}}
})

type badTagIn struct {
	X dsl.Param[string] `kfp:"x,required"`
}

var badTagOption = dsl.NewContainerComponent("bad-tag", func(in badTagIn, _ none) dsl.Container { // want "unknown kfp tag option"
	return dsl.Container{Image: "alpine", Command: []any{"echo", in.X}}
})

type sameIn struct {
	V dsl.Param[string] `kfp:"v"`
}
type sameOut struct {
	V dsl.Param[string] `kfp:"v"`
}

var inOutSameName = dsl.NewContainerComponent("same-name", func(in sameIn, out sameOut) dsl.Container { // want "an input and an output both named"
	return dsl.Container{Image: "alpine", Command: []any{"echo", in.V, out.V}}
})

var goFuncNoImage = dsl.NewComponent("go-no-image", func(_ context.Context, in textIn) (textOut, error) { return textOut{}, nil }) // want "has no ko:// image"

type badCases struct {
	name string
	p    dsl.PipelineDef
}

var otherPipelineTask *dsl.Task[textOut]
var otherPipelineInput dsl.Param[string]

var other = dsl.NewPipeline("other", func(b *dsl.Builder, in textIn) none {
	otherPipelineTask = echo.Task(b, textIn{Text: in.Text})
	otherPipelineInput = in.Text
	return none{}
})

// recursive uses itself as a task; mutualA and mutualB use each other.
func recursive() dsl.PipelineDef {
	var p *dsl.Pipeline[textIn, none]
	p = dsl.NewPipeline("recursive", func(b *dsl.Builder, in textIn) none {
		p.Task(b, in) // want "pipeline \"recursive\" uses itself as a task"
		return none{}
	})
	return p
}

func mutual() dsl.PipelineDef {
	var a, c *dsl.Pipeline[textIn, none]
	a = dsl.NewPipeline("mutual-a", func(b *dsl.Builder, in textIn) none {
		c.Task(b, in)
		return none{}
	})
	c = dsl.NewPipeline("mutual-b", func(b *dsl.Builder, in textIn) none {
		a.Task(b, in) // want "uses itself as a task through nested pipelines: \"mutual-a\" → \"mutual-b\" → \"mutual-a\""
		return none{}
	})
	return a
}

var cases = []badCases{
	{"recursive-pipeline", recursive()},
	{"mutually-recursive-pipelines", mutual()},
	{"missing-input", dsl.NewPipeline("missing-input", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{}) // want "required input \"text\" (STRING) of component \"echo\" is not set"
		return none{}
	})},
	{"bad-pipeline-name", dsl.NewPipeline("Bad_Name", func(b *dsl.Builder, _ none) none { // want "is not a valid KFP pipeline name"
		echo.Task(b, textIn{Text: dsl.Lit("x")})
		return none{}
	})},
	{"cpu", dsl.NewPipeline("bad-cpu", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetCPULimit("two") // want "CPU limit \"two\""
		return none{}
	})},
	{"cpu-request", dsl.NewPipeline("bad-cpu-request", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetCPURequest("1.5.0") // want "CPU request \"1.5.0\""
		return none{}
	})},
	{"memory", dsl.NewPipeline("bad-memory", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetMemoryLimit("4GB") // want "memory limit \"4GB\""
		return none{}
	})},
	{"memory-request", dsl.NewPipeline("bad-memory-request", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetMemoryRequest("-1Gi") // want "memory request \"-1Gi\""
		return none{}
	})},
	{"accelerator", dsl.NewPipeline("bad-accelerator", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetAcceleratorLimit(-1) // want "negative accelerator count -1"
		return none{}
	})},
	{"accelerator-type", dsl.NewPipeline("bad-accelerator-type", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetAcceleratorType("") // want "empty accelerator type"
		return none{}
	})},
	{"retry", dsl.NewPipeline("bad-retry", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetRetry(-2) // want "negative retry count -2"
		return none{}
	})},
	{"env", dsl.NewPipeline("bad-env", func(b *dsl.Builder, _ none) none {
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			SetEnv("", "v") // want "SetEnv: empty name"
		return none{}
	})},
	{"cycle", dsl.NewPipeline("cycle", func(b *dsl.Builder, _ none) none {
		a := echo.Task(b, textIn{Text: dsl.Lit("x")})
		c := echo.Task(b, textIn{Text: a.Out.Out}) // want "tasks form a cycle: echo -> echo-2 -> echo"
		a.After(c)
		return none{}
	})},
	{"foreign-task", dsl.NewPipeline("foreign-task", func(b *dsl.Builder, _ none) none {
		other.Build()
		echo.Task(b, textIn{Text: dsl.Lit("x")}).
			After(otherPipelineTask) // want "task \"echo\" belongs to another pipeline"
		return none{}
	})},
	{"foreign-output", dsl.NewPipeline("foreign-output", func(b *dsl.Builder, _ none) none {
		other.Build()
		echo.Task(b, textIn{Text: otherPipelineTask.Out.Out}) // want "belongs to another pipeline"
		return none{}
	})},
	{"foreign-input", dsl.NewPipeline("foreign-input", func(b *dsl.Builder, _ none) none {
		other.Build()
		echo.Task(b, textIn{Text: otherPipelineInput}) // want "input \"text\" belongs to another pipeline"
		return none{}
	})},
	{"unset-output", dsl.NewPipeline("unset-output", func(b *dsl.Builder, _ none) textOut { // want "leaves its output \"out\" unset"
		echo.Task(b, textIn{Text: dsl.Lit("x")})
		return textOut{}
	})},
	{"output-input", dsl.NewPipeline("uses-output-input", func(b *dsl.Builder, _ none) none {
		badOutputInput.Task(b, outputNamedIn{Output: dsl.Lit("x")})
		return none{}
	})},
	{"field-type", dsl.NewPipeline("uses-field-type", func(b *dsl.Builder, _ none) none {
		badFieldType.Task(b, chanIn{})
		return none{}
	})},
	{"default", dsl.NewPipeline("uses-bad-default", func(b *dsl.Builder, _ none) none {
		badDefault.Task(b, badDefaultIn{})
		return none{}
	})},
	{"dup", dsl.NewPipeline("uses-dup", func(b *dsl.Builder, _ none) none {
		dupNames.Task(b, dupIn{A: dsl.Lit("a"), B: dsl.Lit("b")})
		return none{}
	})},
	{"no-image", dsl.NewPipeline("uses-no-image", func(b *dsl.Builder, _ none) none {
		noImage.Task(b, textIn{Text: dsl.Lit("a")})
		return none{}
	})},
	{"command", dsl.NewPipeline("uses-bad-command", func(b *dsl.Builder, _ none) none {
		badCommandItem.Task(b, textIn{Text: dsl.Lit("a")})
		return none{}
	})},
	{"input-name", dsl.NewPipeline("uses-bad-input-name", func(b *dsl.Builder, _ none) none {
		badInputName.Task(b, badNameIn{X: dsl.Lit("a")})
		return none{}
	})},
	{"tag", dsl.NewPipeline("uses-bad-tag", func(b *dsl.Builder, _ none) none {
		badTagOption.Task(b, badTagIn{X: dsl.Lit("a")})
		return none{}
	})},
	{"in-out", dsl.NewPipeline("uses-in-out", func(b *dsl.Builder, _ none) none {
		inOutSameName.Task(b, sameIn{V: dsl.Lit("a")})
		return none{}
	})},
	{"go-func", dsl.NewPipeline("uses-go-func", func(b *dsl.Builder, _ none) none {
		goFuncNoImage.Task(b, textIn{Text: dsl.Lit("a")})
		return none{}
	})},
	{"local-handle", dsl.NewPipeline("local-handle", func(b *dsl.Builder, in textIn) none {
		var leaked textIn
		dsl.NewContainerComponent("leak", func(i textIn, _ none) dsl.Container {
			leaked = i
			return dsl.Container{Image: "alpine", Command: []any{"echo", i.Text}}
		})
		echo.Task(b, leaked) // want "a component's own input/output handle cannot be used as a task argument"
		return none{}
	})},
}

type want struct {
	line int
	text string
}

func TestBadInput(t *testing.T) {
	file, err := filepath.Abs("badinput_test.go")
	require.NoError(t, err)
	wants := wantmarkers.Read(t, file)
	require.GreaterOrEqual(t, len(wants), 20)
	matched := map[int]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res *compiler.Result
			var err error
			require.NotPanics(t, func() { res, err = compiler.Compile(c.p, compiler.Options{}) })
			require.Error(t, err, "pipeline %s should not compile", c.name)
			assert.Nil(t, res)
			var list ir.ErrorList
			require.True(t, errors.As(err, &list), "want an ir.ErrorList, got %T", err)
			found := false
			for _, e := range list {
				// Every group a message names has a name.
				assert.NotRegexp(t, `inside (\S+ )?(,|$)| too$`, e.Msg)
				assert.NotRegexp(t, `inside (,| too)`, e.Hint)
				f, line := e.Pos.FileLine()
				if f != file {
					continue
				}
				if w, ok := wants[line]; ok && strings.Contains(e.Msg, w) {
					matched[line] = true
					found = true
				}
			}
			assert.True(t, found, "no error matched a // want marker; got:\n%s", list.Full())
		})
	}
	for line, w := range wants {
		assert.True(t, matched[line], "line %d: no error matched want %q", line, w)
	}
}
