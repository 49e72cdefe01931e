package dsl

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Scalar is the set of parameter types a condition can compare (KFP
// compares strings, numbers and booleans only).
type Scalar interface {
	~string | ~int | ~int64 | ~float64 | ~bool
}

// Cond is a comparison of two parameters for If and Elif, built with Eq,
// Ne, Lt, Le, Gt or Ge. At least one side must be a value known only at run
// time (a pipeline input, a task output or a loop item); a comparison of
// two literals is reported as an error.
type Cond struct {
	c   *ir.Cond
	pos ir.Pos
}

func compare[T Scalar](op string, a, b Param[T]) Cond {
	return Cond{c: &ir.Cond{Op: op, Left: a.r, Right: b.r}, pos: ir.Caller()}
}

// Eq is a == b (KFP `==`, written to triggerPolicy.condition in CEL).
func Eq[T Scalar](a, b Param[T]) Cond { return compare("==", a, b) }

// Ne is a != b.
func Ne[T Scalar](a, b Param[T]) Cond { return compare("!=", a, b) }

// Lt is a < b.
func Lt[T Scalar](a, b Param[T]) Cond { return compare("<", a, b) }

// Le is a <= b.
func Le[T Scalar](a, b Param[T]) Cond { return compare("<=", a, b) }

// Gt is a > b.
func Gt[T Scalar](a, b Param[T]) Cond { return compare(">", a, b) }

// Ge is a >= b.
func Ge[T Scalar](a, b Param[T]) Cond { return compare(">=", a, b) }

// GroupOption refines a control-flow group (If, Elif, Else, ParallelFor,
// ExitHandler).
type GroupOption func(*ir.Group)

// Named sets the group's display name (KFP's name argument of dsl.If,
// dsl.ParallelFor, dsl.ExitHandler): the taskInfo.name the KFP UI shows.
func Named(name string) GroupOption { return func(g *ir.Group) { g.DisplayName = name } }

// Parallelism limits how many iterations of a ParallelFor run at once
// (iteratorPolicy.parallelismLimit); 0, the default, means no limit. A
// negative n (or one beyond int32) is reported at the loop's line.
func Parallelism(n int) GroupOption { return func(g *ir.Group) { g.Parallelism = n } }

// Branches is an If/Elif/Else chain; Elif and Else add branches to it.
type Branches struct {
	b        *Builder // the builder If was called on
	conds    []*ir.Cond
	groups   []*ir.Group
	wrapper  *ir.Group
	hasElse  bool
	oneOfIDs int
}

func (b *Builder) checkCond(c Cond, pos ir.Pos, what string) bool {
	if c.c == nil {
		b.errorf(pos, ir.InvalidControlFlow, "build the condition with dsl.Eq, dsl.Ne, dsl.Lt, dsl.Le, dsl.Gt or dsl.Ge", "%s: empty condition", what)
		return false
	}
	if c.c.Left == nil || c.c.Right == nil {
		b.errorf(pos, ir.InvalidControlFlow, "compare handles that are wired (a pipeline input, task output, loop item or dsl.Lit)", "%s: condition on an unset parameter", what)
		return false
	}
	if c.c.Left.Kind == ir.RefLiteral && c.c.Right.Kind == ir.RefLiteral {
		b.errorf(pos, ir.InvalidControlFlow, "compare a pipeline input, a task output or a loop item; a Go constant is known before the pipeline runs, so use a Go if statement",
			"%s: condition compares two constants (%v %s %v)", what, c.c.Left.Value, c.c.Op, c.c.Right.Value)
		return false
	}
	for _, r := range []*ir.Ref{c.c.Left, c.c.Right} {
		switch r.Kind {
		case ir.RefPlaceholder, ir.RefFormat, ir.RefTaskFinalStatus:
			// KFP's condition reads the condition group's inputs only
			// (inputs.parameter_values[…]); a placeholder or a formatted
			// string is not one.
			b.errorf(pos, ir.InvalidControlFlow, "compare a pipeline input, a task output or a loop item; to branch on this value, return it from a task and compare the task's output",
				"%s: a condition cannot compare %s", what, describeRef(r))
			return false
		}
		b.checkRef(r, pos, what)
	}
	return true
}

func applyGroupOptions(g *ir.Group, opts []GroupOption) {
	for _, o := range opts {
		if o != nil {
			o(g)
		}
	}
}

// If runs body's tasks only when c holds at run time: a `condition-N` sub-DAG
// whose task carries triggerPolicy.condition (KFP dsl.If). Chain Elif and
// Else on the result:
//
//	dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit("heads")), func(b *dsl.Builder) {
//		Print.Task(b, PrintIn{Msg: dsl.Lit("heads")})
//	}).Else(func(b *dsl.Builder) {
//		Print.Task(b, PrintIn{Msg: dsl.Lit("tails")})
//	})
func If(b *Builder, c Cond, body func(b *Builder), opts ...GroupOption) *Branches {
	pos := ir.Caller()
	br := &Branches{b: b}
	g, sub := b.newGroup(ir.GroupCondition, pos)
	applyGroupOptions(g, opts)
	if b.checkCond(c, pos, "If") {
		g.Cond = c.c
	}
	br.conds = append(br.conds, g.Cond)
	br.groups = append(br.groups, g)
	if body != nil {
		body(sub)
		sub.closed = true
	}
	return br
}

// wrap creates the If/Elif/Else chain's `condition-branches-N` group around
// the If, swapping group numbers exactly as KFP does (the chain takes the
// If's number, the If the next one).
func (br *Branches) wrap(pos ir.Pos, what string) bool {
	if br.wrapper != nil {
		return true
	}
	b := br.b
	first := br.groups[0]
	parent := first.Parent
	last := -1
	for i := len(parent.Items) - 1; i >= 0; i-- {
		if _, ok := parent.Items[i].(*ir.Group); ok {
			last = i
			break
		}
	}
	if last < 0 || parent.Items[last] != first {
		b.errorf(pos, ir.InvalidControlFlow, "call "+what+" on the If right after it, before opening another group",
			"%s must follow its If directly; another group was opened in between", what)
		return false
	}
	b.st.groupID++
	w := &ir.Group{Kind: ir.GroupBranches, Name: fmt.Sprintf("%s-%s", ir.GroupBranches, groupNumber(first.Name)), Parent: parent, Pos: first.Pos, Branch: -1}
	first.Name = fmt.Sprintf("%s-%d", ir.GroupCondition, b.st.groupID)
	parent.Items[last] = w
	w.Items = []ir.Node{first}
	first.Parent = w
	first.Branch = 0
	// Keep creation order: the chain group takes the If's place.
	for i, g := range b.p.Groups {
		if g == first {
			b.p.Groups = append(b.p.Groups[:i], append([]*ir.Group{w}, b.p.Groups[i:]...)...)
			break
		}
	}
	br.wrapper = w
	return true
}

func groupNumber(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '-' {
			return name[i+1:]
		}
	}
	return name
}

func (br *Branches) branch(c *Cond, body func(b *Builder), pos ir.Pos, what string, opts []GroupOption) *Branches {
	b := br.b
	if br == nil || b == nil {
		return br
	}
	if br.hasElse {
		b.errorf(pos, ir.InvalidControlFlow, "end the chain with a single Else", "%s after Else", what)
		return br
	}
	if !br.wrap(pos, what) {
		return br
	}
	wb := &Builder{p: b.p, g: br.wrapper, st: b.st}
	g, sub := wb.newGroup(ir.GroupCondition, pos)
	applyGroupOptions(g, opts)
	g.Branch = len(br.groups)
	for _, pc := range br.conds {
		if pc != nil {
			g.Prior = append(g.Prior, pc)
		}
	}
	if c != nil {
		if b.checkCond(*c, pos, what) {
			g.Cond = c.c
		}
		br.conds = append(br.conds, g.Cond)
	} else {
		br.hasElse = true
	}
	br.groups = append(br.groups, g)
	if body != nil {
		body(sub)
		sub.closed = true
	}
	return br
}

// Elif adds a branch that runs when every earlier branch's condition is
// false and c holds (KFP dsl.Elif).
func (br *Branches) Elif(c Cond, body func(b *Builder), opts ...GroupOption) *Branches {
	return br.branch(&c, body, ir.Caller(), "Elif", opts)
}

// Else adds the branch that runs when no earlier condition holds (KFP
// dsl.Else). A OneOf over the chain's outputs needs it.
func (br *Branches) Else(body func(b *Builder), opts ...GroupOption) {
	br.branch(nil, body, ir.Caller(), "Else", opts)
}

// ParallelFor runs body once per item of the list parameter items (a
// pipeline input or a task output), each iteration in parallel up to the
// Parallelism option (KFP dsl.ParallelFor over a channel). L is the list
// type and T its element type: []T, or []any with a string item (KFP types
// the items of an untyped list as strings). A mismatch is reported at this
// call.
//
//	dsl.ParallelFor(b, in.Trials, func(b *dsl.Builder, trial dsl.Param[int]) {
//		Train.Task(b, TrainIn{Trial: trial})
//	}, dsl.Parallelism(2))
func ParallelFor[L ParamValue, T ParamValue](b *Builder, items Param[L], body func(b *Builder, item Param[T]), opts ...GroupOption) {
	pos := ir.Caller()
	lt, et := reflect.TypeFor[L](), reflect.TypeFor[T]()
	itemType := ir.Type{Param: paramTypeOfReflect(et)}
	switch {
	case lt.Kind() != reflect.Slice:
		b.errorf(pos, ir.InvalidControlFlow, "iterate over a list parameter (e.g. dsl.Param[[]string])",
			"ParallelFor over %s, which is not a list", lt)
	case lt.Elem().Kind() == reflect.Interface:
		if et.Kind() != reflect.String {
			b.errorf(pos, ir.InvalidControlFlow, "take the item as dsl.Param[string], or type the list (e.g. []int)",
				"ParallelFor over an untyped list gives string items (KFP's rule), not %s", et)
		}
		itemType = ir.Type{Param: ir.ParamString}
	case lt.Elem() != et:
		b.errorf(pos, ir.InvalidControlFlow, fmt.Sprintf("take the item as dsl.Param[%s]", lt.Elem()),
			"ParallelFor over %s with items of type %s", lt, et)
	}
	if items.r == nil {
		b.errorf(pos, ir.InvalidControlFlow, "pass a pipeline input or a task output", "ParallelFor over an unset list parameter")
		return
	}
	if items.r.Kind == ir.RefLiteral {
		b.errorf(pos, ir.InvalidControlFlow, "use dsl.ParallelForItems for a list known when the pipeline is built", "ParallelFor over a literal; use ParallelForItems")
		return
	}
	if items.r.Kind == ir.RefFormat {
		b.errorf(pos, ir.InvalidControlFlow, "build the list in a task and loop over its output, as KFP cannot iterate over a list holding run-time values",
			"ParallelFor over a list built with Compose from run-time values")
		return
	}
	b.checkRef(items.r, pos, "ParallelFor items")
	if items.r.Type.Param != ir.ParamList && !items.r.Type.IsArtifact() {
		b.errorf(pos, ir.InvalidControlFlow, "iterate over a LIST parameter", "ParallelFor over %s, which is %s, not a list", describeRef(items.r), items.r.Type)
	}
	if items.r.Kind == ir.RefLoopItem && items.r.Field != "" {
		// KFP types the items of a list taken from a loop item's field as strings.
		itemType = ir.Type{Param: ir.ParamString}
	}
	g, sub := b.newGroup(ir.GroupLoop, pos)
	applyGroupOptions(g, opts)
	g.LoopOver = items.r
	g.Item = &ir.Ref{Kind: ir.RefLoopItem, Type: itemType, Group: g, Pos: pos}
	if body != nil {
		body(sub, Param[T]{r: g.Item})
		sub.closed = true
	}
}

// ParallelForItems runs body once per element of a list known when the
// pipeline is built (KFP dsl.ParallelFor over a Python list, written as
// parameterIterator.items.raw). Elements may be scalars or objects
// (map[string]any, whose fields ItemField selects). An empty list is an error.
func ParallelForItems[T ParamValue](b *Builder, items []T, body func(b *Builder, item Param[T]), opts ...GroupOption) {
	pos := ir.Caller()
	if len(items) == 0 {
		b.errorf(pos, ir.InvalidControlFlow, "give ParallelForItems at least one item", "ParallelForItems over an empty list")
		return
	}
	raw := make([]any, len(items))
	for i, it := range items {
		raw[i] = jsonValue(it)
	}
	// KFP numbers the loop item before the loop group itself.
	b.st.groupID++
	code := b.st.groupID
	g, sub := b.newGroup(ir.GroupLoop, pos)
	applyGroupOptions(g, opts)
	g.LoopOver = &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: ir.ParamList}, Value: raw, Pos: pos}
	g.Item = &ir.Ref{Kind: ir.RefLoopItem, Type: ir.Type{Param: paramTypeOfReflect(reflect.TypeFor[T]())}, Group: g, Pos: pos,
		Name: "loop-item-param-" + strconv.Itoa(code)}
	if body != nil {
		body(sub, Param[T]{r: g.Item})
		sub.closed = true
	}
}

// ParallelForArtifacts runs body once per artifact of a list of artifacts
// (KFP dsl.ParallelFor over a List[Artifact], written as artifactIterator).
func ParallelForArtifacts[K Kind](b *Builder, items Artifacts[K], body func(b *Builder, item Artifact[K]), opts ...GroupOption) {
	pos := ir.Caller()
	if items.r == nil {
		b.errorf(pos, ir.InvalidControlFlow, "pass a pipeline input or a task output", "ParallelForArtifacts over an unset list")
		return
	}
	b.checkRef(items.r, pos, "ParallelForArtifacts items")
	g, sub := b.newGroup(ir.GroupLoop, pos)
	applyGroupOptions(g, opts)
	g.LoopOver = items.r
	g.Item = &ir.Ref{Kind: ir.RefLoopItem, Type: ir.Type{Artifact: artifactTypeOf[K]()}, Group: g, Pos: pos}
	if body != nil {
		body(sub, Artifact[K]{r: g.Item})
		sub.closed = true
	}
}

// ItemField selects field key of an object loop item (KFP item.key, read with
// parameterExpressionSelector parseJson(string_value)["key"]). V is the
// field's type, e.g. dsl.ItemField[int](item, "a"). Over a literal list
// (ParallelForItems) the compiler checks every item: an item that is not an
// object, lacks the field or holds a value not of type V is reported at
// this call, naming the item's index.
func ItemField[V ParamValue, T ParamValue](item Param[T], key string) Param[V] {
	pos := ir.Caller()
	r := item.r
	if r == nil || r.Kind != ir.RefLoopItem || r.Field != "" || !identRE.MatchString(key) {
		// Reported by the validator: a field of something that is not a loop item.
		return Param[V]{r: &ir.Ref{Kind: ir.RefInvalid, Type: ir.Type{Param: paramTypeOf[V]()}, Name: "field " + key, Pos: pos}}
	}
	return Param[V]{r: &ir.Ref{Kind: ir.RefLoopItem, Type: ir.Type{Param: paramTypeOf[V]()}, Group: r.Group, Field: key, Pos: pos}}
}

// Collected fans in a parameter produced inside a ParallelFor into a list
// usable after the loop (KFP dsl.Collected). L is the list type:
//
//	sums := dsl.Collected[[]int](add.Out.Sum)
func Collected[L ParamValue, T ParamValue](p Param[T]) Param[L] {
	pos := ir.Caller()
	r := &ir.Ref{Kind: ir.RefCollected, Type: ir.Type{Param: ir.ParamList}, Pos: pos}
	if p.r != nil {
		r.Of = []*ir.Ref{p.r}
	}
	if lt := reflect.TypeFor[L](); lt.Kind() != reflect.Slice || (lt.Elem().Kind() != reflect.Interface && lt.Elem() != reflect.TypeFor[T]()) {
		r.Name = fmt.Sprintf("Collected into %s from a %s parameter", lt, reflect.TypeFor[T]())
	}
	return Param[L]{r: r}
}

// CollectedArtifacts fans in an artifact produced inside a ParallelFor into
// a list of artifacts (KFP dsl.Collected over an artifact output).
func CollectedArtifacts[K Kind](a Artifact[K]) Artifacts[K] {
	r := &ir.Ref{Kind: ir.RefCollected, Type: ir.Type{Artifact: artifactTypeOf[K](), List: true}, Pos: ir.Caller()}
	if a.r != nil {
		r.Of = []*ir.Ref{a.r}
	}
	return Artifacts[K]{r: r}
}

// oneOf builds a OneOf reference over branch outputs: each must be a task
// output produced directly in a different branch of one If/Elif/Else chain
// that ends with Else (KFP's rules).
func oneOf(refs []*ir.Ref, t ir.Type, pos ir.Pos) *ir.Ref {
	r := &ir.Ref{Kind: ir.RefOneOf, Type: t, Of: refs, Pos: pos}
	if len(refs) == 0 {
		r.Kind = ir.RefInvalid
		r.Name = "OneOf needs at least one value"
		return r
	}
	var chain *ir.Group
	for _, x := range refs {
		if x == nil || x.Kind != ir.RefTaskOutput || x.Task.Group == nil || x.Task.Group.Kind != ir.GroupCondition ||
			x.Task.Group.Parent == nil || x.Task.Group.Parent.Kind != ir.GroupBranches {
			r.Kind = ir.RefInvalid
			r.Name = "OneOf takes outputs of tasks placed directly in the branches of an If/Elif/Else chain"
			return r
		}
		if chain == nil {
			chain = x.Task.Group.Parent
		} else if chain != x.Task.Group.Parent {
			r.Kind = ir.RefInvalid
			r.Name = "OneOf takes outputs of one If/Elif/Else chain"
			return r
		}
	}
	last := chain.Items[len(chain.Items)-1].(*ir.Group)
	if last.Cond != nil {
		r.Kind = ir.RefInvalid
		r.Name = "OneOf needs an output from an Else branch, so that one value always exists"
		return r
	}
	r.Group = chain
	return r
}

// oneOfCounters numbers OneOf values per If/Elif/Else chain, as KFP's
// ConditionBranches.get_oneof_id does.
func (st *buildState) nextOneOf(g *ir.Group) int {
	if st.oneOfs == nil {
		st.oneOfs = map[*ir.Group]int{}
	}
	st.oneOfs[g]++
	return st.oneOfs[g]
}

// OneOf is the one value among the branch outputs of an If/Elif/Else chain
// that was produced at run time (KFP dsl.OneOf): usable after the chain and
// as a pipeline output. Each value must come from a task placed directly in
// a different branch; the chain must end with Else.
func OneOf[T ParamValue](b *Builder, values ...Param[T]) Param[T] {
	pos := ir.Caller()
	refs := make([]*ir.Ref, len(values))
	for i, v := range values {
		refs[i] = v.r
	}
	r := oneOf(refs, ir.Type{Param: paramTypeOf[T]()}, pos)
	if r.Kind == ir.RefInvalid {
		b.errorf(pos, ir.InvalidControlFlow, "pass one output per branch, with an Else branch last", "OneOf: %s", r.Name)
	} else {
		r.Name = strconv.Itoa(b.st.nextOneOf(r.Group))
	}
	return Param[T]{r: r}
}

// OneOfArtifact is OneOf over artifact outputs.
func OneOfArtifact[K Kind](b *Builder, values ...Artifact[K]) Artifact[K] {
	pos := ir.Caller()
	refs := make([]*ir.Ref, len(values))
	for i, v := range values {
		refs[i] = v.r
	}
	r := oneOf(refs, ir.Type{Artifact: artifactTypeOf[K]()}, pos)
	if r.Kind == ir.RefInvalid {
		b.errorf(pos, ir.InvalidControlFlow, "pass one output per branch, with an Else branch last", "OneOfArtifact: %s", r.Name)
	} else {
		r.Name = strconv.Itoa(b.st.nextOneOf(r.Group))
	}
	return Artifact[K]{r: r}
}

// ExitHandler runs body's tasks in an `exit-handler-N` group and exit after
// them whatever their outcome (KFP dsl.ExitHandler): exit depends on the
// group with trigger strategy ALL_UPSTREAM_TASKS_COMPLETED, and its
// PipelineTaskFinalStatus input (if any) receives the group's final status.
// exit must be created with the same Builder just before, take no input
// from other tasks and have no After; handlers are allowed only at the top
// level of a pipeline.
func ExitHandler(b *Builder, exit TaskRef, body func(b *Builder), opts ...GroupOption) {
	pos := ir.Caller()
	if exit == nil || exit.IRTask() == nil {
		b.errorf(pos, ir.InvalidControlFlow, "create the exit task with Component.Task first", "ExitHandler: nil exit task")
		return
	}
	t := exit.IRTask()
	idx := -1
	for i, it := range b.g.Items {
		if it == ir.Node(t) {
			idx = i
		}
	}
	if idx < 0 {
		b.errorf(pos, ir.InvalidControlFlow, "create the exit task with the same Builder, right before ExitHandler",
			"ExitHandler: exit task %q is not in this group", t.Name)
		return
	}
	if b.g.Kind != ir.GroupRoot {
		b.errorf(pos, ir.InvalidControlFlow, "move the ExitHandler to the pipeline body's top level",
			"ExitHandler inside %s; KFP allows exit handlers only at the top level of a pipeline", b.g.Name)
	}
	if len(t.After) > 0 {
		b.errorf(pos, ir.InvalidControlFlow, "remove the After call on the exit task", "ExitHandler: exit task %q depends on other tasks", t.Name)
	}
	for _, in := range t.Component.Inputs {
		if r := t.Args[in.Name]; r != nil && (r.Kind == ir.RefTaskOutput || r.Kind == ir.RefCollected || r.Kind == ir.RefOneOf) {
			b.errorf(pos, ir.InvalidControlFlow, "feed the exit task from pipeline inputs or literals only",
				"ExitHandler: exit task %q takes input %q from another task", t.Name, in.Name)
		}
	}
	b.g.Items = append(b.g.Items[:idx:idx], b.g.Items[idx+1:]...)
	g, sub := b.newGroup(ir.GroupExitHandler, pos)
	applyGroupOptions(g, opts)
	g.ExitTask = t
	if body != nil {
		body(sub)
		sub.closed = true
	}
}

// ImporterOut is the output of an importer task: the imported artifact.
type ImporterOut[K Kind] struct {
	Artifact Artifact[K] `kfp:"artifact"`
}

// ImporterOption refines Importer.
type ImporterOption func(*importerConfig)

type importerConfig struct {
	reimport bool
	download bool
	// metadata is a map[string]any or an OrderedMetadata.
	metadata any
}

// Reimport makes the importer register the artifact again on every run
// instead of reusing an existing one (KFP reimport=True).
func Reimport() ImporterOption { return func(c *importerConfig) { c.reimport = true } }

// DownloadToWorkspace makes KFP download the imported artifact into the
// run's workspace, so tasks read it from there rather than from the object
// store (KFP importer(download_to_workspace=True)); the pipeline needs a
// PipelineWorkspace.
func DownloadToWorkspace() ImporterOption { return func(c *importerConfig) { c.download = true } }

// ImportMetadata sets the imported artifact's metadata. Values are JSON
// values (string, number, bool, list, map, OrderedMetadata) or parameter
// handles (dsl.Param, dsl.Format), which become importer inputs named
// metadata, metadata-2… as KFP names them, numbered in the order they are
// met: map keys in sorted order (Go maps have none). When the numbering
// must follow a written order, as KFP's follows a Python dict's insertion
// order, use ImportOrderedMetadata.
func ImportMetadata(m map[string]any) ImporterOption {
	return func(c *importerConfig) { c.metadata = m }
}

// MetadataEntry is one key/value pair of OrderedMetadata. Key is a string
// or a string parameter handle (dsl.Param[string], dsl.Format), which KFP
// allows as a run-time key; Value is anything ImportMetadata accepts.
type MetadataEntry struct {
	Key   any
	Value any
}

// OrderedMetadata is importer metadata whose entries are visited in the
// order written (the key, then the value of each), so the importer inputs
// created for embedded parameters are numbered as KFP numbers them for the
// same Python dict. It may be nested as a value of ImportMetadata or
// ImportOrderedMetadata.
type OrderedMetadata []MetadataEntry

// ImportOrderedMetadata sets the imported artifact's metadata from ordered
// entries (see OrderedMetadata and ImportMetadata). A key that is not a
// string or string parameter, or two entries with the same key, make the
// pipeline invalid, reported when it is compiled.
func ImportOrderedMetadata(entries ...MetadataEntry) ImporterOption {
	return func(c *importerConfig) { c.metadata = OrderedMetadata(entries) }
}

// Importer brings an existing artifact at uri into the pipeline as an
// artifact of kind K (KFP dsl.importer): a task named "importer" whose
// output Artifact feeds downstream tasks. uri is dsl.Lit("gs://…") or a
// string parameter.
func Importer[K Kind](b *Builder, uri Param[string], opts ...ImporterOption) *Task[ImporterOut[K]] {
	pos := ir.Caller()
	var cfg importerConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	comp := &ir.Component{Name: "importer", Pos: pos,
		Inputs:  []*ir.Input{{Name: "uri", Type: ir.Type{Param: ir.ParamString}}},
		Outputs: []*ir.Output{{Name: "artifact", Type: ir.Type{Artifact: artifactTypeOf[K]()}}}}
	at := artifactTypeOf[K]()
	imp := &ir.Importer{URI: uri.r, ArtifactType: *at, Reimport: cfg.reimport, DownloadToWorkspace: cfg.download}
	comp.Impl = imp
	args := map[string]*ir.Ref{}
	if uri.r == nil {
		b.errorf(pos, ir.MissingInput, `pass dsl.Lit("gs://…") or a string parameter`, "Importer: unset URI")
	} else if s, ok := uri.r.Value.(string); ok && uri.r.Kind == ir.RefLiteral && strings.TrimSpace(s) == "" {
		b.errorf(pos, ir.InvalidValue, `pass the artifact's URI, e.g. dsl.Lit("gs://bucket/path"), or a string parameter`, "Importer: empty artifact URI")
		args["uri"] = uri.r
	} else {
		args["uri"] = uri.r
	}
	if cfg.metadata != nil {
		names := map[*ir.Ref]string{}
		var bad string
		// input returns the placeholder of the importer input reading r,
		// declaring it on first use (KFP reuses one input per channel).
		input := func(r *ir.Ref) string {
			n, ok := names[r]
			if !ok {
				n = "metadata"
				if len(names) > 0 {
					n = "metadata-" + strconv.Itoa(len(names)+1)
				}
				names[r] = n
				comp.Inputs = append(comp.Inputs, &ir.Input{Name: n, Type: r.Type})
				args[n] = r
			}
			return fmt.Sprintf("{{$.inputs.parameters['%s']}}", n)
		}
		var walk func(v any) any
		walk = func(v any) any {
			switch x := v.(type) {
			case handle:
				r := refOf(x)
				switch {
				case r == nil:
					return nil
				case r.Kind == ir.RefLiteral:
					return r.Value
				case r.Kind == ir.RefPlaceholder:
					return r.Name
				case r.Kind == ir.RefFormat:
					// An f-string, list or struct: its channels become
					// inputs in order, their placeholders written into it.
					names := make([]string, len(r.Of))
					for i, o := range r.Of {
						names[i] = input(o)
					}
					return r.FormatValue(func(i int) string { return names[i] })
				}
				return input(r)
			case OrderedMetadata:
				out := make(map[string]any, len(x))
				for i, e := range x {
					k, ok := walk(e.Key).(string)
					if !ok {
						bad = fmt.Sprintf("entry %d: key of type %T is neither a string nor a string parameter", i, e.Key)
						continue
					}
					if _, dup := out[k]; dup {
						bad = fmt.Sprintf("entry %d: key %q given twice", i, k)
						continue
					}
					out[k] = walk(e.Value)
				}
				return out
			case map[string]any:
				keys := slices.Sorted(maps.Keys(x))
				out := make(map[string]any, len(x))
				for _, k := range keys {
					out[k] = walk(x[k])
				}
				return out
			case []any:
				out := make([]any, len(x))
				for i, e := range x {
					out[i] = walk(e)
				}
				return out
			}
			return jsonValue(v)
		}
		md := walk(cfg.metadata)
		if bad != "" {
			b.errorf(pos, ir.InvalidValue, "give each entry a distinct string (or string parameter) key", "Importer metadata: %s", bad)
		}
		imp.Metadata, _ = md.(map[string]any)
	}
	b.checkOpen(pos)
	t := &ir.Task{Name: b.uniqueTaskName("importer"), Component: comp, Args: args, Group: b.g, Pos: pos}
	for name, r := range args {
		b.checkRef(r, pos, fmt.Sprintf("input %q of importer", name))
	}
	b.g.Items = append(b.g.Items, t)
	b.p.Tasks = append(b.p.Tasks, t)
	task := &Task[ImporterOut[K]]{node: t, b: b}
	task.Out.Artifact.bind(&ir.Ref{Kind: ir.RefTaskOutput, Name: "artifact", Type: ir.Type{Artifact: at}, Task: t})
	return task
}

func describeRef(r *ir.Ref) string {
	switch r.Kind {
	case ir.RefPipelineInput:
		return fmt.Sprintf("pipeline input %q", r.Name)
	case ir.RefTaskOutput:
		return fmt.Sprintf("output %q of task %q", r.Name, r.Task.Name)
	case ir.RefLoopItem:
		return "a loop item"
	case ir.RefPlaceholder:
		return fmt.Sprintf("the pipeline placeholder %s", r.Name)
	case ir.RefFormat:
		return "a formatted value (Format or Compose)"
	case ir.RefTaskFinalStatus:
		return "a PipelineTaskFinalStatus"
	}
	return "the value"
}
