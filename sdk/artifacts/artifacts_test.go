package artifacts_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bound[K dsl.Kind](t *testing.T, path string) dsl.Artifact[K] {
	t.Helper()
	var a dsl.Artifact[K]
	require.NoError(t, dsl.SetRuntimeArtifacts(&a, []*dsl.RuntimeArtifact{{Name: "a", URI: "gs://b/a", Path: path}}))
	return a
}

func TestLogMetric(t *testing.T) {
	m := bound[dsl.Metrics](t, "")
	require.NoError(t, artifacts.LogMetric(m, "accuracy", 0.9))
	require.NoError(t, artifacts.LogMetric(m, "loss", 0.1))
	assert.Equal(t, map[string]any{"accuracy": 0.9, "loss": 0.1}, m.Metadata())
	assert.ErrorContains(t, artifacts.LogMetric(m, "bad", math.NaN()), `metric "bad" is NaN`)
	assert.ErrorContains(t, artifacts.LogMetric(m, "", 1), "metric name is empty")
	assert.ErrorIs(t, artifacts.LogMetric(dsl.Artifact[dsl.Metrics]{}, "x", 1), artifacts.ErrUnbound)
}

func TestClassificationMetricsLayout(t *testing.T) {
	a := bound[dsl.ClassificationMetrics](t, "")
	c := artifacts.ClassificationMetrics{
		Categories: []string{"a", "b"},
		Matrix:     [][]float64{{3, 1}, {0, 2}},
		ROC:        []artifacts.ROCPoint{{Threshold: 0.5, TruePositiveRate: 0.8, FalsePositiveRate: 0.1}},
	}
	require.NoError(t, artifacts.LogClassificationMetrics(a, c))
	assert.Equal(t, map[string]any{
		"confusionMatrix": map[string]any{
			"annotationSpecs": []any{map[string]any{"displayName": "a"}, map[string]any{"displayName": "b"}},
			"rows":            []any{map[string]any{"row": []any{3.0, 1.0}}, map[string]any{"row": []any{0.0, 2.0}}},
		},
		"confidenceMetrics": []any{map[string]any{"confidenceThreshold": 0.5, "recall": 0.8, "falsePositiveRate": 0.1}},
	}, a.Metadata())

	bad := []struct {
		name string
		c    artifacts.ClassificationMetrics
		want string
	}{
		{"rows", artifacts.ClassificationMetrics{Categories: []string{"a"}, Matrix: nil}, "0 rows for 1 categories"},
		{"cells", artifacts.ClassificationMetrics{Categories: []string{"a", "b"}, Matrix: [][]float64{{1}, {1, 2}}}, `row 0 ("a") has 1 cells`},
		{"dup", artifacts.ClassificationMetrics{Categories: []string{"a", "a"}, Matrix: [][]float64{{1, 1}, {1, 2}}}, `category "a" is listed twice`},
		{"negative", artifacts.ClassificationMetrics{Categories: []string{"a"}, Matrix: [][]float64{{-1}}}, "must be finite and non-negative"},
		{"roc", artifacts.ClassificationMetrics{ROC: []artifacts.ROCPoint{{Threshold: math.Inf(1)}}}, "non-finite"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, artifacts.LogClassificationMetrics(a, tt.c), tt.want)
		})
	}
}

func TestHelpers(t *testing.T) {
	pts, err := artifacts.ROCCurve([]float64{0, 1}, []float64{0.5, 1}, []float64{1, 0})
	require.NoError(t, err)
	assert.Equal(t, []artifacts.ROCPoint{{1, 0.5, 0}, {0, 1, 1}}, pts)
	_, err = artifacts.ROCCurve([]float64{0}, nil, nil)
	assert.ErrorContains(t, err, "fpr=1 tpr=0 threshold=0")

	m, err := artifacts.ConfusionMatrix([]string{"x", "y"}, []string{"x", "y", "y"}, []string{"y", "y", "x"})
	require.NoError(t, err)
	assert.Equal(t, [][]float64{{0, 1}, {1, 1}}, m)
	_, err = artifacts.ConfusionMatrix([]string{"x"}, []string{"z"}, []string{"x"})
	assert.ErrorContains(t, err, `label "z"/"x" outside the categories`)
}

func TestSlicedClassificationMetrics(t *testing.T) {
	a := bound[dsl.SlicedClassificationMetrics](t, "")
	one := artifacts.ClassificationMetrics{Categories: []string{"a"}, Matrix: [][]float64{{1}}}
	two := artifacts.ClassificationMetrics{ROC: []artifacts.ROCPoint{{0.5, 1, 0}}}
	require.NoError(t, artifacts.LogSlice(a, "eu", one))
	require.NoError(t, artifacts.LogSlice(a, "us", two))
	require.NoError(t, artifacts.LogSlice(a, "eu", two))
	assert.Equal(t, map[string]any{"evaluationSlices": []any{
		map[string]any{"slice": "eu", "sliceClassificationMetrics": map[string]any{
			"confidenceMetrics": []any{map[string]any{"confidenceThreshold": 0.5, "recall": 1.0, "falsePositiveRate": 0.0}}}},
		map[string]any{"slice": "us", "sliceClassificationMetrics": map[string]any{
			"confidenceMetrics": []any{map[string]any{"confidenceThreshold": 0.5, "recall": 1.0, "falsePositiveRate": 0.0}}}},
	}}, a.Metadata())
}

func TestHTMLAndMarkdown(t *testing.T) {
	dir := t.TempDir()
	h := bound[dsl.HTML](t, filepath.Join(dir, "sub", "page.html"))
	require.NoError(t, artifacts.WriteHTML(h, "<h1>hi</h1>"))
	b, err := os.ReadFile(filepath.Join(dir, "sub", "page.html"))
	require.NoError(t, err)
	assert.Equal(t, "<h1>hi</h1>", string(b))
	md := bound[dsl.Markdown](t, "")
	assert.ErrorContains(t, artifacts.WriteMarkdown(md, "x"), "has no local path")
	assert.ErrorIs(t, artifacts.WriteHTML(dsl.Artifact[dsl.HTML]{}, "x"), artifacts.ErrUnbound)
}
