package kfp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/internal/yamlw"
)

// commentType maps IR parameter types to the Python type names KFP's
// header comment uses (type_utils.IR_TYPE_TO_COMMENT_TYPE_STRING).
var commentType = map[string]string{
	"STRING": "str", "NUMBER_INTEGER": "int", "NUMBER_DOUBLE": "float", "BOOLEAN": "bool",
	"LIST": "list", "STRUCT": "dict", "TASK_FINAL_STATUS": "PipelineTaskFinalStatus",
}

// Header returns the comment block KFP's SDK writes at the top of a
// compiled pipeline (extract_comments_from_pipeline_spec): name,
// description, and the root inputs and outputs with their defaults.
func Header(doc map[string]any) string {
	var b strings.Builder
	b.WriteString("# PIPELINE DEFINITION\n")
	info, _ := doc["pipelineInfo"].(map[string]any)
	fmt.Fprintf(&b, "# Name: %v\n", info["name"])
	if d, _ := info["description"].(string); d != "" {
		fmt.Fprintf(&b, "# Description: %s\n", strings.Join(strings.Split(strings.TrimRight(d, "\n"), "\n"), "\n#              "))
	}
	root, _ := doc["root"].(map[string]any)
	for _, sec := range []struct{ key, title string }{{"inputDefinitions", "# Inputs:"}, {"outputDefinitions", "# Outputs:"}} {
		defs, ok := root[sec.key].(map[string]any)
		if !ok {
			continue
		}
		b.WriteString(sec.title + "\n")
		type line struct{ name, text string }
		var lines []line
		params, _ := defs["parameters"].(map[string]any)
		for name, v := range params {
			p, _ := v.(map[string]any)
			t, _ := p["parameterType"].(string)
			s := "#    " + name + ": " + commentType[t]
			if dv, ok := p["defaultValue"]; ok {
				s += " [Default: " + pyStr(dv, true) + "]"
			}
			lines = append(lines, line{name, s})
		}
		arts, _ := defs["artifacts"].(map[string]any)
		for name, v := range arts {
			a, _ := v.(map[string]any)
			at, _ := a["artifactType"].(map[string]any)
			lines = append(lines, line{name, fmt.Sprintf("#    %s: %v", name, at["schemaTitle"])})
		}
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].name < lines[j].name })
		for _, l := range lines {
			b.WriteString(l.text + "\n")
		}
	}
	return b.String()
}

// pyStr renders a value as Python's str() does (quoted when top-level
// string, as KFP adds quotes around string defaults).
func pyStr(v any, top bool) string {
	switch x := v.(type) {
	case string:
		if top {
			return "'" + x + "'"
		}
		return "'" + strings.ReplaceAll(x, "'", "\\'") + "'"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return yamlw.PyFloat(x)
	case nil:
		return "None"
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = pyStr(it, false)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = "'" + k + "': " + pyStr(x[k], false)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}
