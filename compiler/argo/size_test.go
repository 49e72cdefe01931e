package argo_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type sizeIn struct {
	Shard dsl.Param[string] `kfp:"shard"`
}

var sizeComp = dsl.NewContainerComponent("shard", func(in sizeIn, _ struct{}) dsl.Container {
	return dsl.Container{Image: "busybox", Command: []any{"echo", in.Shard}}
})

// TestSizeWarning: a literal fan-out large enough to push the Workflow
// over SizeWarnBytes compiles with a warning.
func TestSizeWarning(t *testing.T) {
	items := make([]string, 12000)
	for i := range items {
		items[i] = fmt.Sprintf("s3://bucket/shards/%06d/%s", i, strings.Repeat("x", 80))
	}
	p := dsl.NewPipeline("big-fan-out", func(b *dsl.Builder, _ struct{}) struct{} {
		dsl.ParallelForItems(b, items, func(b *dsl.Builder, it dsl.Param[string]) {
			sizeComp.Task(b, sizeIn{Shard: it})
		}, dsl.Parallelism(50))
		return struct{}{}
	})
	res, err := argo.Compile(p, argo.Options{})
	require.NoError(t, err)
	require.Greater(t, res.Size, argo.SizeWarnBytes)
	require.Len(t, res.Warnings, 1)
	require.Contains(t, res.Warnings[0], "above 1048576")
}
