package kfp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// A Collected value read inside another loop enters that loop under the name
// of the loop output that surfaces it, as KFP names it (golden
// parameters_complex): the input definition, the consumer's reference and the
// parent's wiring all use pipelinechannel--for-loop-2-pipelinechannel--echo-Output.
func TestCollectedConsumedInAnotherLoop(t *testing.T) {
	p := dsl.NewPipeline("collected-into-loop", func(b *dsl.Builder, _ none) none {
		var produced *dsl.Task[strOut]
		dsl.ParallelForItems(b, []string{"a", "b"}, func(b *dsl.Builder, it dsl.Param[string]) {
			produced = echo.Task(b, strIn{Text: it})
		})
		dsl.ParallelForItems(b, []int{0, 1}, func(b *dsl.Builder, _ dsl.Param[int]) {
			joiner.Task(b, listIn{Items: dsl.Collected[[]string](produced.Out.Output)})
		})
		return none{}
	})
	doc := compileDoc(t, p)
	const surfaced = "pipelinechannel--for-loop-2-pipelinechannel--echo-Output"
	defs := dig(t, doc, "components", "comp-for-loop-4", "inputDefinitions", "parameters").(map[string]any)
	assert.Contains(t, defs, surfaced)
	assert.NotContains(t, defs, "pipelinechannel--echo-Output")
	assert.Equal(t, surfaced, dig(t, doc, "components", "comp-for-loop-4", "dag", "tasks", "joiner", "inputs", "parameters", "items", "componentInputParameter"))
	wire := dig(t, doc, "root", "dag", "tasks", "for-loop-4", "inputs", "parameters", surfaced, "taskOutputParameter").(map[string]any)
	assert.Equal(t, map[string]any{"producerTask": "for-loop-2", "outputParameterKey": "pipelinechannel--echo-Output"}, wire)
}
