package dsl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// handle is implemented by every typed value handle (Param, Artifact,
// Artifacts, PipelineTaskFinalStatus): the untyped reference and IR type.
type handle interface {
	irRef() *ir.Ref
	irType() ir.Type
}

// binder is implemented by pointers to handles: the DSL and the executor
// runtime fill struct fields through it.
type binder interface {
	handle
	bind(r *ir.Ref)
}

// Param is a typed handle on a KFP parameter of Go type T.
//
// While a pipeline is built, a Param refers to a value that exists only at
// run time: a pipeline input, a task output, a loop item or a literal (Lit).
// Inside a Go-function component at run time, the same field carries the
// concrete value: read it with Value, set outputs with Set.
type Param[T ParamValue] struct {
	r   *ir.Ref
	v   T
	set bool
}

// Lit returns a Param holding the constant v, for task arguments and
// conditions. The value is written into the IR as a runtimeValue constant.
// KFP holds constants as JSON (protobuf Value, numbers as float64), so a
// NaN or infinite float, or an integer that does not round-trip through a
// float64 (beyond ±2^53), is reported when the pipeline is compiled.
func Lit[T ParamValue](v T) Param[T] {
	return Param[T]{r: &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: paramTypeOf[T]()}, Value: jsonValue(v), Pos: ir.Caller()}, v: v, set: true}
}

// Value returns the run-time value (the zero T when unset).
func (p Param[T]) Value() T { return p.v }

// IsSet reports whether the parameter has a value: at run time, whether the
// input was given; while building, whether the handle refers to something.
func (p Param[T]) IsSet() bool { return p.set || p.r != nil }

// Set stores a run-time value; a Go-function component sets its output
// parameters with it.
func (p *Param[T]) Set(v T) { p.v, p.set = v, true }

func (p Param[T]) irRef() *ir.Ref        { return p.r }
func (p Param[T]) irType() ir.Type       { return ir.Type{Param: paramTypeOf[T]()} }
func (p *Param[T]) bind(r *ir.Ref)       { p.r = r }
func (p *Param[T]) setAny(v any) error   { return assignJSON(&p.v, v, &p.set) }
func (p Param[T]) getAny() (any, bool)   { return p.v, p.set }
func (p Param[T]) String() string        { return fmt.Sprint(p.v) }
func (Param[T]) placeholderKind() string { return "parameter" }

// RuntimeArtifact is an artifact as a Go-function component sees it at run
// time: KFP's RuntimeArtifact (name, uri, metadata) plus its local path, the
// URI mapped by KFP's launcher convention (gs://b/k → /gcs/b/k).
type RuntimeArtifact struct {
	Name     string
	URI      string
	Path     string
	Metadata map[string]any
}

// Artifact is a typed handle on one artifact of kind K.
//
// While building, it refers to a pipeline input, a task output or an
// importer; at run time it carries the RuntimeArtifact (Path, URI,
// Metadata).
type Artifact[K Kind] struct {
	r  *ir.Ref
	rt *RuntimeArtifact
}

// Path returns the local file path of the artifact at run time.
func (a Artifact[K]) Path() string {
	if a.rt == nil {
		return ""
	}
	return a.rt.Path
}

// URI returns the artifact URI at run time.
func (a Artifact[K]) URI() string {
	if a.rt == nil {
		return ""
	}
	return a.rt.URI
}

// Metadata returns the artifact metadata at run time (never nil once bound).
func (a Artifact[K]) Metadata() map[string]any {
	if a.rt == nil {
		return nil
	}
	if a.rt.Metadata == nil {
		a.rt.Metadata = map[string]any{}
	}
	return a.rt.Metadata
}

// SetMetadata sets one metadata key of an output artifact at run time; it
// is written to the ExecutorOutput.
func (a Artifact[K]) SetMetadata(key string, value any) {
	if a.rt == nil {
		return
	}
	if a.rt.Metadata == nil {
		a.rt.Metadata = map[string]any{}
	}
	a.rt.Metadata[key] = value
}

// Runtime returns the underlying run-time artifact, or nil while building.
func (a Artifact[K]) Runtime() *RuntimeArtifact { return a.rt }

// IsSet reports whether the artifact is present (run time) or wired (build).
func (a Artifact[K]) IsSet() bool { return a.rt != nil || a.r != nil }

func (a Artifact[K]) irRef() *ir.Ref { return a.r }
func (a Artifact[K]) irType() ir.Type {
	return ir.Type{Artifact: artifactTypeOf[K]()}
}
func (a *Artifact[K]) bind(r *ir.Ref)                  { a.r = r }
func (a *Artifact[K]) bindRuntime(rt *RuntimeArtifact) { a.rt = rt }
func (a Artifact[K]) runtime() []*RuntimeArtifact {
	if a.rt == nil {
		return nil
	}
	return []*RuntimeArtifact{a.rt}
}

// AsGeneric widens an artifact handle of any kind to the generic
// system.Artifact, as KFP lets a typed artifact feed an Artifact input.
func AsGeneric[K Kind](a Artifact[K]) Artifact[Generic] {
	return Artifact[Generic]{r: a.r, rt: a.rt}
}

// FromGeneric narrows a generic system.Artifact handle to kind K, as KFP
// lets an Artifact output feed an input of any kind (type_utils: the
// generic artifact is compatible in both directions). The compiled input
// keeps the consumer's declared kind; nothing is checked at run time.
//
//	splitter.Task(b, SplitIn{Data: dsl.FromGeneric[dsl.Dataset](make.Out.Output)})
func FromGeneric[K Kind](a Artifact[Generic]) Artifact[K] {
	return Artifact[K]{r: a.r, rt: a.rt}
}

// Artifacts is a typed handle on a list of artifacts of kind K (KFP
// isArtifactList: a List[Artifact] input or output, or a Collected fan-in).
type Artifacts[K Kind] struct {
	r   *ir.Ref
	rts []*RuntimeArtifact
}

// Items returns the run-time artifacts.
func (a Artifacts[K]) Items() []*RuntimeArtifact { return a.rts }

// IsSet reports whether the list is present (run time) or wired (build).
func (a Artifacts[K]) IsSet() bool { return a.rts != nil || a.r != nil }

func (a Artifacts[K]) irRef() *ir.Ref { return a.r }
func (a Artifacts[K]) irType() ir.Type {
	return ir.Type{Artifact: artifactTypeOf[K](), List: true}
}
func (a *Artifacts[K]) bind(r *ir.Ref) { a.r = r }
func (a *Artifacts[K]) bindRuntimeList(rts []*RuntimeArtifact) {
	a.rts = rts
}
func (a Artifacts[K]) runtime() []*RuntimeArtifact { return a.rts }

// PipelineTaskFinalStatus is the final status of the tasks an exit handler
// guards (KFP's PipelineTaskFinalStatus, IR type TASK_FINAL_STATUS). Declare
// a field of this type in an exit task's In struct and leave it unset: the
// compiler wires it. At run time the fields are filled.
type PipelineTaskFinalStatus struct {
	r *ir.Ref
	// State is the final state: "SUCCEEDED", "FAILED", "CANCELLED"…
	State string `json:"state"`
	// PipelineJobResourceName is the run's resource name.
	PipelineJobResourceName string `json:"pipelineJobResourceName"`
	// PipelineTaskName is the name of the task whose status this is.
	PipelineTaskName string `json:"pipelineTaskName"`
	// Error holds the failure, if any (google.rpc.Status code and message).
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (s PipelineTaskFinalStatus) irRef() *ir.Ref  { return s.r }
func (PipelineTaskFinalStatus) irType() ir.Type   { return ir.Type{Param: ir.ParamTaskFinalStatus} }
func (s *PipelineTaskFinalStatus) bind(r *ir.Ref) { s.r = r }
func (s *PipelineTaskFinalStatus) setAny(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, s)
}
func (s PipelineTaskFinalStatus) getAny() (any, bool) { return nil, false }

// Compile-time assertions: every handle binds.
var (
	_ binder = (*Param[string])(nil)
	_ binder = (*Artifact[Dataset])(nil)
	_ binder = (*Artifacts[Dataset])(nil)
	_ binder = (*PipelineTaskFinalStatus)(nil)
)

// jsonValue converts a Go parameter value to its JSON-compatible form
// (string, int64, float64, bool, []any, map[string]any).
func jsonValue(v any) any {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return x
	case int:
		return int64(x)
	case int64:
		return x
	case float64:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Keep a NaN or infinity as a float so that validation names it;
		// anything else encoding/json refuses is reported as is.
		if f, ok := nonFinite(reflect.ValueOf(v), 0); ok {
			return f
		}
		return ir.BadValue{Err: fmt.Sprintf("a %T cannot be written as JSON: %v", v, err)}
	}
	var out any
	d := json.NewDecoder(bytesReader(b))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return ir.BadValue{Err: fmt.Sprintf("a %T cannot be written as JSON: %v", v, err)}
	}
	return normalizeNumbers(out)
}

// nonFinite finds a NaN or infinite float inside v (slices, arrays, maps,
// struct fields, pointers and interfaces, up to maxDepth levels).
func nonFinite(v reflect.Value, depth int) (float64, bool) {
	if depth > maxDepth || !v.IsValid() {
		return 0, false
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return f, true
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f, ok := nonFinite(v.Index(i), depth+1); ok {
				return f, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if f, ok := nonFinite(it.Value(), depth+1); ok {
				return f, true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f, ok := nonFinite(v.Field(i), depth+1); ok {
				return f, true
			}
		}
	case reflect.Pointer, reflect.Interface:
		return nonFinite(v.Elem(), depth+1)
	}
	return 0, false
}

// refOf returns the reference of handle h, or nil when h is unbound or a
// nil pointer to a handle (e.g. a `var p *dsl.Param[string]` passed inside
// Compose, Format or an untyped component's arguments).
func refOf(h interface{ irRef() *ir.Ref }) *ir.Ref {
	if h == nil {
		return nil
	}
	if v := reflect.ValueOf(h); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	return h.irRef()
}

func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			// Above math.MaxInt64: exact as a float64, or kept as a
			// uint64 that validation refuses (ir.LiteralProblem).
			if f := float64(u); f < math.MaxUint64 && uint64(f) == u {
				return f
			}
			return u
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normalizeNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeNumbers(x[k])
		}
	}
	return v
}

// assignJSON stores a decoded JSON value into *dst via a JSON round trip,
// converting numbers as needed (e.g. 3.0 into an int).
func assignJSON[T any](dst *T, v any, set *bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, dst); err != nil {
		// KFP sends NUMBER_INTEGER values as JSON numbers that may be
		// written as 3.0; retry through float64.
		var f float64
		if json.Unmarshal(b, &f) == nil && f == float64(int64(f)) {
			b2, _ := json.Marshal(int64(f))
			if err2 := json.Unmarshal(b2, dst); err2 == nil {
				*set = true
				return nil
			}
		}
		// KFP's LIST and STRUCT take any JSON values; the Go type says
		// which: say what came instead of encoding/json's wording.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("a JSON %s where the Go type %s is expected", te.Value, te.Type)
		}
		return err
	}
	*set = true
	return nil
}
