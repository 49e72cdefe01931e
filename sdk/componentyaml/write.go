package componentyaml

import (
	"fmt"
	"io"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Marshal writes component c (a Go-function, container, importer or
// pipeline component) as KFP component YAML: the single-component
// PipelineSpec that kfp.compiler.Compiler writes for a component and that
// kfp.components.load_component_from_file loads. pipelineInfo.name is the
// component's Kubernetes-compatible name N; the root DAG runs one task N of
// component comp-N (executor exec-N), each root input passed through to the
// task and each task output raised to a root output. A pipeline's
// workspace (dsl.PipelineWorkspace, or one taken on from a loaded compiled
// pipeline) is written as the file's
// platforms.kubernetes.pipelineConfig.workspace, so it loads back with it.
//
// Errors: the component's own definition problems (an ir.ErrorList, with
// positions) or a failure to encode.
func Marshal(c *ir.Component, opts compiler.Options) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("componentyaml: nil component")
	}
	name := dsl.K8sName(c.Name)
	p := wrap(name, c)
	if inner, ok := c.Impl.(*ir.Pipeline); ok && inner.Workspace != nil {
		// The wrapper is the outermost pipeline, whose pipelineConfig is
		// the only one KFP applies: it carries the pipeline's workspace.
		if g := p.Build(); g.Workspace == nil {
			g.Workspace = inner.Workspace
		}
	}
	res, err := compiler.Compile(p, opts)
	if err != nil {
		return nil, fmt.Errorf("component %q: %w", c.Name, err)
	}
	return res.YAML, nil
}

// Write is Marshal to a writer.
func Write(w io.Writer, c *ir.Component, opts compiler.Options) error {
	b, err := Marshal(c, opts)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// wrap returns a pipeline named name whose single task runs c with every
// input passed through and every output raised.
func wrap(name string, c *ir.Component) *dsl.UntypedPipeline {
	var ins []*ir.Input
	for _, in := range c.Inputs {
		if in.Type.Param == ir.ParamTaskFinalStatus {
			continue
		}
		ins = append(ins, in)
	}
	return dsl.NewUntypedPipeline(name, ins, c.Outputs, func(b *dsl.Builder, in map[string]*ir.Ref) map[string]*ir.Ref {
		args := map[string]any{}
		for n, r := range in {
			args[n] = r
		}
		t := dsl.NewUntypedComponent(c).Task(b, args)
		outs := map[string]*ir.Ref{}
		for _, o := range c.Outputs {
			outs[o.Name] = t.Out.OutputRef(o.Name)
		}
		return outs
	})
}
