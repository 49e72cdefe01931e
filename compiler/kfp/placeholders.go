package kfp

import (
	"fmt"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// argString renders one command-line element as KFP writes it in an
// executor's command or args: a literal, a `{{$…}}` placeholder, or the JSON
// of a Concat/IfPresent placeholder (as Python's json.dumps writes it, the
// form KFP's launcher parses).
func argString(a ir.Arg) string {
	switch x := a.(type) {
	case ir.Concat, ir.IfPresent:
		var b strings.Builder
		writePyJSON(&b, argJSON(x))
		return b.String()
	}
	return argScalar(a)
}

func argScalar(a ir.Arg) string {
	switch x := a.(type) {
	case ir.Lit:
		return x.S
	case ir.InputValue:
		return "{{$.inputs.parameters['" + x.Name + "']}}"
	case ir.InputPath:
		return "{{$.inputs.artifacts['" + x.Name + "'].path}}"
	case ir.InputArtifactList:
		return "{{$.inputs.artifacts['" + x.Name + "']}}"
	case ir.InputURI:
		return "{{$.inputs.artifacts['" + x.Name + "'].uri}}"
	case ir.InputMetadata:
		return "{{$.inputs.artifacts['" + x.Name + "'].metadata}}"
	case ir.OutputPath:
		return "{{$.outputs.artifacts['" + x.Name + "'].path}}"
	case ir.OutputURI:
		return "{{$.outputs.artifacts['" + x.Name + "'].uri}}"
	case ir.OutputMetadata:
		return "{{$.outputs.artifacts['" + x.Name + "'].metadata}}"
	case ir.OutputParamFile:
		return "{{$.outputs.parameters['" + x.Name + "'].output_file}}"
	case ir.ExecutorInput:
		return "{{$}}"
	case ir.ExecutorOutputFile:
		return "{{$.outputs.output_file}}"
	case ir.PipelineValue:
		return "{{$." + x.Key + "}}"
	case ir.Join:
		var b strings.Builder
		for _, it := range x.Items {
			b.WriteString(argString(it))
		}
		return b.String()
	}
	panic(fmt.Sprintf("kfp: unknown argument %T", a))
}

// argJSON is the structured form of a placeholder inside Concat/IfPresent.
func argJSON(a ir.Arg) any {
	switch x := a.(type) {
	case ir.Concat:
		items := make([]any, len(x.Items))
		for i, it := range x.Items {
			items[i] = argJSON(it)
		}
		return orderedMap{{"Concat", items}}
	case ir.IfPresent:
		m := orderedMap{{"InputName", x.Name}, {"Then", argList(x.Then)}}
		if len(x.Else) > 0 {
			m = append(m, kv{"Else", argList(x.Else)})
		}
		return orderedMap{{"IfPresent", m}}
	}
	return argScalar(a)
}

func argList(as []ir.Arg) []any {
	out := make([]any, len(as))
	for i, a := range as {
		out[i] = argJSON(a)
	}
	return out
}

type kv struct {
	k string
	v any
}

// orderedMap keeps insertion order, as Python dicts do.
type orderedMap []kv

// writePyJSON writes v as Python's json.dumps does by default: ", " and ": "
// separators and ASCII-only output.
func writePyJSON(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteByte('"')
		for _, r := range x {
			switch {
			case r == '"':
				b.WriteString(`\"`)
			case r == '\\':
				b.WriteString(`\\`)
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\r':
				b.WriteString(`\r`)
			case r == '\t':
				b.WriteString(`\t`)
			case r < 0x20 || r > 0x7e:
				if r > 0xffff {
					r -= 0x10000
					fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
	case []any:
		b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyJSON(b, it)
		}
		b.WriteByte(']')
	case orderedMap:
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyJSON(b, e.k)
			b.WriteString(": ")
			writePyJSON(b, e.v)
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, x)
	}
}
