package compiler_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type imageIn struct {
	Image dsl.Param[string] `kfp:"image" default:"ko://example.com/m/cmd/trainer"`
}

var goStep = dsl.NewComponent("go-step", func(context.Context, imageIn) (none, error) { return none{}, nil },
	dsl.Image("ko://example.com/m/cmd/step"))

var imagePipeline = dsl.NewPipeline("image-refs", func(b *dsl.Builder, in imageIn) none {
	goStep.Task(b, in)
	return none{}
})

// TestImageRepoRewritesEveryKoReference: with --image-repo, executor images
// and image-valued parameter defaults both become REPO/<binary>:TAG.
func TestImageRepoRewritesEveryKoReference(t *testing.T) {
	kept, err := compiler.Compile(imagePipeline, compiler.Options{})
	require.NoError(t, err)
	assert.Contains(t, string(kept.YAML), "image: ko://example.com/m/cmd/step")
	assert.Contains(t, string(kept.YAML), "defaultValue: ko://example.com/m/cmd/trainer")

	res, err := compiler.Compile(imagePipeline, compiler.Options{ImageRepo: "ghcr.io/acme", ImageTag: "v2"})
	require.NoError(t, err)
	y := string(res.YAML)
	assert.NotContains(t, y, "ko://")
	assert.Contains(t, y, "image: ghcr.io/acme/step:v2")
	assert.Contains(t, y, "defaultValue: ghcr.io/acme/trainer:v2")
	assert.Contains(t, y, "- /ko-app/step", "ko images keep ko's binary path as command")
}
