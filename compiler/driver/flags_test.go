package driver_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/driver"
	_ "github.com/kfpgo/kfpgo/compiler/driver/argotarget"
)

func TestRunRefusesFlagsThatDoNotApply(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"schedule with kfp", []string{"--schedule", "0 * * * *"}, "--schedule applies to --target argo only"},
		{"kind with kfp", []string{"--kind", "cronworkflow"}, "--kind applies to --target argo only"},
		{"timezone with kfp", []string{"--timezone", "Europe/Paris"}, "--timezone applies to --target argo only"},
		{"image tag alone", []string{"--image-tag", "v1"}, "--image-tag v1 needs --image-repo"},
		{"image tag alone on argo", []string{"--target", "argo", "--image-tag", "v1"}, "--image-tag v1 needs --image-repo"},
		{"timezone without schedule", []string{"--target", "argo", "--timezone", "Europe/Paris"}, "--timezone Europe/Paris needs --schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			dir := t.TempDir()
			err := driver.Run(append([]string{"--pipeline", "drv-ok", "-o", dir}, tt.args...), &out, &errb)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			files, _ := os.ReadDir(dir)
			assert.Empty(t, files, "nothing written")
		})
	}
	var out, errb bytes.Buffer
	require.NoError(t, driver.Run([]string{"--pipeline", "drv-ok", "-o", t.TempDir(), "--image-repo", "ghcr.io/me", "--image-tag", "v1"}, &out, &errb))
	require.NoError(t, driver.Run([]string{"--pipeline", "drv-ok", "-o", t.TempDir(), "--target", "argo", "--kind", "cronworkflow", "--schedule", "0 * * * *", "--timezone", "Europe/Paris"}, &out, &errb))
}

func TestRunNamesTheOutputNotTheTempFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	target := filepath.Join(dir, "x.yaml")
	if f, err := os.Create(filepath.Join(dir, "probe")); err == nil {
		// Running as root: permissions do not stop writes, use /proc instead.
		f.Close()
		target = "/proc/x.yaml"
	}
	var out, errb bytes.Buffer
	err := driver.Run([]string{"--pipeline", "drv-ok", "-o", target}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot write "+target+": directory "+filepath.Dir(target)+" cannot be written")
	assert.NotContains(t, err.Error(), ".kfpgo-")
}
