// Package compiler compiles pipelines defined with sdk/dsl to KFP IR YAML.
//
// Compile runs the passes in order:
//
//  1. build: the DSL records the graph (dsl.PipelineDef.Build);
//  2. validate: compiler/ir.Validate reports every problem with its
//     file:line, and compilation stops if there is any;
//  3. emit: compiler/kfp turns the graph into a PipelineSpec (and a
//     PlatformSpec when tasks set Kubernetes options);
//  4. write: compiler/internal/yamlw writes deterministic YAML with KFP's
//     header comment.
//
// The Argo back end (compiler/argo) reads the same validated graph.
package compiler

import (
	"fmt"

	"github.com/kfpgo/kfpgo/compiler/internal/yamlw"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/compiler/kfp"
)

// Options controls compilation. The zero value compiles for KFP 2.5 with
// caching on by default and ko:// image references kept.
type Options = kfp.Options

// Result is a compiled pipeline.
type Result struct {
	// KFP holds the PipelineSpec and PlatformSpec messages and documents.
	KFP *kfp.Result
	// YAML is the file `kfp pipeline upload` takes: KFP's header comment, the
	// PipelineSpec document and, when present, the PlatformSpec document.
	YAML []byte
}

// Builder is anything that builds a pipeline graph (a *dsl.Pipeline).
type Builder interface {
	Name() string
	Build() *ir.Pipeline
}

// Compile builds, validates and emits the pipeline. A definition error is
// returned as an ir.ErrorList (match it with errors.As) whose entries name
// the file:line of the offending DSL call.
func Compile(p Builder, opts Options) (*Result, error) {
	g := p.Build()
	if errs := ir.Validate(g); len(errs) > 0 {
		return nil, errs
	}
	res, err := kfp.Emit(g, opts)
	if err != nil {
		return nil, err
	}
	docs := []any{res.Doc}
	if res.PlatformDoc != nil {
		docs = append(docs, res.PlatformDoc)
	}
	b, err := yamlw.Marshal(kfp.Header(res.Doc), docs...)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", p.Name(), err)
	}
	return &Result{KFP: res, YAML: b}, nil
}
