//go:build images

package images_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/images"
	"github.com/kfpgo/kfpgo/sdk/local"
	"github.com/kfpgo/kfpgo/sdk/local/containertest"
)

// recordStatusYAML runs cartrain-steps' record-run-status, a Go-function
// component, on a constant PipelineTaskFinalStatus.
const recordStatusYAML = `components:
  comp-record-run-status:
    executorLabel: exec-record-run-status
    inputDefinitions:
      parameters:
        status: {parameterType: STRUCT}
    outputDefinitions:
      artifacts:
        report:
          artifactType: {schemaTitle: system.Markdown, schemaVersion: 0.0.1}
      parameters:
        state: {parameterType: STRING}
deploymentSpec:
  executors:
    exec-record-run-status:
      container:
        args: [--executor_input, '{{$}}', --function_to_execute, record-run-status]
        command: [/ko-app/cartrain-steps]
        image: ko://github.com/kfpgo/kfpgo/cmd/cartrain-steps
pipelineInfo:
  name: images-runtime-test
root:
  dag:
    tasks:
      record-run-status:
        componentRef: {name: comp-record-run-status}
        inputs:
          parameters:
            status:
              runtimeValue:
                constant:
                  state: FAILED
                  pipelineJobResourceName: run-42
                  pipelineTaskName: train
                  error: {code: 1, message: train failed}
        taskInfo: {name: record-run-status}
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`

// TestComponentImagesInRuntime builds every component image for this
// machine's platform into podman's local store (a private store, see
// containertest.Podman) and runs each: --help as the image's entrypoint,
// and a real executor call of cartrain-steps through the local runner.
func TestComponentImagesInRuntime(t *testing.T) {
	pm := containertest.Podman(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	root := moduleRoot(t)
	ko, err := images.EnsureKo(ctx, root+"/bin")
	require.NoError(t, err)
	comps, err := images.Discover(ctx, root, images.DiscoverOptions{IncludeCLI: true})
	require.NoError(t, err)
	start := time.Now()
	refs, err := images.BuildIntoRuntime(ctx, images.RuntimeOptions{Ko: ko, Dir: root, CLI: pm.CLI, Env: append(offlineEnv, images.VersionEnv+"="+testVersion)}, comps)
	require.NoError(t, err)
	t.Logf("ko build of %d images into podman's store: %s", len(comps), time.Since(start).Round(time.Second))

	for i, c := range comps {
		t.Run(c.Name+" --help", func(t *testing.T) {
			out, err := pm.Output(t, "run", "--rm", "--pull", "never", "--network", "none", refs[i], "--help")
			require.NoError(t, err, "%s --help in podman:\n%s", c.Name, out)
			assert.Contains(t, strings.ToLower(out), "usage", "%s --help prints usage", c.Name)
			user, err := pm.Output(t, "image", "inspect", "--format", "{{.Config.User}}", refs[i])
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("%d:%d", images.NonrootUID, images.NonrootUID), strings.TrimSpace(user))
		})
	}

	t.Run("executor call", func(t *testing.T) {
		p, err := local.Parse("record.yaml", []byte(recordStatusYAML))
		require.NoError(t, err)
		res, err := local.Run(ctx, p, local.Options{
			Runtime: local.RuntimePodman, Pull: local.PullNever, PipelineRoot: t.TempDir(), NoCache: true,
			ContainerImages: map[string]string{"ko://github.com/kfpgo/kfpgo/cmd/cartrain-steps": images.OfflineRepo + "/cartrain-steps:latest"},
		})
		require.NoError(t, err)
		task := res.Task("record-run-status")
		assert.Equal(t, "FAILED", task.Parameters["state"].GetStringValue())
		report, err := os.ReadFile(task.Artifacts["report"].GetArtifacts()[0].GetUri())
		require.NoError(t, err)
		assert.Contains(t, string(report), "# Run run-42")
		assert.Contains(t, string(report), "train failed")
	})
}
