package dsl

// StatusAsStruct passes a PipelineTaskFinalStatus on to a STRUCT input
// (Param[map[string]any]): KFP types the status as a dict, so a component
// declared as get_run_state(status: dict) may take it, e.g. inside a
// pipeline used as an exit task:
//
//	dsl.StatusAsStruct(in.Status) // in.Status is the pipeline's PipelineTaskFinalStatus input
//
// The reference is unchanged (the task reads the status input itself, as in
// KFP); only the Go type widens, as AsGeneric does for artifacts.
func StatusAsStruct(s PipelineTaskFinalStatus) Param[map[string]any] {
	return Param[map[string]any]{r: s.r}
}
