package importgo

import (
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

// exportedName turns a KFP name ("comp-train-model", "output_path",
// "Output") into a Go exported identifier ("TrainModel", "OutputPath",
// "Output"): every run of characters other than letters and digits
// separates words, each word is capitalised, a leading digit gets an "X"
// prefix. Common initialisms (ID, URI, URL, CPU, GPU…) are upper-cased as
// Go's naming convention asks.
func exportedName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up := strings.ToUpper(w); initialisms[up] {
			b.WriteString(up)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if unicode.IsDigit([]rune(out)[0]) {
		out = "X" + out
	}
	return out
}

// localName is exportedName with its first letter lower-cased, for local
// variables ("print-op-2" → "printOp2"); Go keywords and the names the
// generated code uses itself get a trailing "Task".
func localName(s string) string {
	e := exportedName(s)
	r := []rune(e)
	// Lower the leading run of upper-case letters of an initialism (URIOp → uriOp).
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	if i > 1 && i < len(r) {
		i--
	}
	for j := 0; j < i || j == 0; j++ {
		r[j] = unicode.ToLower(r[j])
	}
	out := string(r)
	if token.IsKeyword(out) || reserved[out] {
		out += "Task"
	}
	return out
}

var reserved = map[string]bool{"b": true, "in": true, "dsl": true, "kubernetes": true, "time": true, "out": true, "item": true}

func words(s string) []string {
	var out []string
	cur := []rune{}
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		if unicode.IsLetter(r) && r < unicode.MaxASCII || unicode.IsDigit(r) && r < unicode.MaxASCII {
			cur = append(cur, r)
			continue
		}
		flush()
	}
	flush()
	return out
}

var initialisms = map[string]bool{
	"ID": true, "URI": true, "URL": true, "CPU": true, "GPU": true, "TPU": true, "API": true, "JSON": true,
	"YAML": true, "HTML": true, "HTTP": true, "PVC": true, "UUID": true, "IO": true, "SQL": true, "UTC": true,
}

// scope hands out identifiers unique within one namespace (the package, a
// struct, a function body): the first claimant of a name gets it, later
// ones get the name with 2, 3, … appended. Callers claim in a fixed order,
// so the result is the same every run.
// next remembers, per base name, the suffix to try first, so that
// claiming n times the same name is linear, not quadratic: every suffix
// below it is taken, and names are never released.
type scope struct {
	used map[string]bool
	next map[string]int
}

func newScope(taken ...string) *scope {
	s := &scope{used: map[string]bool{}, next: map[string]int{}}
	for _, t := range taken {
		s.used[t] = true
	}
	return s
}

func (s *scope) claim(name string) string {
	if !s.used[name] {
		s.used[name] = true
		return name
	}
	i := max(s.next[name], 2)
	for ; ; i++ {
		n := name + strconv.Itoa(i)
		if !s.used[n] {
			s.used[n] = true
			s.next[name] = i + 1
			return n
		}
	}
}
