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

// kfp-ir/pipeline_with_parallelfor_parallelism.yaml: list_dict_maker_1 is
// also loaded back from its compiled YAML in Python, which gives a second
// component of the same name (comp-list-dict-maker-1-2) whose output list is
// untyped, so its loop items are strings. The golden names the pipeline
// pipeline-with-loops.
type pfpXIn struct {
	X dsl.Param[int] `kfp:"x"`
}
type pfpLoopIn struct {
	LoopParameter dsl.Param[[]string] `kfp:"loop_parameter"`
}
type pfpDictsOut struct {
	Output dsl.Param[[]map[string]any] `kfp:"Output"`
}
type pfpListOut struct {
	Output dsl.Param[[]any] `kfp:"Output"`
}

var (
	pfpPrintText    = goFunc[cfMsgIn, none]("print-text")
	pfpPrintInt     = goFunc[pfpXIn, none]("print-int")
	pfpDictMaker0   = goFunc[none, pfpDictsOut]("list-dict-maker-0")
	pfpDictMaker1   = goFunc[none, pfpDictsOut]("list-dict-maker-1")
	pfpDictMaker2   = goFunc[none, pfpDictsOut]("list-dict-maker-2")
	pfpDictMaker3   = goFunc[none, pfpListOut]("list-dict-maker-3")
	pfpLoadedMaker1 = goFunc[none, pfpListOut]("list-dict-maker-1")
	pfpPipeline     = dsl.NewPipeline("pipeline-with-loops", func(b *dsl.Builder, in pfpLoopIn) none {
		dsl.ParallelFor(b, in.LoopParameter, func(b *dsl.Builder, item dsl.Param[string]) {
			pfpPrintText.Task(b, cfMsgIn{Msg: item})
			dsl.ParallelFor(b, in.LoopParameter, func(b *dsl.Builder, nested dsl.Param[string]) {
				pfpPrintText.Task(b, cfMsgIn{Msg: nested})
			})
		}, dsl.Parallelism(2))
		loopArgs := []map[string]any{{"A_a": "1", "B_b": "2"}, {"A_a": "10", "B_b": "20"}}
		dsl.ParallelForItems(b, loopArgs, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
			pfpPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](item, "A_a")})
			pfpPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](item, "B_b")})
			nestedArgs := []map[string]any{{"A_a": "10", "B_b": "20"}, {"A_a": "100", "B_b": "200"}}
			dsl.ParallelForItems(b, nestedArgs, func(b *dsl.Builder, nested dsl.Param[map[string]any]) {
				pfpPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](nested, "A_a")})
				pfpPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](nested, "B_b")})
			}, dsl.Parallelism(1))
		}, dsl.Parallelism(0))
		dictArgs := []map[string]any{{"a": 1, "b": 2}, {"a": 2, "b": 3}, {"a": 3, "b": 4}}
		dsl.ParallelForItems(b, dictArgs, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
			pfpPrintInt.Task(b, pfpXIn{X: dsl.ItemField[int](item, "a")})
		}, dsl.Parallelism(1))
		for _, maker := range []*dsl.Component[none, pfpDictsOut]{pfpDictMaker0, pfpDictMaker1, pfpDictMaker2} {
			t := maker.Task(b, none{})
			dsl.ParallelFor(b, t.Out.Output, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
				pfpPrintInt.Task(b, pfpXIn{X: dsl.ItemField[int](item, "a")})
			})
		}
		for _, maker := range []*dsl.Component[none, pfpListOut]{pfpDictMaker3, pfpLoadedMaker1} {
			t := maker.Task(b, none{})
			dsl.ParallelFor(b, t.Out.Output, func(b *dsl.Builder, item dsl.Param[string]) {
				pfpPrintInt.Task(b, pfpXIn{X: dsl.ItemField[int](item, "a")})
			})
		}
		return none{}
	})
)

func init() {
	add("kfp-ir/if_elif_else_complex.yaml", ieecLuckyPipeline)
	add("kfp-ir/pipeline_with_parallelfor_parallelism.yaml", pfpPipeline)
}

// kfp-ir/parameters_complex.yaml
type pcxNumsIn struct {
	Nums dsl.Param[[]int] `kfp:"nums"`
}
type pcxNestedIn struct {
	Nums dsl.Param[[]any] `kfp:"nums"` // List[List[int]]: a LIST of lists
}
type pcxXYIn struct {
	X dsl.Param[[]int] `kfp:"x"`
	Y dsl.Param[[]int] `kfp:"y"`
}

var (
	pcxDouble    = goFunc[psNumIn, intOutput]("double")
	pcxSimpleAdd = goFunc[pcxNumsIn, intOutput]("simple-add")
	pcxNestedAdd = goFunc[pcxNestedIn, intOutput]("nested-add")
	pcxAddTwo    = goFunc[pcxXYIn, intOutput]("add-two-numbers")
	pcxPipeline  = dsl.NewPipeline("math-pipeline", func(b *dsl.Builder, _ none) intOutput {
		var t1, t2, t3, t4 *dsl.Task[intOutput]
		dsl.ParallelForItems(b, []int{1, 2, 3}, func(b *dsl.Builder, a dsl.Param[int]) {
			t1 = pcxDouble.Task(b, psNumIn{Num: a})
			dsl.ParallelForItems(b, []int{4, 5, 6}, func(b *dsl.Builder, bb dsl.Param[int]) {
				t2 = pcxDouble.Task(b, psNumIn{Num: bb})
			})
			pcxSimpleAdd.Task(b, pcxNumsIn{Nums: dsl.Collected[[]int](t2.Out.Output)})
		})
		pcxNestedAdd.Task(b, pcxNestedIn{Nums: dsl.Collected[[]any](t2.Out.Output)})
		dsl.ParallelForItems(b, []int{0, 0, 0}, func(b *dsl.Builder, _ dsl.Param[int]) {
			t3 = pcxSimpleAdd.Task(b, pcxNumsIn{Nums: dsl.Collected[[]int](t1.Out.Output)})
			t4 = pcxNestedAdd.Task(b, pcxNestedIn{Nums: dsl.Collected[[]any](t2.Out.Output)})
		})
		return pcxAddTwo.Task(b, pcxXYIn{X: dsl.Collected[[]int](t3.Out.Output), Y: dsl.Collected[[]int](t4.Out.Output)}).Out
	})
)

func init() {
	add("kfp-ir/parameters_complex.yaml", pcxPipeline)
}

// kfp-ir/artifacts_complex.yaml
type acxNumIn struct {
	Num dsl.Param[int] `kfp:"num"`
}
type acxOut struct {
	OutDataset dsl.Artifact[dsl.Dataset] `kfp:"out_dataset"`
}
type acxAddIn struct {
	InDatasets dsl.Artifacts[dsl.Dataset] `kfp:"in_datasets"`
}
type acxTwoIn struct {
	InDataset1 dsl.Artifact[dsl.Dataset] `kfp:"in_dataset1"`
	InDataset2 dsl.Artifact[dsl.Dataset] `kfp:"in_dataset2"`
}
type acxListsIn struct {
	InDatasets1 dsl.Artifacts[dsl.Dataset] `kfp:"in_datasets1"`
	InDatasets2 dsl.Artifacts[dsl.Dataset] `kfp:"in_datasets2"`
}
type acxDatasetOut struct {
	Output dsl.Artifact[dsl.Dataset] `kfp:"Output"`
}
type acxThresholdIn struct {
	Threshold dsl.Param[int] `kfp:"threshold" default:"2"`
}
type acxMathOut struct {
	Sum      dsl.Artifact[dsl.Dataset]  `kfp:"sum"`
	Datasets dsl.Artifacts[dsl.Dataset] `kfp:"datasets"`
}

var (
	acxDouble     = goFunc[acxNumIn, acxOut]("double")
	acxAdd        = goFunc[acxAddIn, acxOut]("add")
	acxAddTwoInts = goFunc[acxTwoIn, acxOut]("add-two-ints")
	acxAddLists   = dsl.NewPipeline("add-two-lists-of-datasets", func(b *dsl.Builder, in acxListsIn) acxDatasetOut {
		sum1 := acxAdd.Task(b, acxAddIn{InDatasets: in.InDatasets1})
		sum2 := acxAdd.Task(b, acxAddIn{InDatasets: in.InDatasets2})
		return acxDatasetOut{Output: acxAddTwoInts.Task(b, acxTwoIn{InDataset1: sum1.Out.OutDataset, InDataset2: sum2.Out.OutDataset}).Out.OutDataset}
	})
	acxPipeline = dsl.NewPipeline("math-pipeline", func(b *dsl.Builder, in acxThresholdIn) acxMathOut {
		var d1, d2 *dsl.Task[acxOut]
		dsl.ParallelForItems(b, []int{1, 2, 3}, func(b *dsl.Builder, x dsl.Param[int]) {
			d1 = acxDouble.Task(b, acxNumIn{Num: x})
			dsl.ParallelForItems(b, []int{1, 2, 3}, func(b *dsl.Builder, y dsl.Param[int]) {
				dsl.If(b, dsl.Ge(y, in.Threshold), func(b *dsl.Builder) {
					d2 = acxDouble.Task(b, acxNumIn{Num: y})
				})
			})
		})
		sum := acxAddLists.Task(b, acxListsIn{
			InDatasets1: dsl.CollectedArtifacts(d1.Out.OutDataset),
			InDatasets2: dsl.CollectedArtifacts(d2.Out.OutDataset),
		})
		return acxMathOut{Sum: sum.Out.Output, Datasets: dsl.CollectedArtifacts(d1.Out.OutDataset)}
	})
)

func init() {
	add("kfp-ir/artifacts_complex.yaml", acxPipeline)
}
