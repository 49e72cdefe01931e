package dsl

import (
	"reflect"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// ParamValue is the set of Go types a KFP parameter can carry, with the IR
// type each maps to:
//
//	string (and named string types)          STRING
//	int, int64 (and named integer types)     NUMBER_INTEGER
//	float64                                  NUMBER_DOUBLE
//	bool                                     BOOLEAN
//	[]string, []int, []int64, []float64,
//	[]bool, []any, []map[string]any          LIST
//	map[string]any, map[string]string,
//	map[string]int, map[string]float64       STRUCT
//
// Any other type fails to compile (the constraint has no `any` in it), so a
// bad parameter type is a Go compile error.
type ParamValue interface {
	~string | ~int | ~int64 | ~float64 | ~bool |
		[]string | []int | []int64 | []float64 | []bool | []any | []map[string]any |
		map[string]any | map[string]string | map[string]int | map[string]float64
}

// paramTypeOf returns the IR parameter type of T.
func paramTypeOf[T ParamValue]() ir.ParamType {
	return paramTypeOfReflect(reflect.TypeFor[T]())
}

func paramTypeOfReflect(t reflect.Type) ir.ParamType {
	switch t.Kind() {
	case reflect.String:
		return ir.ParamString
	case reflect.Int, reflect.Int64, reflect.Int32:
		return ir.ParamInt
	case reflect.Float64, reflect.Float32:
		return ir.ParamDouble
	case reflect.Bool:
		return ir.ParamBool
	case reflect.Slice:
		return ir.ParamList
	case reflect.Map:
		return ir.ParamStruct
	}
	return ir.ParamNone
}

// Kind is an artifact kind: a zero-size marker type naming a KFP artifact
// schema (ArtifactTypeSchema.schema_title and schema_version). The kinds
// below are KFP's system types; a custom kind is any type implementing Kind,
// e.g. one returning ("google.VertexModel", "0.0.1").
type Kind interface {
	SchemaTitle() string
	SchemaVersion() string
}

// The KFP system artifact kinds (kfp.dsl.Artifact, Dataset, …), all at
// schema version 0.0.1.
type (
	// Generic is system.Artifact, KFP's generic artifact, which accepts and
	// is accepted by any other kind (see AsGeneric).
	Generic struct{}
	// Dataset is system.Dataset.
	Dataset struct{}
	// Model is system.Model.
	Model struct{}
	// Metrics is system.Metrics: scalar metrics in the artifact metadata.
	Metrics struct{}
	// ClassificationMetrics is system.ClassificationMetrics: confusion
	// matrix and ROC curve in the artifact metadata.
	ClassificationMetrics struct{}
	// SlicedClassificationMetrics is system.SlicedClassificationMetrics.
	SlicedClassificationMetrics struct{}
	// HTML is system.HTML: an HTML file the KFP UI renders.
	HTML struct{}
	// Markdown is system.Markdown: a Markdown file the KFP UI renders.
	Markdown struct{}
)

// SchemaTitle returns "system.Artifact".
func (Generic) SchemaTitle() string { return "system.Artifact" }

// SchemaTitle returns "system.Dataset".
func (Dataset) SchemaTitle() string { return "system.Dataset" }

// SchemaTitle returns "system.Model".
func (Model) SchemaTitle() string { return "system.Model" }

// SchemaTitle returns "system.Metrics".
func (Metrics) SchemaTitle() string { return "system.Metrics" }

// SchemaTitle returns "system.ClassificationMetrics".
func (ClassificationMetrics) SchemaTitle() string { return "system.ClassificationMetrics" }

// SchemaTitle returns "system.SlicedClassificationMetrics".
func (SlicedClassificationMetrics) SchemaTitle() string {
	return "system.SlicedClassificationMetrics"
}

// SchemaTitle returns "system.HTML".
func (HTML) SchemaTitle() string { return "system.HTML" }

// SchemaTitle returns "system.Markdown".
func (Markdown) SchemaTitle() string { return "system.Markdown" }

// SchemaVersion returns "0.0.1".
func (Generic) SchemaVersion() string { return "0.0.1" }

// SchemaVersion returns "0.0.1".
func (Dataset) SchemaVersion() string { return "0.0.1" }

// SchemaVersion returns "0.0.1".
func (Model) SchemaVersion() string { return "0.0.1" }

// SchemaVersion returns "0.0.1".
func (Metrics) SchemaVersion() string { return "0.0.1" }

// SchemaVersion returns "0.0.1".
func (ClassificationMetrics) SchemaVersion() string { return "0.0.1" }

// SchemaVersion returns "0.0.1".
func (SlicedClassificationMetrics) SchemaVersion() string { return "0.0.1" }

// SchemaVersion returns "0.0.1".
func (HTML) SchemaVersion() string { return "0.0.1" }

// SchemaVersion returns "0.0.1".
func (Markdown) SchemaVersion() string { return "0.0.1" }

func artifactTypeOf[K Kind]() *ir.ArtifactType {
	var k K
	return &ir.ArtifactType{SchemaTitle: k.SchemaTitle(), SchemaVersion: k.SchemaVersion()}
}
