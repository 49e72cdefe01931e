package ir

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
)

// BadValue stands in a literal for a Go value the DSL could not turn into
// JSON (e.g. a struct loop item with a NaN field, which encoding/json
// refuses); Validate reports Err where the literal is used.
type BadValue struct{ Err string }

// LiteralProblem reports why the JSON-like literal v (string, bool, int64,
// float64, nil, []any, map[string]any) cannot be written into a KFP
// pipeline, with the path of the offending part below root (e.g.
// "value.x[2]"); it returns "" for a literal KFP can hold.
//
// KFP stores literals as google.protobuf.Value, whose numbers are IEEE
// doubles encoded as JSON numbers: NaN and ±Inf have no JSON form
// (protojson and KFP's backend refuse them), and an integer that does not
// round-trip through a float64 (beyond 2^53 in magnitude, e.g.
// 9007199254740993 or math.MaxUint64) would silently change value. A
// uint64 in v is an integer the DSL could not hold exactly (above
// math.MaxInt64 and not a float64); it is always refused.
func LiteralProblem(v any, root string) string {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x):
			return root + ": NaN has no JSON form, and KFP stores literals as JSON (protobuf Value)"
		case math.IsInf(x, 0):
			return fmt.Sprintf("%s: %v has no JSON form, and KFP stores literals as JSON (protobuf Value)", root, x)
		}
	case int64:
		if f := float64(x); f >= math.MaxInt64 || f < math.MinInt64 || int64(f) != x {
			return fmt.Sprintf("%s: the integer %d cannot be held exactly by a KFP number (a float64: integers up to 2^53 are exact)", root, x)
		}
	case uint64:
		return fmt.Sprintf("%s: the integer %d cannot be held exactly by a KFP number (a float64: integers up to 2^53 are exact)", root, x)
	case BadValue:
		return root + ": " + x.Err
	case []any:
		for i, e := range x {
			if p := LiteralProblem(e, root+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if p := LiteralProblem(x[k], root+"."+k); p != "" {
				return p
			}
		}
	}
	return ""
}

const literalHint = "use finite numbers and integers within ±2^53 (pass a larger integer or a special float as a string)"

// literals reports literal values KFP cannot hold (LiteralProblem) in task
// arguments and settings, input defaults, loop items, conditions and
// importer metadata, and ItemField selections that the items of a
// literal loop cannot satisfy.
func (v *validator) literals(p *Pipeline) {
	seenComp := map[*Component]bool{}
	comp := func(c *Component) {
		if c == nil || seenComp[c] {
			return
		}
		seenComp[c] = true
		for _, in := range c.Inputs {
			if in.HasDefault {
				if msg := LiteralProblem(in.Default, "default"); msg != "" {
					v.errs.Addf(c.Pos, InvalidValue, literalHint, "component %q, input %q: %s", c.Name, in.Name, msg)
				}
			}
		}
		if imp, ok := c.Impl.(*Importer); ok && imp.Metadata != nil {
			if msg := LiteralProblem(imp.Metadata, "metadata"); msg != "" {
				v.errs.Addf(c.Pos, InvalidValue, literalHint, "importer: %s", msg)
			}
		}
	}
	comp(p.Component)
	for _, t := range p.Tasks {
		comp(t.Component)
		for _, name := range sortedRefKeys(t.Args) {
			v.literalRef(t.Args[name], t.Pos, func() string { return fmt.Sprintf("task %q, input %q", t.Name, name) })
		}
		for _, r := range [...]*Ref{t.Resources.CPURequest, t.Resources.CPULimit, t.Resources.MemoryRequest, t.Resources.MemoryLimit,
			t.Resources.AcceleratorType, t.Resources.AcceleratorCount, t.Image} {
			v.literalRef(r, t.Pos, func() string { return fmt.Sprintf("task %q setting", t.Name) })
		}
	}
	for _, g := range p.Groups {
		for _, c := range append([]*Cond{g.Cond}, g.Prior...) {
			if c != nil {
				what := func() string { return "condition of " + g.Name }
				v.literalRef(c.Left, g.Pos, what)
				v.literalRef(c.Right, g.Pos, what)
			}
		}
		v.literalRef(g.LoopOver, g.Pos, func() string { return "items of " + g.Name })
	}
	for _, name := range sortedRefKeys(p.Outputs) {
		v.literalRef(p.Outputs[name], p.Component.Pos, func() string { return fmt.Sprintf("pipeline output %q", name) })
	}
}

// literalRef checks the literals inside r, read by what at pos; a literal
// is reported at its own position (the dsl.Lit or dsl.Compose line) when
// it has one.
func (v *validator) literalRef(r *Ref, pos Pos, what func() string) {
	if r == nil {
		return
	}
	at := pos
	if r.Pos.IsValid() {
		at = r.Pos
	}
	switch r.Kind {
	case RefLiteral:
		if msg := LiteralProblem(r.Value, "value"); msg != "" {
			v.errs.Addf(at, InvalidValue, literalHint, "%s: %s", what(), msg)
		}
	case RefFormat:
		if _, isText := r.Value.([]string); !isText {
			if msg := LiteralProblem(r.Value, "value"); msg != "" {
				v.errs.Addf(at, InvalidValue, literalHint, "%s: %s", what(), msg)
			}
		}
	case RefLoopItem:
		v.itemField(r, at)
	}
	for _, o := range r.Of {
		v.literalRef(o, pos, what)
	}
}

// itemField checks an ItemField selection over a loop whose items are
// literal: every item must be an object holding the field, with a value
// of the selected type.
func (v *validator) itemField(r *Ref, pos Pos) {
	if r.Field == "" || r.Group == nil || r.Group.LoopOver == nil || r.Group.LoopOver.Kind != RefLiteral {
		return
	}
	items, ok := r.Group.LoopOver.Value.([]any)
	if !ok {
		return
	}
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			v.errs.Addf(pos, InvalidValue, "loop over objects (maps or structs) to select a field, or use the item itself",
				"ItemField %q over %s: item %d is %s, not an object", r.Field, r.Group.Name, i, jsonKind(it))
			return
		}
		f, ok := obj[r.Field]
		if !ok {
			v.errs.Addf(pos, InvalidValue, "select a field every item has, or add it to each item",
				"ItemField %q over %s: item %d has no field %q", r.Field, r.Group.Name, i, r.Field)
			return
		}
		if !jsonFits(f, r.Type.Param) {
			v.errs.Addf(pos, MismatchedType, "select the field with the type of its values, e.g. dsl.ItemField[string]",
				"ItemField %q over %s: item %d has %s %v in that field, which is not %s", r.Field, r.Group.Name, i, jsonKind(f), f, r.Type.Param)
			return
		}
	}
}

// jsonFits reports whether the JSON-like value x has parameter type t (an
// integer fits a double, as KFP accepts 1 for a float).
func jsonFits(x any, t ParamType) bool {
	switch x.(type) {
	case string:
		return t == ParamString
	case bool:
		return t == ParamBool
	case int64:
		return t == ParamInt || t == ParamDouble
	case float64:
		return t == ParamDouble
	case []any:
		return t == ParamList
	case map[string]any:
		return t == ParamStruct
	}
	return false
}

// jsonKind names the JSON kind of x for messages.
func jsonKind(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", x)
}
