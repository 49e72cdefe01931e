// Command cartrain-steps hosts the reference pipeline's own components
// (evaluate, record-run-status, inspect-model-store) and runs the one KFP's launcher names with
// --function_to_execute.
package main

import (
	"github.com/kfpgo/kfpgo/pipelines/cartrain/steps"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

func main() {
	executor.Main(steps.Evaluate, steps.RecordRunStatus, steps.InspectModelStore, steps.Hyperparameters)
}
