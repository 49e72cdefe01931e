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
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// IntKeys are the keys whose numeric values are integers in KFP's YAML (the
// int32 fields of pipelinespec). Every other number is written as a float.
var IntKeys = map[string]bool{"maxRetryCount": true, "parallelismLimit": true}

// Write writes header (already "# "-prefixed lines, may be empty) and then
// each document of docs as a YAML stream separated by "---". Maps are
// written with sorted keys, sequences in block style at their key's indent
// (as PyYAML does), strings plain when unambiguous, else single- or
// double-quoted. The output is a pure function of the input.
func Write(w io.Writer, header string, docs ...any) error {
	b, err := Marshal(header, docs...)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns the YAML bytes of Write.
func Marshal(header string, docs ...any) ([]byte, error) {
	e := &emitter{}
	size := len(header)
	for _, d := range docs {
		size += estimate(d, 0)
	}
	e.buf = make([]byte, 0, size+size/8)
	e.buf = append(e.buf, header...)
	for i, d := range docs {
		if i > 0 {
			e.buf = append(e.buf, "---\n"...)
		}
		if err := e.top(d); err != nil {
			return nil, err
		}
	}
	return e.buf, nil
}

// estimate is a rough size in bytes of v written at indent ind, used to
// size the output buffer once instead of growing it by doubling. Large
// mappings and sequences are estimated from a sample of estimateSample
// entries (a pipeline's thousands of tasks, components and executors look
// alike), so estimating costs a small fraction of writing.
func estimate(v any, ind int) int {
	switch x := v.(type) {
	case map[string]any:
		n, seen := 0, 0
		for k, c := range x {
			n += ind + len(k) + 2 + estimate(c, ind+2)
			if seen++; seen == estimateSample {
				break
			}
		}
		return n * len(x) / max(seen, 1)
	case []any:
		n, seen := 0, 0
		for _, c := range x {
			n += ind + 2 + estimate(c, ind+2)
			if seen++; seen == estimateSample {
				break
			}
		}
		return n * len(x) / max(seen, 1)
	case string:
		return len(x) + 3
	}
	return 8
}

const estimateSample = 8

type emitter struct {
	buf []byte
	// entries is a stack of mapping entries being written: each mapping
	// appends its entries sorted by key, writes them, and truncates back,
	// so nested mappings share one allocation.
	entries []entry
}

type entry struct {
	key string
	val any
}

// spaces is written in slices for indentation.
const spaces = "                                                                "

func (e *emitter) indent(n int) {
	for n > len(spaces) {
		e.buf = append(e.buf, spaces...)
		n -= len(spaces)
	}
	e.buf = append(e.buf, spaces[:n]...)
}

func (e *emitter) top(v any) error {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			e.buf = append(e.buf, "{}\n"...)
			return nil
		}
		return e.mapping(x, 0, false)
	case []any:
		if len(x) == 0 {
			e.buf = append(e.buf, "[]\n"...)
			return nil
		}
		return e.sequence(x, 0, "")
	}
	s, err := scalar(v, "")
	if err != nil {
		return err
	}
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, '\n')
	return nil
}

// pushEntries appends m's entries, sorted by key, to the entry stack and
// returns where they start.
func (e *emitter) pushEntries(m map[string]any) int {
	start := len(e.entries)
	for k, v := range m {
		e.entries = append(e.entries, entry{k, v})
	}
	slices.SortFunc(e.entries[start:], func(a, b entry) int { return strings.Compare(a.key, b.key) })
	return start
}

// mapping writes a block mapping whose keys start at column ind. With
// onDash the first key goes on the current line, after a sequence's "-".
func (e *emitter) mapping(m map[string]any, ind int, onDash bool) error {
	start := e.pushEntries(m)
	end := len(e.entries)
	for i := start; i < end; i++ {
		// e.entries may be reallocated by nested mappings: index it afresh.
		en := e.entries[i]
		if onDash && i == start {
			e.buf = append(e.buf, ' ')
		} else {
			e.indent(ind)
		}
		e.buf = append(e.buf, quote(en.key)...)
		e.buf = append(e.buf, ':')
		if err := e.value(en.val, ind, en.key); err != nil {
			return err
		}
	}
	e.entries = e.entries[:start]
	return nil
}

// value writes the value of a mapping entry (after "key:").
func (e *emitter) value(v any, ind int, key string) error {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			e.buf = append(e.buf, " {}\n"...)
			return nil
		}
		e.buf = append(e.buf, '\n')
		return e.mapping(x, ind+2, false)
	case []any:
		if len(x) == 0 {
			e.buf = append(e.buf, " []\n"...)
			return nil
		}
		e.buf = append(e.buf, '\n')
		return e.sequence(x, ind, key)
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return e.value(items, ind, key)
	}
	s, err := scalar(v, key)
	if err != nil {
		return err
	}
	e.buf = append(e.buf, ' ')
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, '\n')
	return nil
}

// sequence writes "- item" lines at column ind.
func (e *emitter) sequence(items []any, ind int, key string) error {
	for _, it := range items {
		e.indent(ind)
		e.buf = append(e.buf, '-')
		switch x := it.(type) {
		case map[string]any:
			if len(x) == 0 {
				e.buf = append(e.buf, " {}\n"...)
				continue
			}
			// First key on the dash line, the rest indented under it.
			if err := e.mapping(x, ind+2, true); err != nil {
				return err
			}
		case []any:
			if len(x) == 0 {
				e.buf = append(e.buf, " []\n"...)
				continue
			}
			e.buf = append(e.buf, '\n')
			if err := e.sequence(x, ind+2, key); err != nil {
				return err
			}
		default:
			s, err := scalar(it, key)
			if err != nil {
				return err
			}
			e.buf = append(e.buf, ' ')
			e.buf = append(e.buf, s...)
			e.buf = append(e.buf, '\n')
		}
	}
	return nil
}

func scalar(v any, key string) (string, error) {
	switch x := v.(type) {
	case string:
		return quote(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		if IntKeys[key] && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return PyFloat(x), nil
	case float32:
		return PyFloat(float64(x)), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case nil:
		return "null", nil
	}
	return "", fmt.Errorf("yamlw: cannot write %T", v)
}

// plainSafe are the characters a plain scalar may hold anywhere.
func plainChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("_-./()=+$<>;^~", r)
}

// reserved are plain words YAML 1.1 (PyYAML) or 1.2 would read as non-strings.
var reserved = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true,
	"null": true, "~": true, "": true,
}

// quote renders a string scalar: plain when it cannot be misread, single-
// quoted when it has no line breaks or control characters, else
// double-quoted with escapes.
func quote(s string) string {
	if simplePlain(s) {
		return s
	}
	return quoteFull(s)
}

// quoteFull is quote without the simplePlain shortcut.
func quoteFull(s string) string {
	plain := s != "" && !isReserved(s)
	if plain {
		for _, r := range s {
			if !plainChar(r) && r != ' ' && r != ':' && r != '@' && r != '/' {
				plain = false
				break
			}
		}
	}
	if plain {
		first := s[0]
		last := s[len(s)-1]
		if first == ' ' || last == ' ' || last == ':' || strings.Contains(s, ": ") || strings.Contains(s, " #") ||
			strings.ContainsRune("-.<>=+$^~;()@", rune(first)) || looksNumeric(s) {
			plain = false
		}
	}
	if plain {
		return s
	}
	needDouble := false
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfeff || (r >= 0x80 && r < 0xa0) {
			needDouble = true
			break
		}
	}
	if !needDouble {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f || r == 0xfeff || (r >= 0x80 && r < 0xa0) {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isReserved reports whether s, in any case, is one of the reserved words.
// They are at most five bytes long, and no longer string lowercases to
// one of them, so longer strings are not lowercased.
func isReserved(s string) bool {
	return len(s) <= 5 && reserved[strings.ToLower(s)]
}

// simplePlain reports whether s is certainly written plain: an ASCII
// letter followed by ASCII letters, digits and "_-./", and not a reserved
// word. Such strings (names, keys, labels) are most of a document; quote
// decides every other string in full.
func simplePlain(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/') {
			return false
		}
	}
	return !isReserved(s)
}

var (
	timestampRE   = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)
	sexagesimalRE = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)
)

// looksNumeric reports whether a plain scalar could be read as a number,
// timestamp or other non-string by a YAML 1.1 or 1.2 reader.
func looksNumeric(s string) bool {
	// Every YAML number, timestamp and sexagesimal form starts with a
	// digit, a sign or a dot; checking that first avoids parsing (and its
	// error allocations) for ordinary words.
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.':
	default:
		return false
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
		return true
	}
	if _, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
		return true
	}
	if timestampRE.MatchString(s) || sexagesimalRE.MatchString(s) {
		return true
	}
	l := strings.ToLower(s)
	return l == ".inf" || l == ".nan" || l == "-.inf" || l == "+.inf"
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
