package compiler_test

import (
	"fmt"
	"testing"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type twoIn struct {
	A dsl.Param[string] `kfp:"a"`
	B dsl.Param[string] `kfp:"b"`
}

var concat2 = dsl.NewContainerComponent("concat", func(in twoIn, out textOut) dsl.Container {
	return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", `echo "$0$1" > "$2"`, in.A, in.B, out.Out}}
})

// chain: each task reads the previous task's output.
func chainPipeline(n int) dsl.PipelineDef {
	return dsl.NewPipeline(fmt.Sprintf("chain-%d", n), func(b *dsl.Builder, in textIn) none {
		prev := in.Text
		for i := 0; i < n; i++ {
			prev = concat2.Task(b, twoIn{A: prev, B: dsl.Lit("x")}).Out.Out
		}
		return none{}
	})
}

// fan-out: every task reads the first task's output.
func fanOutPipeline(n int) dsl.PipelineDef {
	return dsl.NewPipeline(fmt.Sprintf("fanout-%d", n), func(b *dsl.Builder, in textIn) none {
		first := concat2.Task(b, twoIn{A: in.Text, B: dsl.Lit("x")}).Out.Out
		for i := 1; i < n; i++ {
			concat2.Task(b, twoIn{A: first, B: in.Text})
		}
		return none{}
	})
}

// BenchmarkCompile measures the whole compile (build, validate, emit, YAML)
// of chains and fan-outs of n tasks. Targets: 1,000 tasks under 50 ms and
// 50 MB allocated, cost linear in n.
func BenchmarkCompile(b *testing.B) {
	for _, shape := range []struct {
		name string
		mk   func(int) dsl.PipelineDef
	}{{"chain", chainPipeline}, {"fanout", fanOutPipeline}} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s-%d", shape.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					p := shape.mk(n)
					if _, err := compiler.Compile(p, compiler.Options{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
