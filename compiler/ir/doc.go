// Package ir is the untyped pipeline graph that the DSL records and the
// compiler back ends read.
//
// The graph is made of a few sealed node kinds:
//
//   - [Component]: an interface (inputs, outputs) plus an implementation:
//     a [Container], a nested [Pipeline], or an [Importer].
//   - [Pipeline]: a component whose implementation is a DAG, rooted at a
//     [Group] of kind [GroupRoot].
//   - [Group]: a set of tasks and nested groups: the root DAG, a condition,
//     a ParallelFor loop, an exit handler, or an If/Elif/Else chain.
//   - [Task]: one use of a component inside a group, with its arguments
//     ([Ref] values) and settings.
//   - [Ref]: a value flowing into a task input: a literal, a pipeline input,
//     a task output, a loop item, a Collected or OneOf fan-in, or a
//     placeholder such as the pipeline job name.
//
// Positions are program counters captured by the DSL and resolved to
// file:line only when an error is printed ([Pos]). Validation ([Validate])
// reports every problem as an [Error] with a stable [Code], a message and a
// hint on how to fix it, collected in an [ErrorList].
//
// The package imports nothing of the project's: the DSL (sdk/dsl) writes it,
// the compilers (compiler/kfp, compiler/argo) read it.
package ir
