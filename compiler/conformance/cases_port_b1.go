package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

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
	// ieecInt0To9999 returns a random integer in [0, 9999].
	ieecInt0To9999 = goFuncDo("int-0-to-9999", func(context.Context, none) (out intOutput, _ error) {
		out.Output.Set(rand.IntN(10000))
		return out, nil
	})
	// ieecIsEvenOrOdd returns "odd" or "even".
	ieecIsEvenOrOdd = goFuncDo("is-even-or-odd", func(_ context.Context, in ieecNumIn) (out stringOutput, _ error) {
		if in.Num.Value()%2 != 0 {
			out.Output.Set("odd")
		} else {
			out.Output.Set("even")
		}
		return out, nil
	})
	ieecPrintAndRet = goFuncDo("print-and-return", func(_ context.Context, in cfTextIn) (out stringOutput, _ error) {
		fmt.Println(in.Text.Value())
		out.Output.Set(in.Text.Value())
		return out, nil
	})
	ieecPrintInts = goFuncDo("print-ints", func(_ context.Context, in ieecIntsIn) (none, error) {
		fmt.Println(in.Ints.Value())
		return none{}, nil
	})
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
	pfpDictMaker0   = goFuncDo("list-dict-maker-0", pfpDicts)
	pfpDictMaker1   = goFuncDo("list-dict-maker-1", pfpDicts)
	pfpDictMaker2   = goFuncDo("list-dict-maker-2", pfpDicts)
	pfpDictMaker3   = goFuncDo("list-dict-maker-3", pfpList)
	pfpLoadedMaker1 = goFuncDo("list-dict-maker-1", pfpList)
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

// pfpDictList is what every list_dict_maker returns.
func pfpDictList() []map[string]any {
	return []map[string]any{{"a": 1, "b": 2}, {"a": 2, "b": 3}, {"a": 3, "b": 4}}
}

// pfpDicts is the body of the list_dict_makers typed List[Dict].
func pfpDicts(context.Context, none) (out pfpDictsOut, _ error) {
	out.Output.Set(pfpDictList())
	return out, nil
}

// pfpList is the body of the list_dict_makers typed List (untyped items).
func pfpList(context.Context, none) (out pfpListOut, _ error) {
	l := pfpDictList()
	items := make([]any, len(l))
	for i, d := range l {
		items[i] = d
	}
	out.Output.Set(items)
	return out, nil
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
	pcxDouble = goFuncDo("double", func(_ context.Context, in psNumIn) (out intOutput, _ error) {
		out.Output.Set(2 * in.Num.Value())
		return out, nil
	})
	pcxSimpleAdd = goFuncDo("simple-add", func(_ context.Context, in pcxNumsIn) (out intOutput, _ error) {
		out.Output.Set(sumInts(in.Nums.Value()))
		return out, nil
	})
	// pcxNestedAdd sums a list of integer lists.
	pcxNestedAdd = goFuncDo("nested-add", func(_ context.Context, in pcxNestedIn) (out intOutput, _ error) {
		total := 0
		for i, l := range in.Nums.Value() {
			items, ok := l.([]any)
			if !ok {
				return out, fmt.Errorf("nums[%d] is %T, want a list of integers", i, l)
			}
			for j, v := range items {
				f, ok := v.(float64)
				if !ok || f != float64(int(f)) {
					return out, fmt.Errorf("nums[%d][%d] is %v, want an integer", i, j, v)
				}
				total += int(f)
			}
		}
		out.Output.Set(total)
		return out, nil
	})
	pcxAddTwo = goFuncDo("add-two-numbers", func(_ context.Context, in pcxXYIn) (out intOutput, _ error) {
		out.Output.Set(sumInts(in.X.Value()) + sumInts(in.Y.Value()))
		return out, nil
	})
	pcxPipeline = dsl.NewPipeline("math-pipeline", func(b *dsl.Builder, _ none) intOutput {
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

// sumInts returns the sum of l.
func sumInts(l []int) int {
	total := 0
	for _, v := range l {
		total += v
	}
	return total
}
