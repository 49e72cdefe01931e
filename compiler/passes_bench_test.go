package compiler_test

import (
	"fmt"
	"testing"

	"github.com/kfpgo/kfpgo/compiler/internal/yamlw"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/compiler/kfp"
)

// BenchmarkPasses measures each pass of Compile on its own (build,
// validate, emit, write) for a chain of n tasks, to show where the time of
// BenchmarkCompile goes and that each pass grows linearly.
func BenchmarkPasses(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		p := chainPipeline(n)
		b.Run(fmt.Sprintf("build-chain-%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				chainPipeline(n).Build()
			}
		})
		g := p.Build()
		b.Run(fmt.Sprintf("validate-chain-%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if errs := ir.Validate(g); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
		b.Run(fmt.Sprintf("emit-chain-%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := kfp.Emit(g, kfp.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		res, err := kfp.Emit(g, kfp.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("write-chain-%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var out []byte
			for i := 0; i < b.N; i++ {
				if out, err = yamlw.Marshal(kfp.Header(res.Doc), res.Doc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(out)), "yaml-bytes")
		})
	}
}
