package local

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/sdk/launcher"
)

// celEnvs mirrors KFP's backend/src/v2/expression: conditions see the
// task's ExecutorInput as the CEL context (inputs.parameter_values[...]),
// selectors see a google.protobuf.Value (string_value holds its text form),
// and both offer parseJson(string) → dyn.
type celEnvs struct {
	condition, selector *cel.Env
}

var (
	celOnce sync.Once
	celEnv  celEnvs
	celErr  error
)

func envs() (celEnvs, error) {
	celOnce.Do(func() {
		parse := cel.Function("parseJson", cel.Overload("parse_json", []*cel.Type{cel.StringType}, cel.DynType, cel.UnaryBinding(celParseJSON)))
		celEnv.condition, celErr = cel.NewEnv(cel.DeclareContextProto((&pipelinespec.ExecutorInput{}).ProtoReflect().Descriptor()), parse)
		if celErr != nil {
			return
		}
		celEnv.selector, celErr = cel.NewEnv(cel.DeclareContextProto((&structpb.Value{}).ProtoReflect().Descriptor()), parse)
	})
	return celEnv, celErr
}

func celParseJSON(arg ref.Val) ref.Val {
	s, ok := arg.Value().(string)
	if !ok {
		return types.MaybeNoSuchOverloadErr(arg)
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return types.NewErr("parseJson: %v", err)
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}

// evalCondition evaluates a triggerPolicy.condition against the task's
// ExecutorInput, as KFP's driver does; a non-boolean result is an error.
func evalCondition(ei *pipelinespec.ExecutorInput, expr string) (bool, error) {
	e, err := envs()
	if err != nil {
		return false, err
	}
	ast, iss := e.condition.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return false, fmt.Errorf("condition %q does not compile: %w", expr, iss.Err())
	}
	prg, err := e.condition.Program(ast)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", expr, err)
	}
	act, err := cel.ContextProtoVars(ei)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", expr, err)
	}
	out, _, err := prg.Eval(act)
	if err != nil {
		return false, fmt.Errorf("condition %q: evaluation error: %w", expr, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition %q: result is not a boolean but %v", expr, out.Value())
	}
	return b, nil
}

// selectValue applies a parameterExpressionSelector (a CEL expression over
// the value, e.g. parseJson(string_value)["a"]) as KFP's Expr.Select does.
func selectValue(v *structpb.Value, expr string) (*structpb.Value, error) {
	e, err := envs()
	if err != nil {
		return nil, err
	}
	ast, iss := e.selector.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("selector %q does not compile: %w", expr, iss.Err())
	}
	prg, err := e.selector.Program(ast)
	if err != nil {
		return nil, fmt.Errorf("selector %q: %w", expr, err)
	}
	vars := map[string]any{"string_value": launcher.FormatParameter(v)}
	switch k := v.GetKind().(type) {
	case *structpb.Value_NumberValue:
		vars["number_value"] = k.NumberValue
	case *structpb.Value_BoolValue:
		vars["bool_value"] = k.BoolValue
	case *structpb.Value_StructValue:
		vars["struct_value"] = k.StructValue
	case *structpb.Value_ListValue:
		vars["list_value"] = k.ListValue
	}
	out, _, err := prg.Eval(vars)
	if err != nil {
		return nil, fmt.Errorf("selector %q: evaluation error: %w", expr, err)
	}
	nv, err := out.ConvertToNative(reflect.TypeOf(&structpb.Value{}))
	if err != nil {
		return nil, fmt.Errorf("selector %q: result %v is not a parameter value: %w", expr, out.Value(), err)
	}
	return nv.(*structpb.Value), nil
}
