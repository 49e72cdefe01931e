package ir

import (
	"fmt"
	"sort"
	"strings"
)

// Code identifies a kind of pipeline error. Codes are stable adjective-noun
// names (as go/types error codes are), so tools and tests can match them.
type Code string

// The error codes reported by the DSL and by Validate. Each comment gives an
// example of code that triggers it.
const (
	// InvalidName: a pipeline, component, input or output name that KFP cannot
	// use, e.g. dsl.NewPipeline("", …) or an input named "Output".
	InvalidName Code = "InvalidName"
	// DuplicateName: two inputs, outputs or components share a name.
	DuplicateName Code = "DuplicateName"
	// MissingInput: a task leaves a required component input unset.
	MissingInput Code = "MissingInput"
	// UnknownInput: an argument names an input the component does not have.
	UnknownInput Code = "UnknownInput"
	// MismatchedType: an argument's type differs from the input's type, e.g.
	// a STRING task output wired into a NUMBER_INTEGER input of a loaded YAML
	// component.
	MismatchedType Code = "MismatchedType"
	// InvalidType: a Go type that has no KFP IR type, e.g. a struct field of
	// type chan int in a component's In struct.
	InvalidType Code = "InvalidType"
	// Cycle: tasks that depend on each other, e.g. a.After(b) and b.After(a).
	Cycle Code = "Cycle"
	// InvalidResource: a malformed CPU or memory quantity or a negative
	// accelerator count, e.g. SetCPULimit("two").
	InvalidResource Code = "InvalidResource"
	// InvalidValue: a literal or setting outside its domain, e.g. a retry
	// count below zero or a default that does not parse as the input's type.
	InvalidValue Code = "InvalidValue"
	// OutOfScope: a value produced inside a ParallelFor or condition used
	// outside it without Collected or OneOf, e.g. consuming a task of a loop
	// from after the loop.
	OutOfScope Code = "OutOfScope"
	// InvalidControlFlow: a misuse of If/Elif/Else, ParallelFor, ExitHandler,
	// OneOf or PipelineTaskFinalStatus, e.g. Elif without a preceding If.
	InvalidControlFlow Code = "InvalidControlFlow"
	// ForeignTask: a handle from another pipeline or builder used here.
	ForeignTask Code = "ForeignTask"
	// UnsupportedFeature: a feature the chosen target backend cannot run, e.g.
	// a parameterized CPU limit with a target older than KFP 2.5.
	UnsupportedFeature Code = "UnsupportedFeature"
	// InvalidPlatformOption: a Kubernetes option that is malformed or set on a
	// task that cannot carry it, e.g. a toleration with operator "Maybe".
	InvalidPlatformOption Code = "InvalidPlatformOption"
)

// Error is one problem found in a pipeline definition: where (Pos), what
// (Code, Msg) and how to fix it (Hint, optional).
type Error struct {
	Pos  Pos
	Code Code
	Msg  string
	Hint string
}

// Error formats the error as "file:line: msg", with the hint on a
// continuation line when present.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.IsValid() {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("\n\t")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Errorf builds an Error at pos with a formatted message.
func Errorf(pos Pos, code Code, hint, format string, args ...any) *Error {
	return &Error{Pos: pos, Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// ErrorList collects pipeline errors, as go/scanner.ErrorList does.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(e *Error) { *l = append(*l, e) }

// Addf appends an error built from a format.
func (l *ErrorList) Addf(pos Pos, code Code, hint, format string, args ...any) {
	l.Add(Errorf(pos, code, hint, format, args...))
}

// Len returns the number of errors.
func (l ErrorList) Len() int { return len(l) }

// Sort orders the list by file, line and message, removing exact duplicates.
func (l *ErrorList) Sort() {
	type key struct {
		file string
		line int
		msg  string
	}
	keys := make(map[*Error]key, len(*l))
	for _, e := range *l {
		f, n := e.Pos.FileLine()
		keys[e] = key{f, n, e.Msg}
	}
	sort.SliceStable(*l, func(i, j int) bool {
		a, b := keys[(*l)[i]], keys[(*l)[j]]
		if a.file != b.file {
			return a.file < b.file
		}
		if a.line != b.line {
			return a.line < b.line
		}
		return a.msg < b.msg
	})
	out := (*l)[:0]
	var prev *key
	for _, e := range *l {
		k := keys[e]
		if prev != nil && *prev == k {
			continue
		}
		out = append(out, e)
		prev = &k
	}
	*l = out
}

// Error prints the first error and the count of the others, as
// go/scanner.ErrorList does.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Err returns nil for an empty list, else the list itself as an error.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Full formats every error, one per line (hints indented below).
func (l ErrorList) Full() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}
