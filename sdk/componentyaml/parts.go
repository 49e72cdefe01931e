package componentyaml

import "github.com/kfpgo/kfpgo/compiler/ir"

// Documents parses a YAML stream the way Load reads it: each document as a
// generic JSON tree (mappings with string keys, lists, strings, float64
// numbers, booleans, nil), YAML 1.2 scalars, duplicate keys and alias bombs
// refused. Errors are *Error values naming the file.
func Documents(file string, data []byte) ([]map[string]any, error) {
	return splitDocs(file, data)
}

// Interface reads the inputDefinitions and outputDefinitions of a KFP IR
// ComponentSpec (spec, found at YAML path path) as Load reads them: inputs
// with their types, defaults (integers as int64), optionality and
// descriptions, parameters before artifacts, each sorted by name. Errors are
// *Error values naming file and the YAML path.
func Interface(file string, spec map[string]any, path string) ([]*ir.Input, []*ir.Output, error) {
	l := &loader{file: file}
	return l.interfaceOf(spec, path)
}

// Container converts a KFP PipelineContainerSpec (ctr, found at YAML path
// path) to an ir.Container for comp as Load does: image, command and args
// with every placeholder in its typed form and checked against comp's
// inputs and outputs, and env. Other keys (resources, lifecycle) are left
// to the caller. Errors are *Error values naming file and the YAML path.
func Container(file string, ctr map[string]any, path string, comp *ir.Component) (*ir.Container, error) {
	l := &loader{file: file}
	return l.container(ctr, path, comp)
}
