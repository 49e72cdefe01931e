package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local/containertest"
)

// TestRunLocalAlpineInPodman runs `kfpgo run --local` of a pipeline whose
// step uses alpine:3.20, an image in podman's local store (made here from a
// scratch Containerfile with a static busybox: no registry), with the
// runtime picked by --runtime auto and pulls forbidden.
func TestRunLocalAlpineInPodman(t *testing.T) {
	pm := containertest.Podman(t)
	pm.Scratch(t, "docker.io/library/alpine:3.20", "")
	file := filepath.Join(t.TempDir(), "echo.yaml")
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(localEchoYAML, "image: alpine", "image: alpine:3.20", 1)), 0o644))
	root := t.TempDir()
	out, err := kfpgoCtx(context.Background(), "run", "--local", "--pull", "never", "--pipeline-root", root, "--param", "x=from a container", file)
	require.NoError(t, err, out)
	assert.Contains(t, out, "succeeded")
	logs, err := filepath.Glob(filepath.Join(root, "*", "tasks", "echo", "stdout.log"))
	require.NoError(t, err)
	require.Len(t, logs, 1)
	b, err := os.ReadFile(logs[0])
	require.NoError(t, err)
	assert.Equal(t, "from a container\n", string(b))
}

// TestRunLocalMissingRuntimeSaysHowToInstall runs with a PATH holding no
// container runtime.
func TestRunLocalMissingRuntimeSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := kfpgoCtx(context.Background(), "run", "--local", "--pipeline-root", t.TempDir(), echoPipeline(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "image alpine needs a container runtime: no usable container runtime (--runtime auto): podman is not installed; docker is not installed; install podman (Debian/Ubuntu: apt-get install podman runc catatonit")
	_, err = kfpgoCtx(context.Background(), "run", "--local", "--runtime", "docker", "--pipeline-root", t.TempDir(), echoPipeline(t))
	assert.ErrorContains(t, err, "no usable container runtime (--runtime docker): docker is not installed; install podman")
	_, err = kfpgoCtx(context.Background(), "run", "--local", "--runtime", "rkt", "--pipeline-root", t.TempDir(), echoPipeline(t))
	assert.ErrorContains(t, err, "--runtime rkt: want podman, docker or auto")
}
