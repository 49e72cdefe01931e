package executor

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/launcher"
	"github.com/kfpgo/kfpgo/sdk/redact"
	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// Exit statuses of Main and Run.
const (
	// ExitOK: the function succeeded and the ExecutorOutput was written.
	ExitOK = 0
	// ExitError: the function returned an error, or the command line, the
	// ExecutorInput or the output could not be handled.
	ExitError = 1
	// ExitPanic: the function panicked.
	ExitPanic = 2
	// ExitPermanent: a failure that no retry can fix, so the local runner
	// does not retry it (launcher.ExitPermanent): the function returned a
	// *dsl.PermanentError (dsl.Permanent), or an input does not fit its
	// Go type, or --executor_input is not an ExecutorInput JSON.
	ExitPermanent = launcher.ExitPermanent
)

// A run cancelled by a signal exits with 128 + the signal number (130 for
// SIGINT, 143 for SIGTERM), see SignalError.

// Main runs the Go-function component that --function_to_execute names, as
// KFP's launcher invokes it, and exits the process with its status (ExitOK,
// ExitError, ExitPanic, ExitPermanent, or 128 + the signal number after SIGTERM or SIGINT). With no arguments it hosts every component
// registered with dsl.NewComponent in the binary (dsl.FuncNames); otherwise
// only those given. Typical use, in the component's cmd/<name>/main.go:
//
//	func main() { executor.Main(train.Component) }
//
// Flags: --executor_input JSON (or @file), --function_to_execute NAME
// (optional when the binary hosts one component), --help.
//
// The first SIGTERM or SIGINT cancels the function's context (cause
// *SignalError) and restores the signals' default handling, so a second
// one ends the process at once. A function that returns after that
// cancellation, with or without an error, writes no ExecutorOutput: the
// process exits with 128 + the signal number and the line
// `executor: component "train" cancelled by SIGTERM`.
//
// Everything the process writes to stderr, through Run or the standard log
// and slog default loggers, passes through a redact.Writer that removes the
// secret values of its environment (redact.SecretsFromEnv) and anything
// shaped like a credential, whatever code printed it.
func Main(components ...dsl.Runnable) {
	ctx, stop := signalContext(context.Background())
	stderr := redact.NewWriter(os.Stderr, redact.SecretsFromEnv(os.Environ())...)
	log.SetOutput(stderr) // also slog's default handler
	code := Run(ctx, os.Args[1:], os.Stdout, stderr, components...)
	stop()
	_ = stderr.Flush()
	os.Exit(code)
}

// Run is Main without the process: it parses args, runs the component with
// ctx and returns the exit status, writing help to stdout and failures (one
// line, plus the stack after a panic) to stderr. When ctx's cancellation
// cause is a *SignalError (see Main) and the function returns after it, Run
// returns 128 + the signal number.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, components ...dsl.Runnable) int {
	hosted := map[string]dsl.Runnable{}
	if len(components) == 0 {
		for _, n := range dsl.FuncNames() {
			r, _ := dsl.LookupFunc(n)
			hosted[n] = r
		}
	}
	for _, c := range components {
		if c != nil {
			hosted[c.Name()] = c
		}
	}
	fs := flag.NewFlagSet("executor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	input := fs.String("executor_input", "", "")
	fn := fs.String("function_to_execute", "", "")
	help := fs.Bool("help", false, "")
	fs.BoolVar(help, "h", false, "")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "executor: %v (run with --help for usage)\n", err)
		return ExitError
	}
	if *help {
		writeHelp(stdout, filepath.Base(os.Args[0]), hosted)
		return ExitOK
	}
	r, err := pick(hosted, *fn)
	if err != nil {
		fmt.Fprintf(stderr, "executor: %v\n", err)
		return ExitError
	}
	if *input == "" {
		fmt.Fprintf(stderr, "executor: component %q: --executor_input is empty: pass the ExecutorInput JSON (KFP's {{$}} placeholder) or @file\n", r.Name())
		return ExitError
	}
	raw := []byte(*input)
	if name, ok := strings.CutPrefix(*input, "@"); ok {
		if raw, err = os.ReadFile(name); err != nil {
			fmt.Fprintf(stderr, "executor: component %q: read --executor_input file: %v\n", r.Name(), OneLine(err))
			return ExitError
		}
	}
	ei := &pipelinespec.ExecutorInput{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, ei); err != nil {
		fmt.Fprintf(stderr, "executor: component %q: --executor_input is not an ExecutorInput JSON: %v\n", r.Name(), OneLine(err))
		return ExitPermanent
	}
	_, err = execute(ctx, r, ei, stderr)
	var pe *PanicError
	var se *SignalError
	switch {
	case errors.As(err, &se):
		fmt.Fprintf(stderr, "executor: component %q %s\n", r.Name(), se.Error())
		return se.ExitCode()
	case errors.As(err, &pe):
		fmt.Fprintf(stderr, "executor: component %q panicked: %s\n%s", r.Name(), OneLine(fmt.Errorf("%v", pe.Value)), pe.Stack)
		return ExitPanic
	case dsl.IsPermanent(err):
		fmt.Fprintf(stderr, "executor: component %q failed (permanent, not retried): %s\n", r.Name(), OneLine(err))
		return ExitPermanent
	case err != nil:
		fmt.Fprintf(stderr, "executor: component %q failed: %s\n", r.Name(), OneLine(err))
		return ExitError
	}
	return ExitOK
}

// pick chooses the component to run.
func pick(hosted map[string]dsl.Runnable, name string) (dsl.Runnable, error) {
	names := make([]string, 0, len(hosted))
	for n := range hosted {
		names = append(names, n)
	}
	sort.Strings(names)
	if name == "" {
		if len(hosted) == 1 {
			return hosted[names[0]], nil
		}
		if len(hosted) == 0 {
			return nil, errors.New("this binary hosts no Go-function components: define one with dsl.NewComponent and pass it to executor.Main")
		}
		return nil, fmt.Errorf("--function_to_execute is required: this binary hosts %s", strings.Join(names, ", "))
	}
	if r, ok := hosted[name]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("--function_to_execute %q: no such component in this binary (it hosts %s): rebuild the image from the main package that registers it", name, strings.Join(names, ", "))
}

// PanicError is returned by Execute when the component's function panics:
// the panic value and the goroutine stack at the panic.
type PanicError struct {
	Value any
	Stack []byte
}

// Error returns "panic: <value>".
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Execute runs component r on ei: it binds the inputs, calls the function
// with ctx, and writes the ExecutorOutput to ei.outputs.outputFile (when
// set), which it also returns. Errors: a missing or ill-typed input (a
// *dsl.PermanentError: retrying cannot fix it), the
// function's own error (wrapped, match it with errors.Is/As), *PanicError
// after a panic, *SignalError when ctx was cancelled by a signal (cause
// *SignalError, as Main sets it) before the function returned — then no
// ExecutorOutput is written, whatever the function returned —, an output
// parameter left unset, or a failed write.
//
// After a successful call it warns on stderr, one line per artifact
// starting "executor: warning:", about each output artifact whose local
// path holds neither a file nor a folder: KFP's launcher would upload
// nothing and the task consuming it would fail later. Metrics,
// ClassificationMetrics and SlicedClassificationMetrics are exempt: KFP
// keeps their content in the artifact metadata.
func Execute(ctx context.Context, r dsl.Runnable, ei *pipelinespec.ExecutorInput) (*pipelinespec.ExecutorOutput, error) {
	return execute(ctx, r, ei, os.Stderr)
}

// execute is Execute writing its warnings to warn.
func execute(ctx context.Context, r dsl.Runnable, ei *pipelinespec.ExecutorInput, warn io.Writer) (*pipelinespec.ExecutorOutput, error) {
	in := r.NewInput()
	if err := bindInputs(r.InputSignature(), reflect.ValueOf(in).Elem(), ei.GetInputs()); err != nil {
		return nil, dsl.Permanent(err) // the same input fails the same way on a retry
	}
	planned := r.NewOutput()
	if err := bindOutputs(r.OutputSignature(), reflect.ValueOf(planned).Elem(), ei.GetOutputs()); err != nil {
		return nil, err
	}
	out, err := invoke(dsl.WithOutputs(ctx, planned), r, in)
	var pe *PanicError
	if se := signalCause(ctx); se != nil && !errors.As(err, &pe) {
		return nil, se
	}
	if err != nil {
		return nil, err
	}
	eo, err := collectOutputs(r.OutputSignature(), reflect.ValueOf(out).Elem(), reflect.ValueOf(planned).Elem())
	if err != nil {
		return nil, err
	}
	if f := ei.GetOutputs().GetOutputFile(); f != "" {
		if err := writeOutput(f, eo); err != nil {
			return nil, err
		}
	}
	warnUnwritten(warn, r.OutputSignature(), reflect.ValueOf(out).Elem(), reflect.ValueOf(planned).Elem())
	return eo, nil
}

// metadataOnly are the artifact kinds whose content KFP keeps in the
// artifact metadata (the UI reads it from MLMD), so they need no file.
var metadataOnly = map[string]bool{
	dsl.Metrics{}.SchemaTitle():                     true,
	dsl.ClassificationMetrics{}.SchemaTitle():       true,
	dsl.SlicedClassificationMetrics{}.SchemaTitle(): true,
}

// warnUnwritten writes one warning line to w per output artifact whose
// local path holds nothing.
func warnUnwritten(w io.Writer, sig *dsl.Signature, got, planned reflect.Value) {
	for _, f := range sig.Fields {
		if !f.Type.IsArtifact() || metadataOnly[f.Type.Artifact.SchemaTitle] {
			continue
		}
		for _, rt := range outputArtifacts(f, got, planned) {
			if rt.Path == "" {
				continue
			}
			if _, err := os.Stat(rt.Path); err == nil || !errors.Is(err, os.ErrNotExist) {
				continue
			}
			fmt.Fprintf(w, "executor: warning: output artifact %q (%s) has no file or folder at %s: KFP uploads nothing for %s and the task that consumes it will fail; write it at out.%s.Path()\n",
				f.Name, f.Type.Artifact.SchemaTitle, rt.Path, rt.URI, f.GoName)
		}
	}
}

// outputArtifacts returns the artifacts of output field f: those of the
// returned Out struct got, or else those bound in planned.
func outputArtifacts(f dsl.Field, got, planned reflect.Value) []*dsl.RuntimeArtifact {
	rts := dsl.RuntimeArtifacts(got.FieldByIndex(f.Index).Addr().Interface())
	if len(rts) == 0 {
		rts = dsl.RuntimeArtifacts(planned.FieldByIndex(f.Index).Addr().Interface())
	}
	return rts
}

// signalCause returns ctx's cancellation cause when it is a *SignalError.
func signalCause(ctx context.Context) *SignalError {
	var se *SignalError
	if errors.As(context.Cause(ctx), &se) {
		return se
	}
	return nil
}

// invoke calls the function, turning a panic into *PanicError.
func invoke(ctx context.Context, r dsl.Runnable, in any) (out any, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	out, err = r.Invoke(ctx, in)
	if err != nil {
		return nil, err
	}
	if out == nil || reflect.ValueOf(out).IsNil() {
		return nil, errors.New("the function returned no output struct")
	}
	return out, nil
}

// bindInputs fills the In struct v from the ExecutorInput inputs.
func bindInputs(sig *dsl.Signature, v reflect.Value, in *pipelinespec.ExecutorInput_Inputs) error {
	for _, f := range sig.Fields {
		field := v.FieldByIndex(f.Index).Addr().Interface()
		if f.Type.IsArtifact() {
			list, ok := in.GetArtifacts()[f.Name]
			if !ok || len(list.GetArtifacts()) == 0 {
				if f.Type.List {
					_ = dsl.SetRuntimeArtifacts(field, nil)
					continue
				}
				if f.Optional {
					continue
				}
				return fmt.Errorf("input artifact %q is missing from the ExecutorInput: wire it in the pipeline or mark the field kfp:\"%s,optional\"", f.Name, f.Name)
			}
			rts := make([]*dsl.RuntimeArtifact, 0, len(list.GetArtifacts()))
			for _, a := range list.GetArtifacts() {
				rt, err := runtimeArtifact(a)
				if err != nil {
					return fmt.Errorf("input artifact %q: %w", f.Name, err)
				}
				rts = append(rts, rt)
			}
			if err := dsl.SetRuntimeArtifacts(field, rts); err != nil {
				return fmt.Errorf("input artifact %q: %w", f.Name, err)
			}
			continue
		}
		val, ok := in.GetParameterValues()[f.Name]
		var x any
		if ok {
			if _, null := val.GetKind().(*structpb.Value_NullValue); null || val.GetKind() == nil {
				ok = false
			} else {
				x = val.AsInterface()
			}
		}
		if !ok {
			switch {
			case f.HasDefault:
				x = f.Default
			case f.Optional:
				continue
			default:
				return fmt.Errorf("input parameter %q is missing from the ExecutorInput: pass it from the pipeline, or give the field a default:\"…\" tag", f.Name)
			}
		}
		if err := dsl.SetRuntimeParam(field, x); err != nil {
			return fmt.Errorf("input parameter %q: %w", f.Name, err)
		}
	}
	return nil
}

// runtimeArtifact converts KFP's RuntimeArtifact to the DSL's view; its
// URI must map to a local path (ResolveLocalPath).
func runtimeArtifact(a *pipelinespec.RuntimeArtifact) (*dsl.RuntimeArtifact, error) {
	md := map[string]any{}
	if a.GetMetadata() != nil {
		md = a.GetMetadata().AsMap()
	}
	path, err := artifactPath(a.GetUri(), md)
	if err != nil {
		return nil, err
	}
	return &dsl.RuntimeArtifact{Name: a.GetName(), URI: a.GetUri(), Path: path, Metadata: md}, nil
}

// bindOutputs binds the planned output artifacts into the Out struct v and
// creates their parent directories (KFP's makedirs_recursively). Every
// output artifact the Out struct declares must be in the ExecutorInput
// (KFP's driver provisions one per output definition).
func bindOutputs(sig *dsl.Signature, v reflect.Value, out *pipelinespec.ExecutorInput_Outputs) error {
	for _, f := range sig.Fields {
		if !f.Type.IsArtifact() {
			continue
		}
		list := out.GetArtifacts()[f.Name]
		if len(list.GetArtifacts()) == 0 {
			return fmt.Errorf("output artifact %q is not in the ExecutorInput (outputs.artifacts): the component's output definitions and its Out struct differ; recompile the pipeline with this component's image", f.Name)
		}
		rts := make([]*dsl.RuntimeArtifact, 0, len(list.GetArtifacts()))
		for _, a := range list.GetArtifacts() {
			rt, err := runtimeArtifact(a)
			if err != nil {
				return fmt.Errorf("output artifact %q: %w", f.Name, err)
			}
			if rt.Path == "" {
				return fmt.Errorf("output artifact %q has no URI in the ExecutorInput: KFP's driver gives each output artifact a URI under the pipeline root", f.Name)
			}
			if rt.Name == "" {
				rt.Name = f.Name
			}
			if rt.Path != "" && filepath.IsAbs(rt.Path) {
				if err := os.MkdirAll(filepath.Dir(rt.Path), 0o755); err != nil {
					return fmt.Errorf("output artifact %q: create the folder of %s: %w", f.Name, rt.Path, err)
				}
			}
			rts = append(rts, rt)
		}
		if err := dsl.SetRuntimeArtifacts(v.FieldByIndex(f.Index).Addr().Interface(), rts); err != nil {
			return fmt.Errorf("output artifact %q: %w", f.Name, err)
		}
	}
	return nil
}

// collectOutputs builds the ExecutorOutput from the returned Out struct got,
// falling back to the planned struct for handles the function left unset
// (e.g. it returned a fresh Out instead of *dsl.Outputs(ctx)).
func collectOutputs(sig *dsl.Signature, got, planned reflect.Value) (*pipelinespec.ExecutorOutput, error) {
	eo := &pipelinespec.ExecutorOutput{}
	for _, f := range sig.Fields {
		gf := got.FieldByIndex(f.Index).Addr().Interface()
		pf := planned.FieldByIndex(f.Index).Addr().Interface()
		if f.Type.IsArtifact() {
			rts := outputArtifacts(f, got, planned)
			if len(rts) == 0 {
				continue
			}
			list := &pipelinespec.ArtifactList{}
			for _, rt := range rts {
				md, err := toStruct(rt.Metadata)
				if err != nil {
					return nil, fmt.Errorf("output artifact %q: metadata: %w", f.Name, err)
				}
				list.Artifacts = append(list.Artifacts, &pipelinespec.RuntimeArtifact{Name: rt.Name, Uri: rt.URI, Metadata: md})
			}
			if eo.Artifacts == nil {
				eo.Artifacts = map[string]*pipelinespec.ArtifactList{}
			}
			eo.Artifacts[f.Name] = list
			continue
		}
		val, ok := dsl.RuntimeParam(gf)
		if !ok {
			val, ok = dsl.RuntimeParam(pf)
		}
		if !ok {
			return nil, fmt.Errorf("output parameter %q was not set: call out.%s.Set(…) before returning", f.Name, f.GoName)
		}
		pv, err := toValue(val)
		if err != nil {
			return nil, fmt.Errorf("output parameter %q: %w", f.Name, err)
		}
		if eo.ParameterValues == nil {
			eo.ParameterValues = map[string]*structpb.Value{}
		}
		eo.ParameterValues[f.Name] = pv
	}
	return eo, nil
}

// toValue converts a Go value to a protobuf Value through JSON, so named
// types, typed slices and maps all become JSON-compatible first.
func toValue(v any) (*structpb.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value %v is not JSON-encodable: %w", v, err)
	}
	pv := &structpb.Value{}
	if err := protojson.Unmarshal(b, pv); err != nil {
		return nil, fmt.Errorf("value %v: %w", v, err)
	}
	return pv, nil
}

// toStruct converts artifact metadata to a protobuf Struct (nil for none).
func toStruct(md map[string]any) (*structpb.Struct, error) {
	if len(md) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(md)
	if err != nil {
		return nil, fmt.Errorf("metadata is not JSON-encodable (use numbers, strings, booleans, lists and maps): %w", err)
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(b, s); err != nil {
		return nil, err
	}
	return s, nil
}

// writeOutput writes eo as JSON to path, creating parent directories, via a
// temporary file renamed into place.
func writeOutput(path string, eo *pipelinespec.ExecutorOutput) error {
	b, err := protojson.Marshal(eo)
	if err != nil {
		return fmt.Errorf("encode ExecutorOutput: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write ExecutorOutput: create folder %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".executor-output-*")
	if err != nil {
		return fmt.Errorf("write ExecutorOutput to %s: %w", path, err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write ExecutorOutput to %s: %w", path, werr)
	}
	return nil
}

// OneLine returns err's message on one line, as Run prints a failure: white
// space runs become single spaces, and a line that the next line repeats
// (as a prefix) is dropped: pgconn lists each connection attempt on a line
// of its own, and sslmode=prefer makes two attempts (TLS, then plain) that
// fail with the same dial error.
func OneLine(err error) string {
	lines := strings.Split(err.Error(), "\n")
	var out []string
	for i, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" || (i+1 < len(lines) && strings.HasPrefix(strings.Join(strings.Fields(lines[i+1]), " "), l)) {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, " ")
}
