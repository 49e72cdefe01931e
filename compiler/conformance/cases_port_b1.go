package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// Ports of control-flow goldens: nested If/Elif/Else with OneOf inside a
// loop, and loop parallelism (batch b1).

// kfp-ir/if_elif_else_complex.yaml
type ieecNumIn struct {
	Num dsl.Param[int] `kfp:"num"`
}
type ieecIntsIn struct {
	Ints dsl.Param[[]int] `kfp:"ints"`
}
type ieecPipelineIn struct {
	AddDrumroll         dsl.Param[bool]  `kfp:"add_drumroll" default:"true"`
	RepeatIfLuckyNumber dsl.Param[bool]  `kfp:"repeat_if_lucky_number" default:"true"`
	Trials              dsl.Param[[]int] `kfp:"trials" default:"[1, 2, 3]"`
}

var (
	ieecInt0To9999    = goFunc[none, intOutput]("int-0-to-9999")
	ieecIsEvenOrOdd   = goFunc[ieecNumIn, stringOutput]("is-even-or-odd")
	ieecPrintAndRet   = goFunc[cfTextIn, stringOutput]("print-and-return")
	ieecPrintInts     = goFunc[ieecIntsIn, none]("print-ints")
	ieecLuckyPipeline = dsl.NewPipeline("lucky-number-pipeline", func(b *dsl.Builder, in ieecPipelineIn) none {
		var intTask *dsl.Task[intOutput]
		dsl.ParallelFor(b, in.Trials, func(b *dsl.Builder, trial dsl.Param[int]) {
			intTask = ieecInt0To9999.Task(b, none{}).SetCaching(false)
			dsl.If(b, dsl.Eq(in.AddDrumroll, dsl.Lit(true)), func(b *dsl.Builder) {
				dsl.If(b, dsl.Eq(trial, dsl.Lit(3)), func(b *dsl.Builder) {
					ieecPrintAndRet.Task(b, cfTextIn{Text: dsl.Lit("Adding drumroll on last trial!")})
				})
			})
			evenOdd := func(b *dsl.Builder, even, odd string) {
				eo := ieecIsEvenOrOdd.Task(b, ieecNumIn{Num: intTask.Out.Output})
				var t1, t2 *dsl.Task[stringOutput]
				dsl.If(b, dsl.Eq(eo.Out.Output, dsl.Lit("even")), func(b *dsl.Builder) {
					t1 = ieecPrintAndRet.Task(b, cfTextIn{Text: dsl.Lit(even)})
				}).Else(func(b *dsl.Builder) {
					t2 = ieecPrintAndRet.Task(b, cfTextIn{Text: dsl.Lit(odd)})
				})
				ieecPrintAndRet.Task(b, cfTextIn{Text: dsl.OneOf(b, t1.Out.Output, t2.Out.Output)})
			}
			dsl.If(b, dsl.Lt(intTask.Out.Output, dsl.Lit(5000)), func(b *dsl.Builder) {
				evenOdd(b, "Got a low even number!", "Got a low odd number!")
			}).Elif(dsl.Gt(intTask.Out.Output, dsl.Lit(5000)), func(b *dsl.Builder) {
				evenOdd(b, "Got a high even number!", "Got a high odd number!")
			}).Else(func(b *dsl.Builder) {
				ieecPrintAndRet.Task(b, cfTextIn{Text: dsl.Lit("Announcing: Got the lucky number 5000! A one in 10,000 chance.")})
				dsl.If(b, dsl.Eq(in.RepeatIfLuckyNumber, dsl.Lit(true)), func(b *dsl.Builder) {
					dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
						ieecPrintAndRet.Task(b, cfTextIn{Text: dsl.Lit("Announcing again: Got the lucky number 5000! A one in 10,000 chance.")})
					})
				})
			})
		})
		ieecPrintInts.Task(b, ieecIntsIn{Ints: dsl.Collected[[]int](intTask.Out.Output)})
		return none{}
	})
)

func init() {
	add("kfp-ir/if_elif_else_complex.yaml", ieecLuckyPipeline)
}
