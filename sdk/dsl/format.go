package dsl

import (
	"fmt"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Format builds a string task argument with run-time values embedded in
// literal text, what KFP's Python DSL writes as an f-string over pipeline
// channels:
//
//	// Python: print_op(msg=f"heads and {num.output} > 5!")
//	Print.Task(b, PrintIn{Msg: dsl.Format("heads and ", num.Out.Output, " > 5!")})
//
// Each part is a Go string (literal text) or a parameter handle of any type
// (a pipeline input, a task output, a loop item or item field, another
// Format, a Lit or a pipeline placeholder such as PipelineJobName).
// Literals and placeholders are written into the text (a non-string Lit as
// fmt.Sprint prints it); every other value becomes, as in KFP, an extra
// task input "pipelinechannel--<name>" read by a
// {{$.inputs.parameters['pipelinechannel--<name>']}} placeholder inside
// the argument's runtimeValue constant, and orders the task after its
// producer. With no run-time value among the parts, Format is Lit of the
// joined text.
//
// Artifacts cannot be embedded (KFP refuses them too): such a part, an
// unbound handle or any other Go type makes the argument invalid, reported
// at the line of the task that takes it when the pipeline is compiled.
func Format(parts ...any) Param[string] {
	pos := ir.Caller()
	segs := []string{""}
	var of []*ir.Ref
	text := func(s string) { segs[len(segs)-1] += s }
	var add func(p any) string
	add = func(p any) string {
		switch x := p.(type) {
		case string:
			text(x)
			return ""
		case handle:
			r := x.irRef()
			if r == nil {
				return fmt.Sprintf("part %T is not bound to a pipeline value", p)
			}
			if r.Type.IsArtifact() {
				return "an artifact cannot be embedded in a string; pass it to an artifact input (or embed a parameter such as its URI from a task output)"
			}
			switch r.Kind {
			case ir.RefLiteral:
				if s, ok := r.Value.(string); ok {
					text(s)
				} else {
					text(fmt.Sprint(r.Value))
				}
			case ir.RefPlaceholder:
				text(r.Name)
			case ir.RefFormat:
				inner, _ := r.Value.([]string)
				for i, s := range inner {
					text(s)
					if i < len(r.Of) {
						of = append(of, r.Of[i])
						segs = append(segs, "")
					}
				}
			case ir.RefInvalid, ir.RefTaskFinalStatus, ir.RefComponentInput, ir.RefComponentOutput:
				return "only pipeline values (inputs, task outputs, loop items, Lit) can be embedded in a string"
			default:
				of = append(of, r)
				segs = append(segs, "")
			}
			return ""
		}
		return fmt.Sprintf("part of type %T is neither a string nor a parameter handle", p)
	}
	for i, p := range parts {
		if msg := add(p); msg != "" {
			return Param[string]{r: &ir.Ref{Kind: ir.RefInvalid, Type: ir.Type{Param: ir.ParamString}, Name: fmt.Sprintf("Format part %d: %s", i, msg), Pos: pos}}
		}
	}
	if len(of) == 0 {
		return Lit(strings.Join(segs, ""))
	}
	return Param[string]{r: &ir.Ref{Kind: ir.RefFormat, Type: ir.Type{Param: ir.ParamString}, Value: segs, Of: of, Pos: pos}}
}
