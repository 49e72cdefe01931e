package dsl

import (
	"context"
	"fmt"
	"reflect"
)

// This file holds the run-time side of the handles: the hooks through which
// the executor runtime (sdk/executor) fills a component's In struct and reads
// its Out struct, and Outputs, through which a Go function reaches the output
// artifacts KFP's launcher planned for it.

// paramSetter and paramGetter are implemented by *Param[T] and
// *PipelineTaskFinalStatus.
type paramSetter interface{ setAny(v any) error }
type paramGetter interface{ getAny() (any, bool) }

// artifactRuntime is implemented by *Artifact[K] and *Artifacts[K].
type artifactRuntime interface{ runtime() []*RuntimeArtifact }

// SetRuntimeParam stores the run-time value v (a JSON-compatible value as
// decoded from KFP's ExecutorInput: string, float64, bool, []any,
// map[string]any) into the parameter handle field points to (a *Param[T] or
// *PipelineTaskFinalStatus). Numbers are converted to the Param's Go type
// (3.0 into an int). It returns an error naming the Go type when v does not
// fit, or when field is not a pointer to a parameter handle.
func SetRuntimeParam(field any, v any) error {
	s, ok := field.(paramSetter)
	if !ok {
		return fmt.Errorf("%T is not a pointer to a dsl.Param or dsl.PipelineTaskFinalStatus", field)
	}
	if err := s.setAny(v); err != nil {
		return fmt.Errorf("value %v does not fit %s: %w", v, reflect.TypeOf(field).Elem(), err)
	}
	return nil
}

// RuntimeParam returns the run-time value of the parameter handle field
// points to (a *Param[T]), and whether it was set (by Set or by the
// executor). For other handles it returns (nil, false).
func RuntimeParam(field any) (any, bool) {
	g, ok := field.(paramGetter)
	if !ok {
		return nil, false
	}
	return g.getAny()
}

// SetRuntimeArtifacts binds run-time artifacts to the artifact handle field
// points to: a *Artifact[K] takes the first (KFP passes one artifact per
// single-artifact input), a *Artifacts[K] takes them all. It returns an error
// when field is not a pointer to an artifact handle or when a single-artifact
// handle receives none.
func SetRuntimeArtifacts(field any, rts []*RuntimeArtifact) error {
	switch h := field.(type) {
	case interface{ bindRuntimeList([]*RuntimeArtifact) }:
		if rts == nil {
			rts = []*RuntimeArtifact{}
		}
		h.bindRuntimeList(rts)
		return nil
	case interface{ bindRuntime(*RuntimeArtifact) }:
		if len(rts) == 0 {
			return fmt.Errorf("no artifact to bind to %s", reflect.TypeOf(field).Elem())
		}
		h.bindRuntime(rts[0])
		return nil
	}
	return fmt.Errorf("%T is not a pointer to a dsl.Artifact or dsl.Artifacts", field)
}

// RuntimeArtifacts returns the run-time artifacts bound to the artifact
// handle field points to (*Artifact[K] or *Artifacts[K]): none, one or many.
func RuntimeArtifacts(field any) []*RuntimeArtifact {
	if h, ok := field.(artifactRuntime); ok {
		return h.runtime()
	}
	return nil
}

type outputsKey struct{}

// WithOutputs returns a context carrying out, a pointer to a component's Out
// struct whose artifact handles are already bound to the output artifacts of
// the running task. The executor runtime calls it before invoking the
// component's function; components read it back with Outputs.
func WithOutputs(ctx context.Context, out any) context.Context {
	return context.WithValue(ctx, outputsKey{}, out)
}

// Outputs returns the Out struct of the running Go-function component, with
// each output artifact bound to the local path, URI and metadata KFP's
// launcher planned for it. Write files at the artifact's Path, set metadata
// and output parameters on it, and return *Outputs(ctx):
//
//	func train(ctx context.Context, in TrainIn) (TrainOut, error) {
//		out := dsl.Outputs[TrainOut](ctx)
//		err := os.WriteFile(out.Model.Path(), weights, 0o644)
//		out.Accuracy.Set(0.93)
//		return *out, err
//	}
//
// Outside the executor (e.g. in a unit test calling the function directly)
// it returns a pointer to a zero Out whose artifacts are unbound.
func Outputs[Out any](ctx context.Context) *Out {
	if out, ok := ctx.Value(outputsKey{}).(*Out); ok {
		return out
	}
	return new(Out)
}
