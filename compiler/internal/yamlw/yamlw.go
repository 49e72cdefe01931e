// Package yamlw is the one deterministic YAML writer of the compilers.
//
// protojson output is unstable by design (protobuf's encoder adds
// build-seeded whitespace), so documents are written from a generic tree
// (maps, lists, scalars as produced by structpb.Struct.AsMap) with keys
// sorted, the way KFP's SDK writes them with yaml.dump_all(sort_keys=True).
// Numbers are written as KFP's Python writer writes them: values of
// protobuf doubles and google.protobuf.Value numbers as floats ("1.0"),
// and the int32 fields KFP emits (maxRetryCount, parallelismLimit) as
// integers.
package yamlw

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// IntKeys are the keys whose numeric values are integers in KFP's YAML (the
// int32 fields of pipelinespec). Every other number is written as a float.
var IntKeys = map[string]bool{"maxRetryCount": true, "parallelismLimit": true}

// Write writes header (already "# "-prefixed lines, may be empty) and then
// each document of docs as a YAML stream separated by "---".
func Write(w io.Writer, header string, docs ...any) error {
	var buf bytes.Buffer
	buf.WriteString(header)
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		n := node(d, "")
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(n); err != nil {
			return fmt.Errorf("yamlw: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("yamlw: %w", err)
		}
		buf.Write(b.Bytes())
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Marshal returns the YAML bytes of Write.
func Marshal(header string, docs ...any) ([]byte, error) {
	var b bytes.Buffer
	if err := Write(&b, header, docs...); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func node(v any, key string) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		if len(x) == 0 {
			n.Style = yaml.FlowStyle
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k, Tag: "!!str"}, node(x[k], k))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if len(x) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, it := range x {
			n.Content = append(n.Content, node(it, key))
		}
		return n
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range x {
			n.Content = append(n.Content, node(it, key))
		}
		return n
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: x, Tag: "!!str"}
		return n
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatBool(x), Tag: "!!bool"}
	case float64:
		if IntKeys[key] && x == math.Trunc(x) {
			return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatInt(int64(x), 10), Tag: "!!int"}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Value: PyFloat(x), Tag: "!!float"}
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatInt(x, 10), Tag: "!!int"}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.Itoa(x), Tag: "!!int"}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: "null", Tag: "!!null"}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprint(v), Tag: "!!str"}
}

// PyFloat formats f as Python's repr (and PyYAML) does: "1.0", "0.5",
// "1.0e-05" style exponents for very small or large values.
func PyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case math.IsNaN(f):
		return ".nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		s = strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = fmt.Sprintf("%02s", digits)
		}
		return mant + "e" + string(sign) + digits
	}
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
