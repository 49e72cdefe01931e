package images_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/images"
)

// moduleRoot returns the root of this module (two levels above sdk/images).
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

func TestNonrootBase(t *testing.T) {
	idx, err := images.NonrootBase(images.BaseOptions{})
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	require.Len(t, im.Manifests, 2)
	for i, want := range []string{"linux/amd64", "linux/arm64"} {
		d := im.Manifests[i]
		require.NotNil(t, d.Platform)
		assert.Equal(t, want, d.Platform.String())
		img, err := idx.Image(d.Digest)
		require.NoError(t, err)
		cfg, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, "65532:65532", cfg.Config.User)
		assert.Equal(t, d.Platform.Architecture, cfg.Architecture)
		assert.Equal(t, "linux", cfg.OS)
		passwd, err := images.ReadFile(img, "/etc/passwd")
		require.NoError(t, err)
		assert.Contains(t, string(passwd), "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
	}

	again, err := images.NonrootBase(images.BaseOptions{})
	require.NoError(t, err)
	d1, err := idx.Digest()
	require.NoError(t, err)
	d2, err := again.Digest()
	require.NoError(t, err)
	assert.Equal(t, d1, d2, "the generated base must be deterministic")

	withCA, err := images.NonrootBase(images.BaseOptions{Platforms: []string{"linux/arm64/v8"}, CACertificates: []byte("PEM\n")})
	require.NoError(t, err)
	img, err := withCA.Image(mustManifests(t, withCA)[0].Digest)
	require.NoError(t, err)
	ca, err := images.ReadFile(img, "etc/ssl/certs/ca-certificates.crt")
	require.NoError(t, err)
	assert.Equal(t, "PEM\n", string(ca))
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "v8", cfg.Variant)

	_, err = images.NonrootBase(images.BaseOptions{Platforms: []string{"linux/amd64/v3/x/y"}})
	assert.ErrorContains(t, err, `base platform "linux/amd64/v3/x/y"`)
}

func mustManifests(t *testing.T, idx v1.ImageIndex) []v1.Descriptor {
	t.Helper()
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	return im.Manifests
}

func TestReadFileMissingAndWhiteout(t *testing.T) {
	idx, err := images.NonrootBase(images.BaseOptions{Platforms: []string{"linux/amd64"}})
	require.NoError(t, err)
	img, err := idx.Image(mustManifests(t, idx)[0].Digest)
	require.NoError(t, err)

	_, err = images.ReadFile(img, "/ko-app/nothing")
	assert.ErrorIs(t, err, images.ErrNotInImage)
	_, err = images.ReadFile(img, "/tmp")
	assert.ErrorContains(t, err, "not a regular file")

	// A later layer deleting /etc/group hides it, as in a container runtime.
	img, err = mutate.AppendLayers(img, tarLayer(t, map[string]string{"etc/.wh.group": ""}))
	require.NoError(t, err)
	_, err = images.ReadFile(img, "/etc/group")
	assert.ErrorIs(t, err, images.ErrNotInImage)
}

// tarLayer builds an uncompressed-tar layer from name → content.
func tarLayer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, body := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := io.WriteString(tw, body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	require.NoError(t, err)
	return l
}

func TestRegistryServesPushedBase(t *testing.T) {
	ctx := context.Background()
	reg, err := images.StartRegistry()
	require.NoError(t, err)
	defer func() { require.NoError(t, reg.Close()) }()
	assert.True(t, strings.HasPrefix(reg.Host, "127.0.0.1:"), reg.Host)

	idx, err := images.NonrootBase(images.BaseOptions{})
	require.NoError(t, err)
	ref, err := reg.PushIndex(ctx, "base/static", idx)
	require.NoError(t, err)
	want, err := idx.Digest()
	require.NoError(t, err)
	assert.Equal(t, want.String(), ref.DigestStr())

	parsed, err := name.ParseReference(ref.String())
	require.NoError(t, err)
	assert.Equal(t, "http", parsed.Context().Scheme(), "loopback registries are plain HTTP")
	got, err := remote.Index(parsed, remote.WithContext(ctx))
	require.NoError(t, err)
	gotDigest, err := got.Digest()
	require.NoError(t, err)
	assert.Equal(t, want, gotDigest)

	_, err = reg.PushIndex(ctx, "Bad Repo", idx)
	assert.ErrorContains(t, err, `repository "Bad Repo"`)
}

func TestInspectLayout(t *testing.T) {
	base, err := images.NonrootBase(images.BaseOptions{})
	require.NoError(t, err)
	// Shape an index the way ko does: the base of each platform plus an
	// application layer, entrypoint /ko-app/<name>.
	app := mutate.IndexMediaType(empty.Index, mustMediaType(t, base))
	for _, d := range mustManifests(t, base) {
		img, err := base.Image(d.Digest)
		require.NoError(t, err)
		img, err = mutate.AppendLayers(img, tarLayer(t, map[string]string{"ko-app/hello": "#!binary " + d.Platform.Architecture}))
		require.NoError(t, err)
		cfg, err := img.ConfigFile()
		require.NoError(t, err)
		cfg = cfg.DeepCopy()
		cfg.Config.Entrypoint = []string{images.KoAppDir + "/hello"}
		img, err = mutate.ConfigFile(img, cfg)
		require.NoError(t, err)
		app = mutate.AppendManifests(app, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: d.Platform}})
	}
	dir := filepath.Join(t.TempDir(), "layout")
	lp, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, lp.AppendIndex(app))

	got, err := images.Inspect(dir)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "hello", got[0].Name)
	wantDigest, err := app.Digest()
	require.NoError(t, err)
	assert.Equal(t, wantDigest, got[0].Digest)
	require.Len(t, got[0].Variants, 2)
	for _, v := range got[0].Variants {
		assert.True(t, v.NonRoot())
		assert.Equal(t, []string{"/ko-app/hello"}, v.Entrypoint)
		m, err := v.Image.Manifest()
		require.NoError(t, err)
		require.Len(t, m.Layers, 2)
		assert.Equal(t, m.Layers[0].Size+m.Layers[1].Size, v.CompressedSize)
		body, err := images.ReadFile(v.Image, "/ko-app/hello")
		require.NoError(t, err)
		assert.Equal(t, "#!binary "+v.Platform.Architecture, string(body))
	}
	assert.Equal(t, max(got[0].Variants[0].CompressedSize, got[0].Variants[1].CompressedSize), got[0].MaxCompressedSize())

	_, err = images.Inspect(t.TempDir())
	assert.ErrorContains(t, err, "is not an OCI image layout")
}

func mustMediaType(t *testing.T, idx v1.ImageIndex) types.MediaType {
	t.Helper()
	mt, err := idx.MediaType()
	require.NoError(t, err)
	return mt
}

func TestNonRoot(t *testing.T) {
	for _, tc := range []struct {
		user string
		want bool
	}{
		{"", false},
		{"0", false},
		{"0:0", false},
		{"root", false},
		{"root:65532", false},
		{"65532:65532", true},
		{"65532", true},
		{"nonroot", true},
	} {
		t.Run(tc.user, func(t *testing.T) {
			assert.Equal(t, tc.want, images.Variant{User: tc.user}.NonRoot())
		})
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	write("go.mod", "module example.com/m\n\ngo 1.26\n")
	write("cmd/kfpgo/main.go", "package main\n\nfunc main() {}\n")
	write("cmd/zeta/main.go", "package main\n\nfunc main() {}\n")
	write("cmd/alpha/main.go", "package main\n\nfunc main() {}\n")
	write("cmd/alpha/internal/x/x.go", "package x\n")
	write("cmd/notmain/lib.go", "package notmain\n")

	ctx := context.Background()
	got, err := images.Discover(ctx, dir, images.DiscoverOptions{})
	require.NoError(t, err)
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"alpha", "zeta"}, names)
	assert.Equal(t, "example.com/m/cmd/alpha", got[0].ImportPath)
	assert.Equal(t, "ko://example.com/m/cmd/alpha", got[0].KoRef())
	assert.Equal(t, filepath.Join(dir, "cmd", "alpha"), got[0].Dir)

	withCLI, err := images.Discover(ctx, dir, images.DiscoverOptions{IncludeCLI: true})
	require.NoError(t, err)
	require.Len(t, withCLI, 3)
	assert.Equal(t, "kfpgo", withCLI[1].Name)

	write("cmd/broken/main.go", "package main\n\nfunc main() {}\n")
	write("cmd/broken/other.go", "package other\n")
	_, err = images.Discover(ctx, dir, images.DiscoverOptions{})
	assert.ErrorContains(t, err, "example.com/m/cmd/broken does not load")

	_, err = images.Discover(ctx, t.TempDir(), images.DiscoverOptions{})
	assert.ErrorContains(t, err, "the root of a Go module")
}

func TestDiscoverThisModule(t *testing.T) {
	got, err := images.Discover(context.Background(), moduleRoot(t), images.DiscoverOptions{IncludeCLI: true})
	require.NoError(t, err)
	var found bool
	for _, c := range got {
		found = found || c.ImportPath == "github.com/kfpgo/kfpgo/cmd/kfpgo"
	}
	assert.True(t, found, "cmd/kfpgo is listed with IncludeCLI: %v", got)
}

func TestKoYAMLMatchesDefaults(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), ".ko.yaml"))
	require.NoError(t, err)
	s := string(raw)
	assert.Contains(t, s, "defaultBaseImage: "+images.DefaultBaseImage+"\n")
	for _, p := range images.DefaultPlatforms {
		assert.Contains(t, s, "  - "+p+"\n")
	}
	assert.Contains(t, s, `-X main.version={{ or (index .Env "`+images.VersionEnv+`") "devel" }}`)
	_, err = name.NewDigest(images.DefaultBaseImage)
	assert.NoError(t, err, "the default base is pinned by digest")
}

func TestKoOptionsErrors(t *testing.T) {
	ctx := context.Background()
	t.Setenv("KO_DOCKER_REPO", "")
	comps := []images.Component{{Name: "x", ImportPath: "example.com/m/cmd/x"}}

	_, err := images.Build(ctx, images.KoOptions{}, comps)
	assert.ErrorContains(t, err, "no ko binary")
	_, err = images.Build(ctx, images.KoOptions{Ko: "/bin/true", Push: true}, comps)
	assert.ErrorContains(t, err, "set KO_DOCKER_REPO")
	_, err = images.Build(ctx, images.KoOptions{Ko: "/bin/true"}, nil)
	assert.ErrorContains(t, err, "no components")
	_, err = images.Resolve(ctx, images.KoOptions{Ko: "/bin/true"}, nil)
	assert.ErrorContains(t, err, "no YAML files")
	_, err = images.Build(ctx, images.KoOptions{Ko: "/bin/false"}, comps)
	assert.ErrorContains(t, err, "ko build")
	_, err = images.Build(ctx, images.KoOptions{Ko: "/bin/true", Dir: "/tmp", OCILayoutPath: "/tmp/Layout"}, comps)
	assert.ErrorContains(t, err, `OCI layout path "Layout"`)
	_, err = images.Build(ctx, images.KoOptions{Ko: "/bin/true", Tarball: "x.tar"}, comps)
	assert.ErrorContains(t, err, "single-platform images only")
}

// fakeKo writes a ko stand-in that records its arguments and environment and
// prints two references.
func fakeKo(t *testing.T) (ko, record string) {
	t.Helper()
	dir := t.TempDir()
	record = filepath.Join(dir, "record")
	ko = filepath.Join(dir, "ko")
	script := "#!/bin/sh\n" +
		"printf '%s\\n' \"$@\" > " + record + "\n" +
		"echo KO_DOCKER_REPO=$KO_DOCKER_REPO KO_DEFAULTBASEIMAGE=$KO_DEFAULTBASEIMAGE KFPGO_VERSION=$KFPGO_VERSION EXTRA=$EXTRA >> " + record + "\n" +
		"echo localhost/kfpgo/a@sha256:1; echo localhost/kfpgo/b@sha256:2\n"
	require.NoError(t, os.WriteFile(ko, []byte(script), 0o755))
	return ko, record
}

func TestBuildArguments(t *testing.T) {
	t.Setenv("KO_DOCKER_REPO", "")
	ko, record := fakeKo(t)
	comps := []images.Component{{Name: "a", ImportPath: "example.com/m/cmd/a"}, {Name: "b", ImportPath: "example.com/m/cmd/b"}}
	dir := t.TempDir()
	tarballRel, err := filepath.Rel(dir, "/out/images.tar")
	require.NoError(t, err)
	refs, err := images.Build(context.Background(), images.KoOptions{
		Ko: ko, Dir: dir, OCILayoutPath: filepath.Join(dir, "out", "layout"), Tarball: "/out/images.tar", Platforms: []string{"linux/amd64"},
		BaseImage: "127.0.0.1:5000/base@sha256:0", Version: "v1.2.3", Env: []string{"EXTRA=1"},
	}, comps)
	require.NoError(t, err)
	assert.Equal(t, []string{"localhost/kfpgo/a@sha256:1", "localhost/kfpgo/b@sha256:2"}, refs)
	got, err := os.ReadFile(record)
	require.NoError(t, err)
	assert.Equal(t, "build\n--base-import-paths\n--platform=linux/amd64\n--push=false\n"+
		"--oci-layout-path=out/layout\n--tarball="+tarballRel+"\nexample.com/m/cmd/a\nexample.com/m/cmd/b\n"+
		"KO_DOCKER_REPO=localhost/kfpgo KO_DEFAULTBASEIMAGE=127.0.0.1:5000/base@sha256:0 KFPGO_VERSION=v1.2.3 EXTRA=1\n", string(got))

	t.Setenv("KO_DOCKER_REPO", "ghcr.io/me/kfpgo")
	_, err = images.Resolve(context.Background(), images.KoOptions{
		Ko: ko, Push: true, Platforms: []string{"linux/arm64"}, Tags: []string{"v1"}, TagOnly: true,
	}, []string{"p.yaml", "q.yaml"})
	require.NoError(t, err)
	got, err = os.ReadFile(record)
	require.NoError(t, err)
	assert.Equal(t, "resolve\n--base-import-paths\n--platform=linux/arm64\n--push=true\n--tags=v1\n--tag-only\n"+
		"-f\np.yaml\n-f\nq.yaml\n"+
		"KO_DOCKER_REPO=ghcr.io/me/kfpgo KO_DEFAULTBASEIMAGE= KFPGO_VERSION= EXTRA=\n", string(got))
}
