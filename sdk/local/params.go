package local

// CheckParams checks pipeline parameters given as text (name → value, as
// `kfpgo run --local --param` takes them) against the root
// inputDefinitions without running anything: unknown names, values that do
// not parse as the input's type and missing required inputs give the same
// *InputError that Run returns. Use it to refuse bad parameters before
// starting what the run needs (servers, port-forwards).
func (p *Pipeline) CheckParams(params map[string]string) error {
	_, _, err := pipelineParams(p.Spec.GetRoot(), params)
	return err
}
