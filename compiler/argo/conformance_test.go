package argo_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/compiler/conformance"
)

// unsupported lists the ported pipelines the Argo target refuses, with the
// error it must give.
var unsupported = map[string]string{
	// Argo has no aggregation of the artifacts of a fan-out.
	"kfp-ir/artifacts_simple.yaml":                                  "Argo does not aggregate the artifacts of a fan-out",
	"kfp-ir/local_execution/pipeline_with_collected_artifacts.yaml": "Argo does not aggregate the artifacts of a fan-out",
	"kfp-ir/artifacts_complex.yaml":                                 "Argo does not aggregate the artifacts of a fan-out",
	// An Argo artifact location must be known when compiling.
	"kfp-ir/pipeline_with_importer.yaml": "takes its URI from a parameter",
	"kfp-ir/critical/modelcar.yaml":      "takes its URI from a parameter",
	// The per-run workspace volume is created by the KFP backend.
	"kfp-ir/critical/pipeline_with_workspace.yaml":          "workspace",
	"kfp-ir/critical/pipeline_with_importer_workspace.yaml": "workspace",
	// An Argo container's extended resource name must be known when compiling.
	"kfp-ir/pipeline_with_string_machine_fields_task_output.yaml": "accelerator type from a parameter",
}

// TestConformanceLint compiles every ported KFP conformance pipeline to an
// Argo Workflow and checks it with Argo's validate in lint mode.
func TestConformanceLint(t *testing.T) {
	names := make([]string, 0, len(conformance.Cases))
	for n := range conformance.Cases {
		names = append(names, n)
	}
	sort.Strings(names)
	passed, broken := 0, 0
	for _, n := range names {
		c := conformance.Cases[n]
		t.Run(n, func(t *testing.T) {
			res, err := argo.Compile(c.Pipeline, argo.Options{DisableCaching: c.Options.DisableCaching})
			if _, kerr := compiler.Compile(c.Pipeline, c.Options); kerr != nil {
				// The port itself does not compile (for KFP either): Argo
				// must refuse it with the same definition errors.
				require.Error(t, err)
				require.Equal(t, kerr.Error(), err.Error())
				broken++
				return
			}
			if want, ok := unsupported[n]; ok {
				require.ErrorContains(t, err, want)
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, res.YAML)
			passed++
		})
	}
	fmt.Printf("argo: %d of %d conformance pipelines compile and pass Argo lint (%d refused as unsupported, %d ports that fail for KFP too)\n",
		passed, len(names), len(unsupported), broken)
	require.Equal(t, len(names)-len(unsupported)-broken, passed)
}
