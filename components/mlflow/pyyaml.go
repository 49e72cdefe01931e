package mlflow

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// This file writes the meta.yaml files of MLflow's file store byte for byte
// as MLflow writes them: yaml.dump(data, default_flow_style=False,
// allow_unicode=True, sort_keys=True, Dumper=SafeDumper)
// (mlflow/utils/yaml_utils.py write_yaml). It implements the part of
// PyYAML's emitter (yaml/emitter.py: analyze_scalar, choose_scalar_style,
// write_plain, write_single_quoted, write_double_quoted) and resolver
// (yaml/resolver.py, YAML 1.1 implicit types) that flat MLflow entities
// need: a block mapping with sorted keys whose values are strings, integers,
// null, empty lists and one level of nested string mapping.

// yamlMap is one meta.yaml document: keys are sorted when written. Values
// are string, int, int64, nil, []string (empty only) or map[string]string.
type yamlMap map[string]any

// PyYAML's best_width and best_indent defaults.
const (
	pyyamlWidth  = 80
	pyyamlIndent = 2
)

// YAML 1.1 implicit resolvers of PyYAML (yaml/resolver.py), used to decide
// whether a string must be quoted so that it reads back as a string.
var (
	resolveBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	resolveFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	resolveInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	resolveMerge = regexp.MustCompile(`^(?:<<)$`)
	resolveNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	resolveTime  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
	resolveValue = regexp.MustCompile(`^(?:=)$`)
)

// resolvesToStr reports whether PyYAML reads s, written plain, as a string.
func resolvesToStr(s string) bool {
	for _, re := range []*regexp.Regexp{resolveBool, resolveFloat, resolveInt, resolveMerge, resolveNull, resolveTime, resolveValue} {
		if re.MatchString(s) {
			return false
		}
	}
	return true
}

func isBreak(r rune) bool { return r == '\n' || r == '\u0085' || r == '\u2028' || r == '\u2029' }

func isSpaceOrEnd(rs []rune, i int) bool {
	if i >= len(rs) {
		return true
	}
	switch rs[i] {
	case 0, ' ', '\t', '\r', '\n', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

type scalarAnalysis struct {
	empty, multiline, allowBlockPlain, allowSingleQuoted bool
}

// analyzeScalar follows PyYAML's Emitter.analyze_scalar with
// allow_unicode=True.
func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{empty: true, allowBlockPlain: true, allowSingleQuoted: true}
	}
	rs := []rune(s)
	var blockInd, lineBreaks, special bool
	var leadSpace, leadBreak, trailSpace, trailBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockInd = true
	}
	preceded := true
	followed := isSpaceOrEnd(rs, 1)
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				blockInd = true
			}
			if (ch == '?' || ch == ':') && followed {
				blockInd = true
			}
			if ch == '-' && followed {
				blockInd = true
			}
		} else {
			if ch == ':' && followed {
				blockInd = true
			}
			if ch == '#' && preceded {
				blockInd = true
			}
		}
		if isBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) {
			printable := ch == 0x85 || (ch >= 0xa0 && ch <= 0xd7ff) || (ch >= 0xe000 && ch <= 0xfffd) || (ch >= 0x10000 && ch < 0x10ffff)
			if !printable || ch == 0xfeff {
				special = true
			}
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadSpace = true
			}
			if i == len(rs)-1 {
				trailSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isBreak(ch):
			if i == 0 {
				leadBreak = true
			}
			if i == len(rs)-1 {
				trailBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isSpaceOrEnd(rs, i) && i < len(rs)
		followed = isSpaceOrEnd(rs, i+2)
	}
	a := scalarAnalysis{multiline: lineBreaks, allowBlockPlain: true, allowSingleQuoted: true}
	if leadSpace || leadBreak || trailSpace || trailBreak {
		a.allowBlockPlain = false
	}
	if breakSpace {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if spaceBreak || special {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if lineBreaks || blockInd {
		a.allowBlockPlain = false
	}
	return a
}

// yamlWriter tracks PyYAML's emitter state: column, whitespace, indention.
type yamlWriter struct {
	b          strings.Builder
	column     int
	whitespace bool
	indention  bool
	indent     int
}

func (w *yamlWriter) write(s string) {
	w.b.WriteString(s)
	w.column += len([]rune(s))
}

func (w *yamlWriter) lineBreak() {
	w.b.WriteByte('\n')
	w.whitespace, w.indention, w.column = true, true, 0
}

func (w *yamlWriter) writeIndent() {
	if !w.indention || w.column > w.indent || (w.column == w.indent && !w.whitespace) {
		w.lineBreak()
	}
	if w.column < w.indent {
		w.whitespace = true
		w.write(strings.Repeat(" ", w.indent-w.column))
	}
}

// indicator writes a YAML indicator, preceded by a space unless at a
// whitespace position (PyYAML write_indicator).
func (w *yamlWriter) indicator(s string, needWhitespace bool) {
	if !w.whitespace && needWhitespace {
		s = " " + s
	}
	w.write(s)
	w.whitespace = false
	w.indention = false
}

func (w *yamlWriter) plain(s string) {
	rs := []rune(s)
	if !w.whitespace {
		w.write(" ")
	}
	w.whitespace, w.indention = false, false
	spaces := false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if spaces {
			if ch != ' ' {
				if start+1 == end && w.column > pyyamlWidth {
					w.writeIndent()
					w.whitespace, w.indention = false, false
				} else {
					w.write(string(rs[start:end]))
				}
				start = end
			}
		} else if ch == -1 || ch == ' ' {
			w.write(string(rs[start:end]))
			start = end
		}
		spaces = ch == ' '
	}
}

func (w *yamlWriter) singleQuoted(s string) {
	rs := []rune(s)
	w.indicator("'", true)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && w.column > pyyamlWidth && start != 0 && end != len(rs) {
					w.writeIndent()
				} else {
					w.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isBreak(ch) {
				if rs[start] == '\n' {
					w.lineBreak()
				}
				for _, br := range rs[start:end] {
					if br == '\n' {
						w.lineBreak()
					} else {
						w.b.WriteRune(br)
						w.whitespace, w.indention, w.column = true, true, 0
					}
				}
				w.writeIndent()
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isBreak(ch) || ch == '\'' {
				if start < end {
					w.write(string(rs[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			w.write("''")
			start = end + 1
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isBreak(ch)
		}
	}
	w.indicator("'", false)
}

// doubleQuoted writes s with PyYAML's escapes. Unlike PyYAML it does not
// fold long lines; MLflow values needing this style (control characters,
// tabs) are rare.
func (w *yamlWriter) doubleQuoted(s string) {
	w.indicator("\"", true)
	var b strings.Builder
	for _, ch := range s {
		switch ch {
		case 0:
			b.WriteString(`\0`)
		case 7:
			b.WriteString(`\a`)
		case 8:
			b.WriteString(`\b`)
		case 9:
			b.WriteString(`\t`)
		case 10:
			b.WriteString(`\n`)
		case 11:
			b.WriteString(`\v`)
		case 12:
			b.WriteString(`\f`)
		case 13:
			b.WriteString(`\r`)
		case 27:
			b.WriteString(`\e`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case 0x85:
			b.WriteString(`\N`)
		case 0xa0:
			b.WriteString(`\_`)
		case 0x2028:
			b.WriteString(`\L`)
		case 0x2029:
			b.WriteString(`\P`)
		default:
			printable := (ch >= 0x20 && ch <= 0x7e) || (ch >= 0xa0 && ch <= 0xd7ff) || (ch >= 0xe000 && ch <= 0xfffd) || (ch >= 0x10000 && ch < 0x10ffff)
			switch {
			case printable && ch != 0xfeff:
				b.WriteRune(ch)
			case ch <= 0xff:
				fmt.Fprintf(&b, `\x%02X`, ch)
			case ch <= 0xffff:
				fmt.Fprintf(&b, `\u%04X`, ch)
			default:
				fmt.Fprintf(&b, `\U%08X`, ch)
			}
		}
	}
	w.write(b.String())
	w.indicator("\"", false)
}

// str writes a string value with the style PyYAML's choose_scalar_style
// picks for a block mapping value.
func (w *yamlWriter) str(s string) {
	a := analyzeScalar(s)
	switch {
	case resolvesToStr(s) && a.allowBlockPlain && !a.empty:
		w.plain(s)
	case a.allowSingleQuoted:
		w.singleQuoted(s)
	default:
		w.doubleQuoted(s)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// key writes a simple mapping key at the current indentation. Keys are
// fixed MLflow field names, alias names or tag keys, written plain when
// PyYAML would and single-quoted otherwise.
func (w *yamlWriter) key(k string, indent int) {
	w.indent = indent
	w.writeIndent()
	a := analyzeScalar(k)
	if resolvesToStr(k) && a.allowBlockPlain && !a.empty && !a.multiline {
		w.write(k)
	} else {
		w.singleQuoted(k)
	}
	w.indicator(":", false)
}

func (w *yamlWriter) value(v any, indent int) {
	w.indent = indent + pyyamlIndent
	switch x := v.(type) {
	case nil:
		w.plain("null")
	case string:
		w.str(x)
	case int:
		w.plain(strconv.Itoa(x))
	case int64:
		w.plain(strconv.FormatInt(x, 10))
	case []string:
		if len(x) != 0 {
			panic("mlflow: non-empty list in meta.yaml") // internal invariant: only `tags: []` is written
		}
		w.indicator("[]", true)
	case map[string]string:
		if len(x) == 0 {
			w.indicator("{}", true)
			return
		}
		for _, k := range sortedKeys(x) {
			w.key(k, indent+pyyamlIndent)
			w.value(x[k], indent+pyyamlIndent)
		}
	default:
		panic(fmt.Sprintf("mlflow: unsupported meta.yaml value %T", v)) // internal invariant
	}
}

// marshalPyYAML returns m as PyYAML's safe_dump writes it.
func marshalPyYAML(m yamlMap) []byte {
	w := &yamlWriter{whitespace: true, indention: true}
	for _, k := range sortedKeys(m) {
		w.key(k, 0)
		w.value(m[k], 0)
	}
	w.lineBreak()
	return []byte(w.b.String())
}
