package importgo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

// header is the comment at the top of every generated file.
func (g *gen) header(w *bytes.Buffer, pkg string) {
	fmt.Fprintf(w, "// Imported from %s by `kfpgo import`; edit freely.\n\npackage %s\n\n", g.file, pkg)
}

// componentsFile writes components.go: the custom artifact kinds, then the
// In/Out structs and definition of every container component some task
// uses, in component-key order. It returns nil when there is none.
func (g *gen) componentsFile(pkg string) ([]byte, error) {
	var body bytes.Buffer
	n := 0
	for _, key := range g.compOrder {
		ci := g.infos[key]
		if ci.kind != kindContainer || ci.usedBy == 0 {
			continue
		}
		if err := g.writeComponent(&body, ci); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 && len(g.kindOrder) == 0 {
		return nil, nil
	}
	var w bytes.Buffer
	g.header(&w, pkg)
	w.WriteString("import \"github.com/kfpgo/kfpgo/sdk/dsl\"\n\n")
	for _, at := range g.kindOrder {
		name := g.kinds[at]
		fmt.Fprintf(&w, "// %s is the artifact kind %s (schema version %s).\ntype %s struct{}\n\n", name, at.SchemaTitle, at.SchemaVersion, name)
		fmt.Fprintf(&w, "// SchemaTitle returns %q.\nfunc (%s) SchemaTitle() string { return %q }\n\n", at.SchemaTitle, name, at.SchemaTitle)
		fmt.Fprintf(&w, "// SchemaVersion returns %q.\nfunc (%s) SchemaVersion() string { return %q }\n\n", at.SchemaVersion, name, at.SchemaVersion)
		fmt.Fprintf(&w, "var _ dsl.Kind = %s{}\n\n", name)
	}
	w.Write(body.Bytes())
	return gofmt("components.go", w.Bytes())
}

// writeStruct writes an In or Out struct type.
func (g *gen) writeStruct(w *bytes.Buffer, s *structInfo, doc string) {
	if s.typeName == "" {
		return
	}
	docComment(w, doc)
	fmt.Fprintf(w, "type %s struct {\n", s.typeName)
	for _, f := range s.fields {
		if f.desc != "" {
			docComment(w, f.desc)
		}
		tag := f.kfp
		if f.in != nil && f.in.Optional && !f.in.HasDefault {
			tag += ",optional"
		}
		tags := fmt.Sprintf("kfp:%s", strconv.Quote(tag))
		if f.in != nil && f.in.HasDefault && f.in.Optional {
			tags += " default:" + strconv.Quote(defaultTag(f.in.Default))
		}
		if f.desc != "" {
			tags += " description:" + strconv.Quote(f.desc)
		}
		tagLit := "`" + tags + "`"
		if strings.Contains(tags, "`") {
			tagLit = strconv.Quote(tags)
		}
		fmt.Fprintf(w, "\t%s %s %s\n", f.goName, g.fieldType(f), tagLit)
	}
	w.WriteString("}\n\n")
}

// defaultTag renders a default as the `default:"…"` tag text: strings as
// they are, numbers and booleans in Go syntax, lists and maps as JSON.
func defaultTag(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// writeComponent writes one container component.
func (g *gen) writeComponent(w *bytes.Buffer, ci *compInfo) error {
	if strings.Contains(ci.name, "`") {
		return g.errf(ci.path, "", "component name %q cannot be written", ci.name)
	}
	g.writeStruct(w, ci.in, fmt.Sprintf("%s are the inputs of component %s.", ci.in.typeName, ci.name))
	g.writeStruct(w, ci.out, fmt.Sprintf("%s are the outputs of component %s.", ci.out.typeName, ci.name))
	ctr := ci.c.Impl.(*ir.Container)
	doc := fmt.Sprintf("%s is the KFP container component %q (executor %s).", ci.goName, ci.name, ci.execLabel)
	if ci.python != "" {
		doc += fmt.Sprintf("\n\nIt runs the Python function %s as KFP's lightweight Python components do;\nits command and args are kept byte for byte, so it runs on KFP unchanged.\n\nTODO: rewrite %s as a Go-function component (dsl.NewComponent) to\ntype-check its body and run it without a Python image.", ci.python, ci.python)
	}
	docComment(w, doc)
	usesIn, usesOut := false, false
	var cb bytes.Buffer
	cb.WriteString("return dsl.Container{\n")
	fmt.Fprintf(&cb, "Image: %s,\n", strconv.Quote(ctr.Image))
	for _, part := range []struct {
		name string
		args []ir.Arg
	}{{"Command", ctr.Command}, {"Args", ctr.Args}} {
		if len(part.args) == 0 {
			continue
		}
		fmt.Fprintf(&cb, "%s: []any{\n", part.name)
		for i, a := range part.args {
			s, err := g.argExpr(ci, a, ci.python == "", &usesIn, &usesOut)
			if err != nil {
				return g.errf(fmt.Sprintf("deploymentSpec.executors.%s.container.%s[%d]", ci.execLabel, strings.ToLower(part.name), i), "", "%v", err)
			}
			cb.WriteString(s + ",\n")
		}
		cb.WriteString("},\n")
	}
	cb.WriteString("}\n")
	inP, outP := "_", "_"
	if usesIn {
		inP = "in"
	}
	if usesOut {
		outP = "out"
	}
	fmt.Fprintf(w, "var %s = dsl.NewContainerComponent(%q, func(%s %s, %s %s) dsl.Container {\n%s})\n\n",
		ci.goName, ci.name, inP, ci.in.typeExpr(), outP, ci.out.typeExpr(), cb.String())
	return nil
}

// argExpr renders one command-line item. split turns literal text with
// embedded placeholders into dsl.Join of its parts.
func (g *gen) argExpr(ci *compInfo, a ir.Arg, split bool, usesIn, usesOut *bool) (string, error) {
	in := func(name string) (string, error) {
		f := ci.in.byName[name]
		if f == nil {
			return "", fmt.Errorf("placeholder names input %q, which the component does not declare", name)
		}
		*usesIn = true
		return "in." + f.goName, nil
	}
	out := func(name string) (string, error) {
		f := ci.out.byName[name]
		if f == nil {
			return "", fmt.Errorf("placeholder names output %q, which the component does not declare", name)
		}
		*usesOut = true
		return "out." + f.goName, nil
	}
	wrap := func(fn string, s string, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return fn + "(" + s + ")", nil
	}
	switch x := a.(type) {
	case ir.Lit:
		if split {
			if parts := embeddedRE.FindAllStringSubmatchIndex(x.S, -1); len(parts) > 0 {
				var items []string
				last := 0
				for _, m := range parts {
					if m[0] > last {
						items = append(items, goString(x.S[last:m[0]]))
					}
					sub, err := g.parseEmbedded(ci, x.S[m[0]:m[1]])
					if err != nil {
						return "", err
					}
					s, err := g.argExpr(ci, sub, false, usesIn, usesOut)
					if err != nil {
						return "", err
					}
					items = append(items, s)
					last = m[1]
				}
				if last < len(x.S) {
					items = append(items, goString(x.S[last:]))
				}
				return "dsl.Join(" + strings.Join(items, ", ") + ")", nil
			}
		}
		return goString(x.S), nil
	case ir.InputValue:
		return in(x.Name)
	case ir.InputPath:
		return in(x.Name)
	case ir.InputArtifactList:
		return in(x.Name)
	case ir.InputURI:
		s, err := in(x.Name)
		return wrap("dsl.URIOf", s, err)
	case ir.InputMetadata:
		s, err := in(x.Name)
		return wrap("dsl.MetadataOf", s, err)
	case ir.OutputPath:
		return out(x.Name)
	case ir.OutputParamFile:
		return out(x.Name)
	case ir.OutputURI:
		s, err := out(x.Name)
		return wrap("dsl.URIOf", s, err)
	case ir.OutputMetadata:
		s, err := out(x.Name)
		return wrap("dsl.MetadataOf", s, err)
	case ir.ExecutorInput:
		return "dsl.ExecutorInput()", nil
	case ir.ExecutorOutputFile:
		return "dsl.ExecutorOutputFile()", nil
	case ir.PipelineValue:
		fn, ok := pipelineValues[x.Key]
		if !ok {
			return "", fmt.Errorf("pipeline placeholder {{$.%s}} has no DSL function", x.Key)
		}
		return "dsl." + fn + "()", nil
	case ir.Concat:
		items, err := g.argList(ci, x.Items, usesIn, usesOut)
		if err != nil {
			return "", err
		}
		return "dsl.Concat(" + items + ")", nil
	case ir.Join:
		items, err := g.argList(ci, x.Items, usesIn, usesOut)
		if err != nil {
			return "", err
		}
		return "dsl.Join(" + items + ")", nil
	case ir.IfPresent:
		s, err := in(x.Name)
		if err != nil {
			return "", err
		}
		then, err := g.argList(ci, x.Then, usesIn, usesOut)
		if err != nil {
			return "", err
		}
		els := "nil"
		if x.Else != nil {
			e, err := g.argList(ci, x.Else, usesIn, usesOut)
			if err != nil {
				return "", err
			}
			els = "[]any{" + e + "}"
		}
		return fmt.Sprintf("dsl.IfPresent(%s, []any{%s}, %s)", s, then, els), nil
	}
	return "", fmt.Errorf("placeholder %T has no DSL form", a)
}

func (g *gen) argList(ci *compInfo, args []ir.Arg, usesIn, usesOut *bool) (string, error) {
	var items []string
	for _, a := range args {
		s, err := g.argExpr(ci, a, false, usesIn, usesOut)
		if err != nil {
			return "", err
		}
		items = append(items, s)
	}
	return strings.Join(items, ", "), nil
}

// parseEmbedded parses a placeholder embedded in literal text.
func (g *gen) parseEmbedded(ci *compInfo, s string) (ir.Arg, error) {
	c, err := componentyaml.Container(g.file, map[string]any{"image": "x", "args": []any{s}}, "", ci.c)
	if err != nil {
		return nil, err
	}
	return c.Args[0], nil
}

// pipelineValues maps KFP's pipeline placeholders to the DSL functions.
var pipelineValues = map[string]string{
	"pipeline_job_name":              "PipelineJobName",
	"pipeline_job_resource_name":     "PipelineJobResourceName",
	"pipeline_job_uuid":              "PipelineJobUUID",
	"pipeline_task_name":             "PipelineTaskName",
	"pipeline_task_uuid":             "PipelineTaskUUID",
	"pipeline_root":                  "PipelineRoot",
	"pipeline_job_create_time_utc":   "PipelineJobCreateTimeUTC",
	"pipeline_job_schedule_time_utc": "PipelineJobScheduleTimeUTC",
	"workspace_path":                 "WorkspacePath",
}
