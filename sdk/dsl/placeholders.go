package dsl

import (
	"fmt"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Placeholder is a container command-line element that KFP's launcher
// replaces at run time (KFP placeholders). Values come from the functions
// below; the interface is sealed.
type Placeholder interface{ placeholder() ir.Arg }

type placeholderArg struct{ a ir.Arg }

func (p placeholderArg) placeholder() ir.Arg { return p.a }

// ExecutorInput is `{{$}}`: the whole ExecutorInput JSON.
func ExecutorInput() Placeholder { return placeholderArg{ir.ExecutorInput{}} }

// ExecutorOutputFile is `{{$.outputs.output_file}}`: the path where the
// program may write its ExecutorOutput JSON.
func ExecutorOutputFile() Placeholder { return placeholderArg{ir.ExecutorOutputFile{}} }

// URIOf is the URI placeholder of an input or output artifact of the
// component being defined (`{{$.inputs.artifacts['x'].uri}}` or
// `{{$.outputs.artifacts['x'].uri}}`).
func URIOf(a interface{ irRef() *ir.Ref }) Placeholder {
	return artifactPlaceholder(a, "uri")
}

// MetadataOf is the metadata placeholder of an input or output artifact of
// the component being defined (`{{$.inputs.artifacts['x'].metadata}}`).
func MetadataOf(a interface{ irRef() *ir.Ref }) Placeholder {
	return artifactPlaceholder(a, "metadata")
}

// PathOf is the local path placeholder of an artifact (the same as using
// the artifact handle itself in the command line).
func PathOf(a interface{ irRef() *ir.Ref }) Placeholder {
	return artifactPlaceholder(a, "path")
}

type badPlaceholder struct{ err string }

func (b badPlaceholder) placeholder() ir.Arg { return nil }

func artifactPlaceholder(a interface{ irRef() *ir.Ref }, what string) Placeholder {
	r := refOf(a)
	if r == nil || (r.Kind != ir.RefComponentInput && r.Kind != ir.RefComponentOutput) || !r.Type.IsArtifact() {
		return badPlaceholder{fmt.Sprintf("%sOf needs an artifact input or output of the component being defined", what)}
	}
	in := r.Kind == ir.RefComponentInput
	switch {
	case what == "uri" && in:
		return placeholderArg{ir.InputURI{Name: r.Name}}
	case what == "uri":
		return placeholderArg{ir.OutputURI{Name: r.Name}}
	case what == "metadata" && in:
		return placeholderArg{ir.InputMetadata{Name: r.Name}}
	case what == "metadata":
		return placeholderArg{ir.OutputMetadata{Name: r.Name}}
	case in:
		return placeholderArg{ir.InputPath{Name: r.Name}}
	}
	return placeholderArg{ir.OutputPath{Name: r.Name}}
}

// Concat joins its items into one argument (KFP {"Concat": [...]}); items
// are strings, handles or placeholders as in Container.Command.
func Concat(items ...any) Placeholder { return concatArg{items} }

type concatArg struct{ items []any }

func (concatArg) placeholder() ir.Arg { return nil }

// Join writes its items side by side in one argument, placeholders inlined
// as a Python f-string does: Join("prefix-", in.Text) is
// "prefix-{{$.inputs.parameters['text']}}".
func Join(items ...any) Placeholder { return joinArg{items} }

type joinArg struct{ items []any }

func (joinArg) placeholder() ir.Arg { return nil }

// IfPresent expands to then when the optional input is set and to otherwise
// when it is not (KFP {"IfPresent": {"InputName", "Then", "Else"}}).
func IfPresent(input interface{ irRef() *ir.Ref }, then []any, otherwise []any) Placeholder {
	return ifPresentArg{input, then, otherwise}
}

type ifPresentArg struct {
	input     interface{ irRef() *ir.Ref }
	then, els []any
}

func (ifPresentArg) placeholder() ir.Arg { return nil }

// Pipeline-level placeholders. Each returns a string parameter usable both
// as a task argument (written as a runtimeValue constant, as KFP does) and
// in a container command line.

func pipelineValue(key string) Param[string] {
	return Param[string]{r: &ir.Ref{Kind: ir.RefPlaceholder, Type: ir.Type{Param: ir.ParamString}, Name: "{{$." + key + "}}"}}
}

// PipelineJobName is `{{$.pipeline_job_name}}`, the run's display name.
func PipelineJobName() Param[string] { return pipelineValue("pipeline_job_name") }

// PipelineJobResourceName is `{{$.pipeline_job_resource_name}}`.
func PipelineJobResourceName() Param[string] { return pipelineValue("pipeline_job_resource_name") }

// PipelineJobUUID is `{{$.pipeline_job_uuid}}`, the run ID.
func PipelineJobUUID() Param[string] { return pipelineValue("pipeline_job_uuid") }

// PipelineTaskName is `{{$.pipeline_task_name}}`.
func PipelineTaskName() Param[string] { return pipelineValue("pipeline_task_name") }

// PipelineTaskUUID is `{{$.pipeline_task_uuid}}`.
func PipelineTaskUUID() Param[string] { return pipelineValue("pipeline_task_uuid") }

// PipelineRoot is `{{$.pipeline_root}}`, the run's artifact root URI.
func PipelineRoot() Param[string] { return pipelineValue("pipeline_root") }

// PipelineJobCreateTimeUTC is `{{$.pipeline_job_create_time_utc}}`.
func PipelineJobCreateTimeUTC() Param[string] { return pipelineValue("pipeline_job_create_time_utc") }

// PipelineJobScheduleTimeUTC is `{{$.pipeline_job_schedule_time_utc}}`, the
// scheduled time of a recurring run.
func PipelineJobScheduleTimeUTC() Param[string] {
	return pipelineValue("pipeline_job_schedule_time_utc")
}

// WorkspacePath is `{{$.workspace_path}}`, the directory where the run's
// workspace is mounted (KFP dsl.WORKSPACE_PATH_PLACEHOLDER); the pipeline
// needs a PipelineWorkspace.
func WorkspacePath() Param[string] { return pipelineValue("workspace_path") }

// toArgs converts a container command line to IR arguments. Allowed items:
// string, Placeholder, and handles of the component's own inputs (value or
// path) and outputs (parameter output file or artifact path).
func toArgs(items []any, where string) ([]ir.Arg, error) {
	out := make([]ir.Arg, 0, len(items))
	for i, it := range items {
		a, err := toArg(it)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", where, i, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func toArg(it any) (ir.Arg, error) {
	switch x := it.(type) {
	case string:
		return ir.Lit{S: x}, nil
	case placeholderArg:
		return x.a, nil
	case badPlaceholder:
		return nil, fmt.Errorf("%s", x.err)
	case concatArg:
		items, err := toArgs(x.items, "Concat")
		if err != nil {
			return nil, err
		}
		return ir.Concat{Items: items}, nil
	case joinArg:
		items, err := toArgs(x.items, "Join")
		if err != nil {
			return nil, err
		}
		return ir.Join{Items: items}, nil
	case ifPresentArg:
		r := refOf(x.input)
		if r == nil || r.Kind != ir.RefComponentInput {
			return nil, fmt.Errorf("IfPresent needs an input of the component being defined")
		}
		then, err := toArgs(x.then, "IfPresent then")
		if err != nil {
			return nil, err
		}
		els, err := toArgs(x.els, "IfPresent otherwise")
		if err != nil {
			return nil, err
		}
		return ir.IfPresent{Name: r.Name, Then: then, Else: els}, nil
	case handle:
		r := refOf(x)
		if r == nil {
			return nil, fmt.Errorf("unbound handle %T", it)
		}
		switch r.Kind {
		case ir.RefComponentInput:
			if r.Type.IsArtifact() && r.Type.List {
				return ir.InputArtifactList{Name: r.Name}, nil
			}
			if r.Type.IsArtifact() {
				return ir.InputPath{Name: r.Name}, nil
			}
			return ir.InputValue{Name: r.Name}, nil
		case ir.RefComponentOutput:
			if r.Type.IsArtifact() {
				return ir.OutputPath{Name: r.Name}, nil
			}
			return ir.OutputParamFile{Name: r.Name}, nil
		case ir.RefPlaceholder:
			return ir.PipelineValue{Key: r.Name[len("{{$.") : len(r.Name)-2]}, nil
		case ir.RefLiteral:
			if s, ok := r.Value.(string); ok {
				return ir.Lit{S: s}, nil
			}
			return ir.Lit{S: fmt.Sprint(r.Value)}, nil
		}
		return nil, fmt.Errorf("a pipeline value cannot appear in a container command line; pass it as a task argument to an input of the component")
	}
	return nil, fmt.Errorf("%T is not a command-line element (use a string, a placeholder, or an input/output handle)", it)
}
