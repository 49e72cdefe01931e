package kfp_test

import (
	"context"
	"math"
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

// The pipelines below misuse the DSL the way new users do; each offending
// line carries a `// want "substring"` marker, and
// TestUserErrorsArePositioned checks that compiling reports an error with
// that text at that line (and never panics or hangs).

type floatIn struct {
	X dsl.Param[float64] `kfp:"x"`
}

type nanDefaultIn struct {
	X dsl.Param[float64] `kfp:"x" default:"NaN"`
}

type bigDefaultIn struct {
	N dsl.Param[int] `kfp:"n" default:"9007199254740993"`
}

var (
	takeFloat   = fn[floatIn, none]("take-float")
	takeStructU = fn[structIn, none]("take-struct")
	takeListU   = fn[specsIn, none]("take-list")
)

func userErrorCases() []struct {
	name string
	p    compiler.Builder
} {
	return []struct {
		name string
		p    compiler.Builder
	}{
		{"compose-cycle", dsl.NewPipeline("compose-cycle", func(b *dsl.Builder, _ none) none {
			rec := map[string]any{"a": 1}
			rec["self"] = rec
			takeStructU.Task(b, structIn{Config: dsl.Compose[map[string]any](rec)}) // want "Compose: value.self: the value contains itself"
			return none{}
		})},
		{"compose-slice-cycle", dsl.NewPipeline("compose-slice-cycle", func(b *dsl.Builder, _ none) none {
			s := make([]any, 2)
			s[1] = s
			takeListU.Task(b, specsIn{Specs: dsl.Compose[[]any](s)}) // want "Compose: value[1]: the value contains itself"
			return none{}
		})},
		{"compose-too-deep", dsl.NewPipeline("compose-too-deep", func(b *dsl.Builder, _ none) none {
			var v any = "leaf"
			for range 150 {
				v = []any{v}
			}
			takeListU.Task(b, specsIn{Specs: dsl.Compose[[]any](v)}) // want "nested deeper than 100 levels"
			return none{}
		})},
		{"compose-nil-param", dsl.NewPipeline("compose-nil-param", func(b *dsl.Builder, _ none) none {
			var p *dsl.Param[string]
			up := echo.Task(b, strIn{Text: dsl.Lit("x")})
			takeStructU.Task(b, structIn{Config: dsl.Compose[map[string]any](map[string]any{"p": p, "up": up.Out.Output})}) // want "value.p: a *dsl.Param[string] that is not bound"
			echo.Task(b, strIn{})                                                                                           // want "required input \"text\""
			return none{}
		})},
		{"format-nil-param", dsl.NewPipeline("format-nil-param", func(b *dsl.Builder, _ none) none {
			var p *dsl.Param[int]
			echo.Task(b, strIn{Text: dsl.Format("n=", p)}) // want "Format part 1: part *dsl.Param[int] is not bound"
			return none{}
		})},
		{"untyped-nil-param", dsl.NewPipeline("untyped-nil-param", func(b *dsl.Builder, _ none) none {
			var p *dsl.Param[string]
			dsl.NewUntypedComponent(echo.IR()).Task(b, map[string]any{"text": p}) // want "a nil *dsl.Param[string] is not bound"
			return none{}
		})},
		{"nan-default", dsl.NewPipeline("nan-default", func(b *dsl.Builder, _ none) none {
			c := dsl.NewComponent("nan-default", func(context.Context, nanDefaultIn) (none, error) { return none{}, nil }, dsl.Image("ko://example.com/ports")) // want "default \"NaN\": value: NaN has no JSON form"
			c.Task(b, nanDefaultIn{})
			return none{}
		})},
		{"big-int-default", dsl.NewPipeline("big-int-default", func(b *dsl.Builder, _ none) none {
			c := dsl.NewComponent("big-default", func(context.Context, bigDefaultIn) (none, error) { return none{}, nil }, dsl.Image("ko://example.com/ports")) // want "9007199254740993 cannot be held exactly"
			c.Task(b, bigDefaultIn{})
			return none{}
		})},
		{"lit-inf", dsl.NewPipeline("lit-inf", func(b *dsl.Builder, _ none) none {
			takeFloat.Task(b, floatIn{X: dsl.Lit(math.Inf(-1))}) // want "value: -Inf has no JSON form"
			return none{}
		})},
		{"compose-nan", dsl.NewPipeline("compose-nan", func(b *dsl.Builder, _ none) none {
			up := echo.Task(b, strIn{Text: dsl.Lit("x")})
			takeStructU.Task(b, structIn{Config: dsl.Compose[map[string]any](map[string]any{"rate": math.NaN(), "up": up.Out.Output})}) // want "value.rate: NaN has no JSON form"
			return none{}
		})},
		{"compose-literal-uint64", dsl.NewPipeline("compose-literal-uint64", func(b *dsl.Builder, _ none) none {
			takeListU.Task(b, specsIn{Specs: dsl.Compose[[]any]([]any{uint64(math.MaxUint64)})}) // want "value[0]: the integer 18446744073709551615 cannot be held exactly"
			return none{}
		})},
		{"loop-items-inf", dsl.NewPipeline("loop-items-inf", func(b *dsl.Builder, _ none) none {
			dsl.ParallelForItems(b, []float64{1, math.Inf(1)}, func(b *dsl.Builder, item dsl.Param[float64]) { // want "items of for-loop-2: value[1]: +Inf has no JSON form"
				takeFloat.Task(b, floatIn{X: item})
			})
			return none{}
		})},
		{"importer-metadata-nan", dsl.NewPipeline("importer-metadata-nan", func(b *dsl.Builder, _ none) none {
			dsl.Importer[dsl.Dataset](b, dsl.Lit("gs://b/k"), dsl.ImportMetadata(map[string]any{"score": math.NaN()})) // want "importer: metadata.score: NaN has no JSON form"
			return none{}
		})},
		{"set-image-empty", dsl.NewPipeline("set-image-empty", func(b *dsl.Builder, _ none) none {
			echo.Task(b, strIn{Text: dsl.Lit("x")}).SetImage("") // want "SetImage: empty image on task \"echo\""
			return none{}
		})},
		{"set-env-bad-name", dsl.NewPipeline("set-env-bad-name", func(b *dsl.Builder, _ none) none {
			echo.Task(b, strIn{Text: dsl.Lit("x")}).SetEnv("1BAD=", "v") // want "SetEnv: \"1BAD=\" on task \"echo\" is not a valid environment variable name"
			return none{}
		})},
		{"parallelism-negative", dsl.NewPipeline("parallelism-negative", func(b *dsl.Builder, _ none) none {
			dsl.ParallelForItems(b, []string{"a", "b"}, func(b *dsl.Builder, item dsl.Param[string]) { // want "for-loop-2: Parallelism(-3) is out of range"
				echo.Task(b, strIn{Text: item})
			}, dsl.Parallelism(-3))
			return none{}
		})},
		{"importer-empty-uri", dsl.NewPipeline("importer-empty-uri", func(b *dsl.Builder, _ none) none {
			dsl.Importer[dsl.Dataset](b, dsl.Lit("")) // want "Importer: empty artifact URI"
			return none{}
		})},
		{"item-field-not-object", dsl.NewPipeline("item-field-not-object", func(b *dsl.Builder, _ none) none {
			dsl.ParallelForItems(b, []string{"a", "b"}, func(b *dsl.Builder, item dsl.Param[string]) {
				echo.Task(b, strIn{Text: dsl.ItemField[string](item, "name")}) // want "ItemField \"name\" over for-loop-2: item 0 is a string, not an object"
			})
			return none{}
		})},
		{"item-field-missing", dsl.NewPipeline("item-field-missing", func(b *dsl.Builder, _ none) none {
			items := []map[string]any{{"name": "a"}, {"size": 2}}
			dsl.ParallelForItems(b, items, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
				echo.Task(b, strIn{Text: dsl.ItemField[string](item, "name")}) // want "item 1 has no field \"name\""
			})
			return none{}
		})},
		{"item-field-type", dsl.NewPipeline("item-field-type", func(b *dsl.Builder, _ none) none {
			items := []map[string]any{{"name": "a", "size": 1}, {"name": "b", "size": "big"}}
			dsl.ParallelForItems(b, items, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
				takeFloat.Task(b, floatIn{X: dsl.ItemField[float64](item, "size")}) // want "item 1 has a string big in that field, which is not NUMBER_DOUBLE"
			})
			return none{}
		})},
		{"closed-builder", dsl.NewPipeline("closed-builder", func(b *dsl.Builder, in strIn) none {
			var inner *dsl.Builder
			dsl.If(b, dsl.Eq(in.Text, dsl.Lit("go")), func(b *dsl.Builder) {
				inner = b
				echo.Task(b, strIn{Text: dsl.Lit("in")})
			})
			echo.Task(inner, strIn{Text: dsl.Lit("late")})                                            // want "this Builder belongs to the body of condition-1, which has returned; use the Builder of the enclosing body"
			dsl.ParallelForItems(inner, []string{"a"}, func(b *dsl.Builder, item dsl.Param[string]) { // want "body of condition-1, which has returned"
				echo.Task(b, strIn{Text: item})
			})
			return none{}
		})},
	}
}

func TestUserErrorsArePositioned(t *testing.T) {
	file, err := filepath.Abs("usererrors_test.go")
	require.NoError(t, err)
	wants := wantmarkers.Read(t, file)
	require.NotEmpty(t, wants)
	matched := map[int]bool{}
	for _, c := range userErrorCases() {
		t.Run(c.name, func(t *testing.T) {
			var list ir.ErrorList
			require.NotPanics(t, func() { list = compileErr(t, c.p) })
			found := false
			for _, e := range list {
				f, line := e.Pos.FileLine()
				if w, ok := wants[line]; ok && f == file && strings.Contains(e.Msg, w) {
					matched[line] = true
					found = true
					assert.NotEmpty(t, e.Hint, "error without a hint: %s", e.Msg)
				}
			}
			assert.True(t, found, "no error matched a // want marker; got:\n%s", list.Full())
		})
	}
	for line, w := range wants {
		assert.True(t, matched[line], "line %d: no error matched want %q", line, w)
	}
}

// Values KFP can hold exactly still compile: integers up to 2^53, a uint64
// that is a float64 exactly, finite floats and a builder used inside its
// own body.
func TestUserLiteralsWithinRangeCompile(t *testing.T) {
	p := dsl.NewPipeline("literals-ok", func(b *dsl.Builder, in strIn) none {
		takeListU.Task(b, specsIn{Specs: dsl.Compose[[]any]([]any{int64(1) << 53, uint64(1) << 63, -1.5, math.MaxFloat64})})
		shared := []any{"x"}
		takeStructU.Task(b, structIn{Config: dsl.Compose[map[string]any](map[string]any{"a": shared, "b": shared})})
		takeFloat.Task(b, floatIn{X: dsl.Lit(math.SmallestNonzeroFloat64)})
		items := []map[string]any{{"name": "a", "size": 1}, {"name": "b", "size": 2.5}}
		dsl.ParallelForItems(b, items, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
			takeFloat.Task(b, floatIn{X: dsl.ItemField[float64](item, "size")})
			echo.Task(b, strIn{Text: dsl.ItemField[string](item, "name")}).SetEnv("my.env-NAME_1", "v")
		}, dsl.Parallelism(2))
		return none{}
	})
	_, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
}
