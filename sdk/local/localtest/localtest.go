// Package localtest holds helpers for tests that run pipelines with the
// local runner (sdk/local).
package localtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// SampleParams gives every required root input of p (no default, not
// optional) a value of its type, as `--param` text: "1" for NUMBER_INTEGER
// and NUMBER_DOUBLE, "true" for BOOLEAN, `["a", "b"]` for LIST,
// `{"a": 1}` for STRUCT, "sample" for STRING; a required input artifact gets
// a file holding "sample" in a test temp dir (named after the input).
func SampleParams(t testing.TB, p *local.Pipeline) map[string]string {
	t.Helper()
	out := map[string]string{}
	defs := p.Spec.GetRoot().GetInputDefinitions()
	for n, d := range defs.GetParameters() {
		if d.GetDefaultValue() != nil || d.GetIsOptional() {
			continue
		}
		switch d.GetParameterType() {
		case pipelinespec.ParameterType_NUMBER_INTEGER, pipelinespec.ParameterType_NUMBER_DOUBLE:
			out[n] = "1"
		case pipelinespec.ParameterType_BOOLEAN:
			out[n] = "true"
		case pipelinespec.ParameterType_LIST:
			out[n] = `["a", "b"]`
		case pipelinespec.ParameterType_STRUCT:
			out[n] = `{"a": 1}`
		default:
			out[n] = "sample"
		}
	}
	for n, d := range defs.GetArtifacts() {
		if d.GetIsOptional() {
			continue
		}
		f := filepath.Join(t.TempDir(), n)
		if err := os.WriteFile(f, []byte("sample"), 0o644); err != nil {
			t.Fatalf("sample artifact %s: %v", n, err)
		}
		out[n] = f
	}
	return out
}
