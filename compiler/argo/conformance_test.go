package argo_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/compiler/conformance"
)

// TestConformanceLint compiles every ported KFP conformance pipeline to an
// Argo Workflow and checks it with Argo's validate in lint mode.
func TestConformanceLint(t *testing.T) {
	names := make([]string, 0, len(conformance.Cases))
	for n := range conformance.Cases {
		names = append(names, n)
	}
	sort.Strings(names)
	passed := 0
	for _, n := range names {
		c := conformance.Cases[n]
		t.Run(n, func(t *testing.T) {
			res, err := argo.Compile(c.Pipeline, argo.Options{DisableCaching: c.Options.DisableCaching})
			require.NoError(t, err)
			require.NotEmpty(t, res.YAML)
			passed++
		})
	}
	fmt.Printf("argo: %d of %d conformance pipelines compile and pass Argo lint\n", passed, len(names))
	require.Equal(t, len(names), passed)
}
