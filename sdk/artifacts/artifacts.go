// Package artifacts writes the artifacts that the Kubeflow Pipelines UI
// renders, from inside a Go-function component: scalar Metrics,
// ClassificationMetrics (confusion matrix, ROC curve),
// SlicedClassificationMetrics, HTML and Markdown.
//
// The metadata layouts are those of KFP's Python SDK
// (sdk/python/kfp/dsl/types/artifact_types.py), which the UI reads from the
// artifact's metadata in ML Metadata:
//
//	system.Metrics                 {"<name>": <number>, …}
//	system.ClassificationMetrics   {"confusionMatrix": {"annotationSpecs": [{"displayName": c}…],
//	                                                     "rows": [{"row": [n…]}…]},
//	                                "confidenceMetrics": [{"confidenceThreshold": t,
//	                                                       "recall": tpr,
//	                                                       "falsePositiveRate": fpr}…]}
//	system.SlicedClassificationMetrics
//	                               {"evaluationSlices": [{"slice": s,
//	                                                      "sliceClassificationMetrics": {…as above…}}…]}
//
// HTML and Markdown artifacts are files at the artifact's path, which the UI
// shows as a visualization.
//
// All functions work on the run-time handles of a component's Out struct (see
// dsl.Outputs) and return an error, never panic, on bad shapes or unbound
// handles.
package artifacts

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// ErrUnbound is returned when an artifact handle carries no run-time
// artifact: the function was called outside the executor, or the handle is
// not one of the task's outputs (use dsl.Outputs(ctx) to get bound ones).
var ErrUnbound = errors.New("artifact handle is not bound to a run-time artifact: take it from dsl.Outputs(ctx)")

// LogMetric sets scalar metric name to value in a Metrics artifact
// (KFP's Metrics.log_metric). NaN and ±Inf are rejected: JSON cannot carry
// them and the UI could not show them.
func LogMetric(m dsl.Artifact[dsl.Metrics], name string, value float64) error {
	if m.Runtime() == nil {
		return ErrUnbound
	}
	if name == "" {
		return errors.New("metric name is empty: give the metric a name such as \"accuracy\"")
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return fmt.Errorf("metric %q is %v: metrics must be finite numbers", name, value)
	}
	m.SetMetadata(name, value)
	return nil
}

// ROCPoint is one point of an ROC curve: the classification threshold, the
// true positive rate (recall) and the false positive rate, each in [0, 1]
// (thresholds may exceed 1 for score-based classifiers, as sklearn's do).
type ROCPoint struct {
	Threshold         float64
	TruePositiveRate  float64
	FalsePositiveRate float64
}

// ClassificationMetrics accumulates a confusion matrix and an ROC curve in
// KFP's layout; write it into an artifact with LogClassificationMetrics or
// into a slice with LogSlice.
type ClassificationMetrics struct {
	// Categories are the class labels, in matrix order.
	Categories []string
	// Matrix[i][j] counts items of actual class Categories[i] predicted as
	// Categories[j]; empty when no confusion matrix is logged.
	Matrix [][]float64
	// ROC is the ROC curve, in the order given.
	ROC []ROCPoint
}

// metadata validates c and returns its KFP metadata map.
func (c ClassificationMetrics) metadata() (map[string]any, error) {
	md := map[string]any{}
	if len(c.Categories) > 0 || len(c.Matrix) > 0 {
		if len(c.Matrix) != len(c.Categories) {
			return nil, fmt.Errorf("confusion matrix has %d rows for %d categories: give one row per category", len(c.Matrix), len(c.Categories))
		}
		seen := map[string]bool{}
		specs := make([]any, 0, len(c.Categories))
		for _, cat := range c.Categories {
			if seen[cat] {
				return nil, fmt.Errorf("category %q is listed twice: give each class one label", cat)
			}
			seen[cat] = true
			specs = append(specs, map[string]any{"displayName": cat})
		}
		rows := make([]any, 0, len(c.Matrix))
		for i, r := range c.Matrix {
			if len(r) != len(c.Categories) {
				return nil, fmt.Errorf("confusion matrix row %d (%q) has %d cells for %d categories", i, c.Categories[i], len(r), len(c.Categories))
			}
			cells := make([]any, len(r))
			for j, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					return nil, fmt.Errorf("confusion matrix cell [%d][%d] is %v: counts must be finite and non-negative", i, j, v)
				}
				cells[j] = v
			}
			rows = append(rows, map[string]any{"row": cells})
		}
		md["confusionMatrix"] = map[string]any{"annotationSpecs": specs, "rows": rows}
	}
	if len(c.ROC) > 0 {
		pts := make([]any, 0, len(c.ROC))
		for i, p := range c.ROC {
			for _, v := range []float64{p.Threshold, p.TruePositiveRate, p.FalsePositiveRate} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("ROC point %d has a non-finite value %v", i, v)
				}
			}
			pts = append(pts, map[string]any{
				"confidenceThreshold": p.Threshold,
				"recall":              p.TruePositiveRate,
				"falsePositiveRate":   p.FalsePositiveRate,
			})
		}
		md["confidenceMetrics"] = pts
	}
	return md, nil
}

// ROCCurve zips KFP's three ROC lists (log_roc_curve's fpr, tpr,
// threshold) into points; it returns an error when their lengths differ.
func ROCCurve(fpr, tpr, threshold []float64) ([]ROCPoint, error) {
	if len(fpr) != len(tpr) || len(fpr) != len(threshold) {
		return nil, fmt.Errorf("ROC lists have lengths fpr=%d tpr=%d threshold=%d: they must be equal", len(fpr), len(tpr), len(threshold))
	}
	pts := make([]ROCPoint, len(fpr))
	for i := range fpr {
		pts[i] = ROCPoint{Threshold: threshold[i], TruePositiveRate: tpr[i], FalsePositiveRate: fpr[i]}
	}
	return pts, nil
}

// ConfusionMatrix counts (actual, predicted) label pairs into a matrix over
// categories. It returns an error for a label outside categories or for
// actual and predicted of different lengths.
func ConfusionMatrix(categories, actual, predicted []string) ([][]float64, error) {
	if len(actual) != len(predicted) {
		return nil, fmt.Errorf("%d actual labels for %d predictions: give one of each per item", len(actual), len(predicted))
	}
	m := make([][]float64, len(categories))
	for i := range m {
		m[i] = make([]float64, len(categories))
	}
	for k := range actual {
		i, j := slices.Index(categories, actual[k]), slices.Index(categories, predicted[k])
		if i < 0 || j < 0 {
			return nil, fmt.Errorf("item %d has label %q/%q outside the categories %v", k, actual[k], predicted[k], categories)
		}
		m[i][j]++
	}
	return m, nil
}

// LogClassificationMetrics writes c into a ClassificationMetrics artifact,
// replacing its confusionMatrix and confidenceMetrics keys (other metadata
// is kept). Errors: ErrUnbound, or a shape error naming the bad row/point.
func LogClassificationMetrics(a dsl.Artifact[dsl.ClassificationMetrics], c ClassificationMetrics) error {
	if a.Runtime() == nil {
		return ErrUnbound
	}
	md, err := c.metadata()
	if err != nil {
		return err
	}
	for k, v := range md {
		a.SetMetadata(k, v)
	}
	return nil
}

// LogSlice writes c as the metrics of slice (e.g. "region=EU") into a
// SlicedClassificationMetrics artifact, replacing an earlier entry of the
// same slice and keeping the others in first-logged order.
func LogSlice(a dsl.Artifact[dsl.SlicedClassificationMetrics], slice string, c ClassificationMetrics) error {
	if a.Runtime() == nil {
		return ErrUnbound
	}
	md, err := c.metadata()
	if err != nil {
		return fmt.Errorf("slice %q: %w", slice, err)
	}
	entry := map[string]any{"slice": slice, "sliceClassificationMetrics": md}
	slices_, _ := a.Metadata()["evaluationSlices"].([]any)
	for i, s := range slices_ {
		if m, ok := s.(map[string]any); ok && m["slice"] == slice {
			slices_[i] = entry
			a.SetMetadata("evaluationSlices", slices_)
			return nil
		}
	}
	a.SetMetadata("evaluationSlices", append(slices_, entry))
	return nil
}

// WriteHTML writes html as the HTML artifact's file (its local path),
// creating parent directories. The KFP UI renders it in the run's
// Visualizations tab.
func WriteHTML(a dsl.Artifact[dsl.HTML], html string) error {
	return writeFile(a.Runtime(), html)
}

// WriteMarkdown writes md as the Markdown artifact's file, which the KFP UI
// renders.
func WriteMarkdown(a dsl.Artifact[dsl.Markdown], md string) error {
	return writeFile(a.Runtime(), md)
}

func writeFile(rt *dsl.RuntimeArtifact, text string) error {
	if rt == nil {
		return ErrUnbound
	}
	if rt.Path == "" {
		return fmt.Errorf("artifact %q has no local path (URI %q): KFP maps gs://, s3:// and minio:// URIs to paths", rt.Name, rt.URI)
	}
	if err := os.MkdirAll(filepath.Dir(rt.Path), 0o755); err != nil {
		return fmt.Errorf("artifact %q: %w", rt.Name, err)
	}
	if err := os.WriteFile(rt.Path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("artifact %q: %w", rt.Name, err)
	}
	return nil
}
