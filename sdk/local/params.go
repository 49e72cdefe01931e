package local

// CheckParams checks pipeline parameters given as text (name → value, as
// `kfpgo run --local --param` takes them) against the root
// inputDefinitions without running anything: unknown names, values that do
// not parse as the input's type and missing required inputs give the same
// *InputError that Run returns. Use it to refuse bad parameters before
// starting what the run needs (servers, port-forwards).
//
// Numbers out of range say so with the range (launcher.ParseParameter).
// A LIST parameter takes any JSON list, as in KFP: the compiled pipeline
// says LIST and nothing about the items, so [1,2] passes here even where
// the pipeline feeds it to a Go component taking dsl.Param[[]string]; that
// component refuses the items when it binds them, naming the input and
// the Go type, with launcher.ExitPermanent, so the task is not retried.
func (p *Pipeline) CheckParams(params map[string]string) error {
	_, _, err := pipelineParams(p.Spec.GetRoot(), params)
	return err
}
