package dsl

import "github.com/kfpgo/kfpgo/compiler/ir"

// RefOf returns the graph reference behind a parameter handle, or nil when
// the handle is unset. Packages that attach settings taking run-time values
// to tasks (sdk/kubernetes: a secret name from a pipeline input, a PVC name
// from a task output) record it on the ir.Task.
func RefOf[T ParamValue](p Param[T]) *ir.Ref { return p.r }
