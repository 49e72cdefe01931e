// Package loopscope holds the loop-scope matrix test: a ParallelFor inside
// each kind of enclosing group (ExitHandler, If, nested ParallelFor, nested
// pipeline), over each kind of list (literal, pipeline input, task output),
// reading a field of the item or the whole item, compiled against goldens
// and run with the local runner (KFP issue 13273). It has no code of its
// own; it lives apart from package compiler so that compiler's tests do not
// import the Argo back end and the local runner.
package loopscope
