package dsl

import (
	"context"
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Container is the container of a container component: image, command and
// arguments. Command and Args items are strings, placeholders (Concat,
// IfPresent, ExecutorInput, URIOf…), or the component's own input and output
// handles: an input parameter becomes its value, an input artifact its local
// path, an output parameter the file to write it to, an output artifact the
// path to write it at.
type Container struct {
	Image   string
	Command []any
	Args    []any
}

// Component is a typed component: In and Out are structs of handles that
// give its inputs and outputs. Create one with NewContainerComponent or
// NewComponent; use it in a pipeline with Task.
type Component[In, Out any] struct {
	ir     *ir.Component
	in     *Signature
	out    *Signature
	fn     func(context.Context, In) (Out, error)
	errors ir.ErrorList
	pos    ir.Pos
}

// Pos returns the file:line of the NewComponent or NewContainerComponent
// call that defined the component.
func (c *Component[In, Out]) Pos() ir.Pos { return c.pos }

// IR returns the component's untyped graph node.
func (c *Component[In, Out]) IR() *ir.Component { return c.ir }

// Name returns the component's name.
func (c *Component[In, Out]) Name() string { return c.ir.Name }

// Errors returns the problems found in the component's definition.
func (c *Component[In, Out]) Errors() ir.ErrorList { return c.errors }

// InputSignature and OutputSignature return the reflected In/Out shapes.
func (c *Component[In, Out]) InputSignature() *Signature { return c.in }

// OutputSignature returns the reflected Out shape.
func (c *Component[In, Out]) OutputSignature() *Signature { return c.out }

func newComponentBase[In, Out any](name string, o options, pos ir.Pos) *Component[In, Out] {
	c := &Component[In, Out]{pos: pos}
	registerDefined(c)
	var errs ir.ErrorList
	c.in, errs = signatureOf(reflect.TypeFor[In](), "input", pos)
	c.errors = append(c.errors, errs...)
	c.out, errs = signatureOf(reflect.TypeFor[Out](), "output", pos)
	c.errors = append(c.errors, errs...)
	if name == "" || K8sName(name) == "" {
		c.errors.Addf(pos, ir.InvalidName, "give the component a name of letters, digits, dashes or underscores",
			"component name %q is empty once made Kubernetes-compatible", name)
	}
	for _, f := range c.in.Fields {
		if f.Name == "Output" {
			c.errors.Addf(pos, ir.InvalidName, `rename the input: KFP reserves "Output" for a component's single output`,
				"component %q has an input named \"Output\"", name)
		}
		if c.out.Field(f.Name) != nil {
			c.errors.Addf(pos, ir.DuplicateName, "give inputs and outputs distinct names",
				"component %q has an input and an output both named %q", name, f.Name)
		}
	}
	c.ir = &ir.Component{
		Name:        name,
		Description: o.description,
		Inputs:      c.in.irInputs(),
		Outputs:     c.out.irOutputs(),
		NoCache:     o.noCache,
		Pos:         pos,
	}
	return c
}

// NewContainerComponent defines a container component. def receives In and
// Out values whose handles stand for the component's own inputs and outputs,
// and returns the container whose command line uses them:
//
//	var Echo = dsl.NewContainerComponent("echo", func(in EchoIn, out EchoOut) dsl.Container {
//		return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", "echo $0 > $1", in.Text, out.Path}}
//	})
//
// Problems (bad field types, bad command-line items) are reported when a
// pipeline using the component is compiled, at this call's file:line.
func NewContainerComponent[In, Out any](name string, def func(in In, out Out) Container, opts ...Option) *Component[In, Out] {
	pos := ir.Caller()
	o := applyOptions(opts)
	c := newComponentBase[In, Out](name, o, pos)
	var in In
	var out Out
	bindLocal(c.in, reflect.ValueOf(&in).Elem(), ir.RefComponentInput)
	bindLocal(c.out, reflect.ValueOf(&out).Elem(), ir.RefComponentOutput)
	var spec Container
	if def != nil {
		spec = def(in, out)
	}
	if spec.Image == "" && o.image != "" {
		spec.Image = o.image
	}
	if spec.Image == "" {
		c.errors.Addf(pos, ir.InvalidValue, "set Container.Image", "container component %q has no image", name)
	}
	cmd, err := toArgs(spec.Command, "Command")
	if err != nil {
		c.errors.Addf(pos, ir.InvalidValue, "", "container component %q: %v", name, err)
	}
	args, err := toArgs(spec.Args, "Args")
	if err != nil {
		c.errors.Addf(pos, ir.InvalidValue, "", "container component %q: %v", name, err)
	}
	c.ir.Impl = &ir.Container{Image: spec.Image, Command: cmd, Args: args}
	return c
}

// NewComponent defines a Go-function component: fn runs inside the
// component's container (see sdk/executor), the In and Out structs give the
// interface. The container runs the binary built from the image's ko://
// import path (or Command) with KFP's executor arguments:
//
//	/ko-app/<binary> --executor_input {{$}} --function_to_execute <name>
//
// The component is also registered by name, so one binary can host several
// components (executor.Main dispatches on --function_to_execute).
func NewComponent[In, Out any](name string, fn func(ctx context.Context, in In) (Out, error), opts ...Option) *Component[In, Out] {
	pos := ir.Caller()
	o := applyOptions(opts)
	c := newComponentBase[In, Out](name, o, pos)
	c.fn = fn
	var command []ir.Arg
	switch {
	case len(o.command) > 0:
		for _, s := range o.command {
			command = append(command, ir.Lit{S: s})
		}
	case strings.HasPrefix(o.image, "ko://"):
		command = []ir.Arg{ir.Lit{S: "/ko-app/" + path.Base(strings.TrimPrefix(o.image, "ko://"))}}
	default:
		c.errors.Addf(pos, ir.InvalidValue, `add dsl.Image("ko://<import path of the main package that calls executor.Main>")`,
			"Go-function component %q has no ko:// image and no command", name)
	}
	c.ir.Impl = &ir.Container{
		Image:   o.image,
		Command: command,
		Args: []ir.Arg{
			ir.Lit{S: "--executor_input"}, ir.ExecutorInput{},
			ir.Lit{S: "--function_to_execute"}, ir.Lit{S: name},
		},
	}
	registerFunc(name, c)
	return c
}

// bindLocal fills a struct's handles with component-local references.
func bindLocal(sig *Signature, v reflect.Value, kind ir.RefKind) {
	for _, f := range sig.Fields {
		fv := v.FieldByIndex(f.Index)
		fv.Addr().Interface().(binder).bind(&ir.Ref{Kind: kind, Name: f.Name, Type: f.Type})
	}
}

// Runnable is a Go-function component as the executor runtime sees it.
type Runnable interface {
	Name() string
	InputSignature() *Signature
	OutputSignature() *Signature
	// Invoke calls the function with in (a pointer to a filled In struct) and
	// returns a pointer to the Out struct.
	Invoke(ctx context.Context, in any) (any, error)
	// NewInput returns a pointer to a zero In struct.
	NewInput() any
	// NewOutput returns a pointer to a zero Out struct.
	NewOutput() any
}

// Invoke calls the component's Go function (run time only).
func (c *Component[In, Out]) Invoke(ctx context.Context, in any) (any, error) {
	if c.fn == nil {
		return nil, fmt.Errorf("component %q is a container component, not a Go function", c.ir.Name)
	}
	p, ok := in.(*In)
	if !ok {
		return nil, fmt.Errorf("component %q: input is %T, want *%s", c.ir.Name, in, reflect.TypeFor[In]())
	}
	out, err := c.fn(ctx, *p)
	return &out, err
}

// NewInput returns a pointer to a zero In struct.
func (c *Component[In, Out]) NewInput() any { return new(In) }

// NewOutput returns a pointer to a zero Out struct.
func (c *Component[In, Out]) NewOutput() any { return new(Out) }

var (
	funcsMu sync.Mutex
	funcs   = map[string]Runnable{}
)

func registerFunc(name string, r Runnable) {
	funcsMu.Lock()
	defer funcsMu.Unlock()
	funcs[name] = r
}

// LookupFunc returns the Go-function component registered under name.
func LookupFunc(name string) (Runnable, bool) {
	funcsMu.Lock()
	defer funcsMu.Unlock()
	r, ok := funcs[name]
	return r, ok
}

// FuncNames lists the registered Go-function components, sorted.
func FuncNames() []string {
	funcsMu.Lock()
	defer funcsMu.Unlock()
	names := make([]string, 0, len(funcs))
	for n := range funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefinedComponent is a component as DefinedComponents lists it: any
// *Component made with NewComponent or NewContainerComponent.
type DefinedComponent interface {
	Name() string
	IR() *ir.Component
	// Errors are the problems found in the definition.
	Errors() ir.ErrorList
	// Pos is the file:line of the defining call.
	Pos() ir.Pos
}

var (
	definedMu sync.Mutex
	defined   []DefinedComponent
)

func registerDefined(c DefinedComponent) {
	definedMu.Lock()
	defer definedMu.Unlock()
	defined = append(defined, c)
}

// DefinedComponents lists every component defined so far with NewComponent
// or NewContainerComponent (Go-function and container components alike), in
// definition order; a package's package-level components are defined when
// it is initialised. `kfpgo component list|compile` read it, keeping those
// whose Pos is in the package given (ir.Pos.InPackage).
func DefinedComponents() []DefinedComponent {
	definedMu.Lock()
	defer definedMu.Unlock()
	return append([]DefinedComponent(nil), defined...)
}
