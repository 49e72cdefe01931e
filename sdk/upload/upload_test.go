package upload_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/componentyaml"
	"github.com/kfpgo/kfpgo/sdk/local"
	"github.com/kfpgo/kfpgo/sdk/upload"
)

// bigFile is a sparse file one byte over KFP's limit: refused from its
// size, so the test neither writes nor reads 32 MiB.
func bigFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "pipeline.yaml")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(upload.MaxFileBytes+1))
	require.NoError(t, f.Close())
	return p
}

func TestLoadersRefuseOverUploadLimit(t *testing.T) {
	p := bigFile(t)
	_, err := upload.ReadFile(p)
	var tl *upload.TooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, int64(upload.MaxFileBytes+1), tl.Size)
	assert.Contains(t, err.Error(), "32.0 MiB")
	assert.Contains(t, err.Error(), "over 32 MiB")

	_, err = local.LoadFile(p)
	assert.True(t, errors.As(err, &tl), "run --local: %v", err)
	_, err = componentyaml.LoadFile(p)
	assert.True(t, errors.As(err, &tl), "component loader: %v", err)
	_, err = componentyaml.LoadFromPipelineFile(p, "x")
	assert.True(t, errors.As(err, &tl), "component from pipeline: %v", err)

	data := make([]byte, upload.MaxFileBytes+1)
	_, err = local.Parse("mem.yaml", data)
	assert.True(t, errors.As(err, &tl), "%v", err)
	_, err = componentyaml.Load("mem.yaml", data)
	assert.True(t, errors.As(err, &tl), "%v", err)

	// At the limit is fine for the reader.
	ok := filepath.Join(t.TempDir(), "ok.yaml")
	require.NoError(t, os.WriteFile(ok, []byte("a: 1\n"), 0o644))
	b, err := upload.ReadFile(ok)
	require.NoError(t, err)
	assert.Equal(t, "a: 1\n", string(b))
}

func TestReadFilePipe(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	go func() {
		buf := make([]byte, 1<<20)
		for range 33 {
			if _, err := w.Write(buf); err != nil {
				break
			}
		}
		w.Close()
	}()
	defer r.Close()
	_, err = upload.ReadFile("/dev/fd/" + itoa(int(r.Fd())))
	var tl *upload.TooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, int64(-1), tl.Size)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
