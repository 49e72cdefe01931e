package executor

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// writeHelp prints the usage of program prog and, for each hosted
// component, its inputs and outputs with KFP types, defaults and
// optionality.
func writeHelp(w io.Writer, prog string, hosted map[string]dsl.Runnable) {
	fmt.Fprint(w, `Usage: `+prog+` --executor_input JSON|@FILE [--function_to_execute NAME]

Runs a Go-function component of Kubeflow Pipelines with the ExecutorInput
that KFP's launcher passes ({{$}}), writing the ExecutorOutput to the file it
names. Remote artifact URIs map to local paths under $`+MountRootEnv+` (default /):
gs:// → gcs/, s3:// → s3/, minio:// → minio/.

Components:
`)
	names := make([]string, 0, len(hosted))
	for n := range hosted {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintln(w, "  (none registered)")
	}
	for _, n := range names {
		r := hosted[n]
		fmt.Fprintf(w, "\n  %s\n", n)
		writeFields(w, "inputs", r.InputSignature())
		writeFields(w, "outputs", r.OutputSignature())
	}
}

func writeFields(w io.Writer, title string, sig *dsl.Signature) {
	if sig == nil || len(sig.Fields) == 0 {
		fmt.Fprintf(w, "    %s: none\n", title)
		return
	}
	fmt.Fprintf(w, "    %s:\n", title)
	for _, f := range sig.Fields {
		var notes []string
		if d, ok := defaultText(f); ok {
			notes = append(notes, "default "+d)
		} else if f.Optional {
			notes = append(notes, "optional")
		}
		if f.Description != "" {
			notes = append(notes, f.Description)
		}
		typ := f.Type.String()
		if f.Type.Param == ir.ParamList || f.Type.Param == ir.ParamStruct {
			typ += " " + goParamType(sig, f) // which items: []string, map[string]float64…
		}
		line := fmt.Sprintf("      %-24s %s", f.Name, typ)
		if len(notes) > 0 {
			line += "  (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// goParamType returns the T of field f's dsl.Param[T] in parentheses, e.g.
// "([]string)", or "" when f is not a Param.
func goParamType(sig *dsl.Signature, f dsl.Field) string {
	if sig.GoType == nil {
		return ""
	}
	t := sig.GoType.FieldByIndex(f.Index).Type.String()
	if in, ok := strings.CutPrefix(t, "dsl.Param["); ok {
		return "(" + strings.ReplaceAll(strings.TrimSuffix(in, "]"), "interface {}", "any") + ")"
	}
	return ""
}

// defaultText renders a field's default as the go command's flag help does:
// strings quoted, other values as JSON (lists, structs, numbers, booleans),
// and no default at all for an empty one ("", [], {}), which leaves the
// input optional.
func defaultText(f dsl.Field) (string, bool) {
	if !f.HasDefault || f.Default == nil {
		return "", false
	}
	if s, ok := f.Default.(string); ok {
		if s == "" {
			return "", false
		}
		return strconv.Quote(s), true
	}
	b, err := json.Marshal(f.Default)
	if err != nil {
		return fmt.Sprint(f.Default), true
	}
	switch string(b) {
	case "[]", "{}", "null":
		return "", false
	}
	return string(b), true
}
