//go:build images

// The image build test runs ko and cross-compiles every component for two
// platforms, so it is kept out of `go test ./...`; `make images-test` runs it
// with -tags images, and CI runs that target.

package images_test

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/sdk/images"
)

// maxCompressedBytes is the size target of one component image (all layers,
// compressed, base included): 20 MB. For scale, python:3.11-slim alone is
// about 50 MB compressed.
const maxCompressedBytes = 20_000_000

// testVersion is stamped into the binaries of the test build.
const testVersion = "v0.0.0-imagetest"

// offlineEnv keeps ko and the go command it runs off the network: any HTTP(S)
// request that is not to loopback goes to a proxy on a closed loopback port
// and fails at once, and VCS stamping is off so a commit made between the two
// builds cannot change the binaries.
var offlineEnv = []string{
	"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9",
	"https_proxy=http://127.0.0.1:9", "http_proxy=http://127.0.0.1:9",
	"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
	"GOFLAGS=-buildvcs=false",
}

// TestComponentImages builds every binary under cmd/ (components and the CLI)
// with ko into OCI layouts, from a generated base served on loopback, and
// checks each image; then resolves a KFP IR YAML with ko:// references.
func TestComponentImages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	root := moduleRoot(t)

	ko, err := images.EnsureKo(ctx, filepath.Join(root, "bin"))
	require.NoError(t, err)
	comps, err := images.Discover(ctx, root, images.DiscoverOptions{IncludeCLI: true})
	require.NoError(t, err)
	require.NotEmpty(t, comps)

	reg, err := images.StartRegistry()
	require.NoError(t, err)
	defer func() { assert.NoError(t, reg.Close()) }()
	base, err := images.NonrootBase(images.BaseOptions{})
	require.NoError(t, err)
	baseRef, err := reg.PushIndex(ctx, "base/static", base)
	require.NoError(t, err)

	var koLog bytes.Buffer
	opts := images.KoOptions{
		Ko: ko, Dir: root, BaseImage: baseRef.String(), Version: testVersion,
		Env: offlineEnv, Log: io.MultiWriter(&koLog, &progress{t: t}),
	}
	// ko v0.19.1 wants a lower-case layout path; t.TempDir has upper case.
	tmp, err := os.MkdirTemp("", "kfpgo-images-")
	require.NoError(t, err)
	defer os.RemoveAll(tmp)
	build := func(dir string) map[string]images.Image {
		t.Helper()
		o := opts
		o.OCILayoutPath = dir
		start := time.Now()
		_, err := images.Build(ctx, o, comps)
		require.NoError(t, err, "ko log:\n%s", koLog.String())
		t.Logf("ko build of %d images x %d platforms: %s", len(comps), len(images.DefaultPlatforms), time.Since(start).Round(time.Second))
		got, err := images.Inspect(dir)
		require.NoError(t, err)
		byName := map[string]images.Image{}
		for _, img := range got {
			byName[img.Name] = img
		}
		return byName
	}
	first := build(filepath.Join(tmp, "first"))
	require.Len(t, first, len(comps), "one image per binary")

	for _, c := range comps {
		t.Run(c.Name, func(t *testing.T) {
			img, ok := first[c.Name]
			require.True(t, ok, "no image with entrypoint %s/%s in the layout", images.KoAppDir, c.Name)
			var platforms []string
			for _, v := range img.Variants {
				platforms = append(platforms, v.Platform.String())
				cfg, err := v.Image.ConfigFile()
				require.NoError(t, err)
				assert.Equal(t, v.Platform.Architecture, cfg.Architecture, "config architecture of %s", v.Platform)
				assert.Equal(t, "linux", cfg.OS)
				assert.Equal(t, []string{images.KoAppDir + "/" + c.Name}, v.Entrypoint, "entrypoint on %s", v.Platform)
				assert.True(t, v.NonRoot(), "user %q on %s is root", v.User, v.Platform)
				assert.Equal(t, fmt.Sprintf("%d:%d", images.NonrootUID, images.NonrootUID), v.User)

				bin, err := images.ReadFile(v.Image, images.KoAppDir+"/"+c.Name)
				require.NoError(t, err)
				f, err := elf.NewFile(bytes.NewReader(bin))
				require.NoError(t, err, "the binary is an ELF file")
				wantMachine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[v.Platform.Architecture]
				assert.Equal(t, wantMachine, f.Machine, "binary machine on %s", v.Platform)
				if v.Platform.Architecture == "amd64" {
					runHelp(t, c.Name, bin)
				}
				t.Logf("%-22s %-12s compressed %6.2f MB (%d bytes)", c.Name, v.Platform, float64(v.CompressedSize)/1e6, v.CompressedSize)
			}
			sort.Strings(platforms)
			assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, platforms)
			if c.Name != images.CLIName {
				assert.LessOrEqual(t, img.MaxCompressedSize(), int64(maxCompressedBytes),
					"component image %s is over the 20 MB target", c.Name)
			}
		})
	}

	// Same inputs, same digests: a second build into a fresh layout.
	second := build(filepath.Join(tmp, "second"))
	for _, c := range comps {
		assert.Equal(t, first[c.Name].Digest, second[c.Name].Digest, "image digest of %s differs between two builds", c.Name)
	}

	t.Run("resolve", func(t *testing.T) {
		pipeline := filepath.Join(t.TempDir(), "pipeline.yaml")
		require.NoError(t, os.WriteFile(pipeline, irYAML(comps), 0o644))
		o := opts
		o.Push = true
		o.Repo = reg.Repo("kfpgo")
		out, err := images.Resolve(ctx, o, []string{pipeline})
		require.NoError(t, err, "ko log:\n%s", koLog.String())
		assert.NotContains(t, string(out), images.KoScheme, "every ko:// reference is replaced")

		var doc struct {
			DeploymentSpec struct {
				Executors map[string]struct {
					Container struct{ Image string }
				}
			} `json:"deploymentSpec"`
		}
		require.NoError(t, yaml.Unmarshal(out, &doc))
		require.Len(t, doc.DeploymentSpec.Executors, len(comps))
		for _, c := range comps {
			got := doc.DeploymentSpec.Executors["exec-"+c.Name].Container.Image
			want := fmt.Sprintf("%s/%s@%s", reg.Repo("kfpgo"), c.Name, first[c.Name].Digest)
			assert.Equal(t, want, got, "resolved image of %s: same inputs as the layout build, same digest", c.Name)
			ref, err := name.ParseReference(got)
			require.NoError(t, err)
			_, err = remote.Index(ref, remote.WithContext(ctx))
			assert.NoError(t, err, "%s was pushed to the loopback registry", got)
		}
	})

	// The compiled reference pipeline: every ko:// reference (executor
	// images and the trainer image parameter) is replaced by a pushed image
	// pinned by digest.
	t.Run("resolve-cartrain", func(t *testing.T) {
		golden, err := filepath.Abs(filepath.Join("..", "..", "testdata", "golden", "kfp", "cartrain.yaml"))
		require.NoError(t, err)
		o := opts
		o.Push = true
		o.Repo = reg.Repo("kfpgo")
		out, err := images.Resolve(ctx, o, []string{golden})
		require.NoError(t, err, "ko log:\n%s", koLog.String())
		// ko keeps comments as they are: KFP's header comment still names the
		// parameter's compiled default; every YAML value is resolved.
		for i, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			assert.NotContains(t, line, images.KoScheme, "line %d: every ko:// reference is replaced", i+1)
		}
		for _, bin := range []string{"prepare-data", "materialize-features", "distributed-train", "register-model", "cartrain-steps", "cartrainer"} {
			assert.Regexp(t, regexp.QuoteMeta(reg.Repo("kfpgo")+"/"+bin+"@sha256:"), string(out), "image of %s", bin)
		}
	})
}

// runHelp writes bin to a temporary file and runs it with --help.
func runHelp(t *testing.T, name string, bin []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, bin, 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "--help").CombinedOutput()
	// Exit 0 is the norm (cobra, and flag with ExitOnError); a flag set with
	// ContinueOnError that treats -help as a usage error exits 2 after
	// printing the usage, which still shows the binary runs here.
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == 2 && strings.Contains(strings.ToLower(string(out)), "usage") {
		t.Logf("%s --help printed its usage and exited 2; exit 0 is expected for a help request", name)
	} else {
		require.NoError(t, err, "%s --help:\n%s", name, out)
	}
	assert.Contains(t, strings.ToLower(string(out)), "usage", "%s --help prints usage", name)
	if name == images.CLIName {
		out, err := exec.CommandContext(ctx, p, "--version").CombinedOutput()
		require.NoError(t, err, "%s --version:\n%s", name, out)
		assert.Contains(t, string(out), testVersion, "main.version is stamped through .ko.yaml's ldflags")
	}
}

// irYAML returns a small KFP IR pipeline whose executors run each binary
// from its ko:// reference, in the layout `kfpgo compile` writes.
func irYAML(comps []images.Component) []byte {
	var b strings.Builder
	b.WriteString("# PIPELINE DEFINITION\n# Name: images-test\ncomponents:\n")
	for _, c := range comps {
		fmt.Fprintf(&b, "  comp-%s:\n    executorLabel: exec-%s\n", c.Name, c.Name)
	}
	b.WriteString("deploymentSpec:\n  executors:\n")
	for _, c := range comps {
		fmt.Fprintf(&b, "    exec-%s:\n      container:\n        args:\n        - --help\n        image: %s\n", c.Name, c.KoRef())
	}
	b.WriteString("pipelineInfo:\n  name: images-test\nroot:\n  dag:\n    tasks:\n")
	for _, c := range comps {
		fmt.Fprintf(&b, "      %s:\n        componentRef:\n          name: comp-%s\n        taskInfo:\n          name: %s\n", c.Name, c.Name, c.Name)
	}
	b.WriteString("schemaVersion: 2.1.0\nsdkVersion: kfpgo\n")
	return []byte(b.String())
}

// progress forwards ko's timestamped log lines (Building, Saving, …) to the
// test log as they come, so a slow cold cross-compile shows where it is.
type progress struct {
	t       *testing.T
	pending []byte
}

// Write implements io.Writer.
func (p *progress) Write(b []byte) (int, error) {
	p.pending = append(p.pending, b...)
	for {
		i := bytes.IndexByte(p.pending, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(p.pending[:i])
		p.pending = p.pending[i+1:]
		if strings.Contains(line, " Building ") || strings.Contains(line, " Saved ") || (strings.Contains(line, " Published ") && !strings.Contains(line, "SBOM")) {
			p.t.Log("ko:", line)
		}
	}
}
