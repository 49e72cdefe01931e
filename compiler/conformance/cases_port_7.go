package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// Ports of nested-pipeline optional-input and exit-status goldens (batch 7).

// kfp-ir/parallel_and_nested/nested_pipeline_opt_input_child_level_compiled.yaml
type nocStrIn struct {
	V dsl.Param[string] `kfp:"componentInputStr,optional"`
}
type nocIntIn struct {
	V dsl.Param[int] `kfp:"componentInputInt,optional"`
}
type nocBoolIn struct {
	V dsl.Param[bool] `kfp:"componentInputBool,optional"`
}
type nocNestedIn struct {
	Str1  dsl.Param[string] `kfp:"nestedInputStr1" default:"Input 1 - nested pipeline"`
	Str2  dsl.Param[string] `kfp:"nestedInputStr2" default:"Input 2 - nested pipeline"`
	Int1  dsl.Param[int]    `kfp:"nestedInputInt1" default:"0"`
	Int2  dsl.Param[int]    `kfp:"nestedInputInt2" default:"0"`
	Bool1 dsl.Param[bool]   `kfp:"nestedInputBool1" default:"false"`
	Bool2 dsl.Param[bool]   `kfp:"nestedInputBool2" default:"false"`
}

var (
	nocAStr  = goFunc[nocStrIn, none]("component-a-str")
	nocBStr  = goFunc[nocStrIn, none]("component-b-str")
	nocAInt  = goFunc[nocIntIn, none]("component-a-int")
	nocBInt  = goFunc[nocIntIn, none]("component-b-int")
	nocABool = goFunc[nocBoolIn, none]("component-a-bool")
	nocBBool = goFunc[nocBoolIn, none]("component-b-bool")
	nocInner = dsl.NewPipeline("nested-pipeline", func(b *dsl.Builder, in nocNestedIn) none {
		nocAStr.Task(b, nocStrIn{V: in.Str1}).SetCaching(false)
		nocBStr.Task(b, nocStrIn{V: in.Str2}).SetCaching(false)
		nocAInt.Task(b, nocIntIn{V: in.Int1}).SetCaching(false)
		nocBInt.Task(b, nocIntIn{V: in.Int2}).SetCaching(false)
		nocABool.Task(b, nocBoolIn{V: in.Bool1}).SetCaching(false)
		nocBBool.Task(b, nocBoolIn{V: in.Bool2}).SetCaching(false)
		return none{}
	})
	nocPipeline = dsl.NewPipeline("nested-pipeline-opt-input-child-level", func(b *dsl.Builder, _ none) none {
		nocInner.Task(b, nocNestedIn{Str1: dsl.Lit("Input - pipeline"), Int1: dsl.Lit(1), Bool1: dsl.Lit(true)}).SetCaching(false)
		return none{}
	})
)

// kfp-ir/parallel_and_nested/nested_pipeline_opt_inputs_nil_compiled.yaml
type nonStrIn struct {
	V dsl.Param[string] `kfp:"componentInput,optional"`
}
type nonIntIn struct {
	V dsl.Param[int] `kfp:"componentInput,optional"`
}
type nonBoolIn struct {
	V dsl.Param[bool] `kfp:"componentInput,optional"`
}
type nonNestedIn struct {
	Str  dsl.Param[string] `kfp:"nestedInputStr,optional"`
	Int  dsl.Param[int]    `kfp:"nestedInputInt,optional"`
	Bool dsl.Param[bool]   `kfp:"nestedInputBool,optional"`
}

var (
	nonStr   = goFunc[nonStrIn, none]("component-str")
	nonInt   = goFunc[nonIntIn, none]("component-int")
	nonBool  = goFunc[nonBoolIn, none]("component-bool")
	nonInner = dsl.NewPipeline("nested-pipeline", func(b *dsl.Builder, in nonNestedIn) none {
		nonStr.Task(b, nonStrIn{V: in.Str}).SetCaching(false)
		nonInt.Task(b, nonIntIn{V: in.Int}).SetCaching(false)
		nonBool.Task(b, nonBoolIn{V: in.Bool}).SetCaching(false)
		return none{}
	})
	nonPipeline = dsl.NewPipeline("nested-pipeline-opt-inputs-nil", func(b *dsl.Builder, _ none) none {
		nonInner.Task(b, nonNestedIn{}).SetCaching(false)
		return none{}
	})
)

// kfp-ir/parallel_and_nested/nested_pipeline_opt_inputs_parent_level_compiled.yaml
type noplStrDefaultIn struct {
	V dsl.Param[string] `kfp:"componentInput" default:"Input - component"`
}
type noplIntDefaultIn struct {
	V dsl.Param[int] `kfp:"componentInput" default:"0"`
}
type noplBoolDefaultIn struct {
	V dsl.Param[bool] `kfp:"componentInput" default:"false"`
}
type noplNonNilIn struct {
	Str  dsl.Param[string] `kfp:"nestedInputStr" default:"Input - nested pipeline"`
	Int  dsl.Param[int]    `kfp:"nestedInputInt" default:"0"`
	Bool dsl.Param[bool]   `kfp:"nestedInputBool" default:"false"`
}
type noplNilIn struct {
	Str  dsl.Param[string] `kfp:"nestedInputStr" default:"Input - nested pipeline"`
	Int  dsl.Param[int]    `kfp:"nestedInputInt,optional"`
	Bool dsl.Param[bool]   `kfp:"nestedInputBool,optional"`
}
type noplParentIn struct {
	Str  dsl.Param[string] `kfp:"inputStr" default:"Input - parent pipeline"`
	Int  dsl.Param[int]    `kfp:"inputInt" default:"1"`
	Bool dsl.Param[bool]   `kfp:"inputBool" default:"true"`
}

var (
	noplNilStr   = goFunc[nonStrIn, none]("component-nil-str-default")
	noplStr      = goFunc[noplStrDefaultIn, none]("component-str-default")
	noplNilInt   = goFunc[nonIntIn, none]("component-nil-int-default")
	noplInt      = goFunc[noplIntDefaultIn, none]("component-int-default")
	noplNilBool  = goFunc[nonBoolIn, none]("component-nil-bool-default")
	noplBool     = goFunc[noplBoolDefaultIn, none]("component-bool-default")
	noplNonNilPl = dsl.NewPipeline("nested-pipeline-non-nil-defaults", func(b *dsl.Builder, in noplNonNilIn) none {
		noplStr.Task(b, noplStrDefaultIn{V: in.Str}).SetCaching(false)
		noplInt.Task(b, noplIntDefaultIn{V: in.Int}).SetCaching(false)
		noplBool.Task(b, noplBoolDefaultIn{V: in.Bool}).SetCaching(false)
		return none{}
	})
	noplNilPl = dsl.NewPipeline("nested-pipeline-nil-defaults", func(b *dsl.Builder, in noplNilIn) none {
		noplNilStr.Task(b, nonStrIn{V: in.Str}).SetCaching(false)
		noplNilInt.Task(b, nonIntIn{V: in.Int}).SetCaching(false)
		noplNilBool.Task(b, nonBoolIn{V: in.Bool}).SetCaching(false)
		return none{}
	})
	noplPipeline = dsl.NewPipeline("nested-pipeline-opt-inputs-parent-level", func(b *dsl.Builder, in noplParentIn) none {
		noplNonNilPl.Task(b, noplNonNilIn{Str: in.Str, Int: in.Int, Bool: in.Bool}).SetCaching(false)
		noplNilPl.Task(b, noplNilIn{Str: in.Str, Int: in.Int, Bool: in.Bool}).SetCaching(false)
		return none{}
	})
)

// kfp-ir/critical/pipeline_with_input_status_state.yaml
var (
	issEchoState = goFunc[leStatusIn, none]("echo-state")
	issSomeTask  = goFunc[none, none]("some-task")
	issPipeline  = dsl.NewPipeline("status-state-pipeline", func(b *dsl.Builder, _ none) none {
		exit := issEchoState.Task(b, leStatusIn{})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			issSomeTask.Task(b, none{})
		})
		return none{}
	})
)

// kfp-ir/critical/multiple_artifacts_namedtuple.yaml
type manDS struct {
	DS1 dsl.Artifact[dsl.Dataset] `kfp:"ds1"`
	DS2 dsl.Artifact[dsl.Dataset] `kfp:"ds2"`
}

var (
	manCoreComp  = goFunc[none, manDS]("core-comp")
	manCrustComp = goFunc[manDS, none]("crust-comp")
	manCore      = dsl.NewPipeline("core", func(b *dsl.Builder, _ none) manDS {
		return manCoreComp.Task(b, none{}).SetCaching(false).Out
	})
	manMantle = dsl.NewPipeline("mantle", func(b *dsl.Builder, _ none) manDS {
		return manCore.Task(b, none{}).SetCaching(false).Out
	})
	manPipeline = dsl.NewPipeline("multiple-artifacts-namedtuple-pipeline", func(b *dsl.Builder, _ none) none {
		m := manMantle.Task(b, none{}).SetCaching(false)
		manCrustComp.Task(b, m.Out).SetCaching(false)
		return none{}
	})
)

func init() {
	add("kfp-ir/parallel_and_nested/nested_pipeline_opt_input_child_level_compiled.yaml", nocPipeline)
	add("kfp-ir/parallel_and_nested/nested_pipeline_opt_inputs_nil_compiled.yaml", nonPipeline)
	add("kfp-ir/parallel_and_nested/nested_pipeline_opt_inputs_parent_level_compiled.yaml", noplPipeline)
	add("kfp-ir/critical/pipeline_with_input_status_state.yaml", issPipeline)
	add("kfp-ir/critical/multiple_artifacts_namedtuple.yaml", manPipeline)
}
