package images

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Ko is pinned here and installed as a binary, never imported: as a library
// it would pull newer k8s.io modules than the ones this module pins.
const (
	// KoModule is the module path `go install` takes for ko.
	KoModule = "github.com/google/ko"
	// KoVersion is the ko release the build is tested with.
	KoVersion = "v0.19.1"
)

// DefaultBaseImage is the base of every component image unless
// KO_DEFAULTBASEIMAGE or BuildOptions.BaseImage says otherwise: distroless
// static Debian 12, tag nonroot (uid 65532, CA certificates, tzdata, no shell),
// pinned by the digest of its multi-arch index. .ko.yaml holds the same value.
// To move it: `crane digest gcr.io/distroless/static-debian12:nonroot`.
const DefaultBaseImage = "gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab"

// DefaultPlatforms are the platforms every image is built for, in ko's
// --platform syntax.
var DefaultPlatforms = []string{"linux/amd64", "linux/arm64"}

// OfflineRepo names images when nothing is pushed and no repository is given
// (it only appears in tarball tags): a registry on localhost, so a loaded
// tarball can never be mistaken for a published image.
const OfflineRepo = "localhost/kfpgo"

// VersionEnv is the environment variable .ko.yaml stamps into main.version
// with -ldflags -X; unset, binaries report "devel".
const VersionEnv = "KFPGO_VERSION"

// EnsureKo returns the path of binDir/ko, installing ko KoVersion there with
// `go install` (GOBIN=binDir) when it is missing or reports another version.
// The binary is built in a temporary directory under binDir and renamed into
// place, so an interrupted install leaves no half-written binary. The first
// install downloads ko's modules through the Go module proxy; later calls
// cost one `ko version`.
//
// Errors: binDir cannot be created, or `go install` fails (the message carries
// go's output).
func EnsureKo(ctx context.Context, binDir string) (string, error) {
	absBin, err := filepath.Abs(binDir)
	if err != nil {
		return "", fmt.Errorf("images: ko bin directory %s: %w", binDir, err)
	}
	ko := filepath.Join(absBin, "ko")
	if out, err := exec.CommandContext(ctx, ko, "version").Output(); err == nil &&
		strings.TrimSpace(string(out)) == KoVersion {
		return ko, nil
	}
	if err := os.MkdirAll(absBin, 0o755); err != nil {
		return "", fmt.Errorf("images: creating %s for ko: %w", absBin, err)
	}
	tmp, err := os.MkdirTemp(absBin, ".ko-install-")
	if err != nil {
		return "", fmt.Errorf("images: creating a temporary directory in %s: %w", absBin, err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "install", KoModule+"@"+KoVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp)
	cmd.Dir = tmp // outside any module, so the project's go.mod is not consulted
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("images: go install %s@%s: %w: %s (check that the Go module proxy is reachable)",
			KoModule, KoVersion, err, bytes.TrimSpace(out))
	}
	if err := os.Rename(filepath.Join(tmp, "ko"), ko); err != nil {
		return "", fmt.Errorf("images: moving ko into %s: %w", absBin, err)
	}
	return ko, nil
}

// KoOptions configures Build and Resolve. Images are named with ko's
// --base-import-paths: REPO/<binary name>, e.g. REPO/cartrainer, the same
// names `kfpgo compile --image-repo REPO` writes.
type KoOptions struct {
	// Ko is the ko binary. Required: see EnsureKo.
	Ko string
	// Dir is the module root: ko runs there and reads .ko.yaml from it.
	// Optional: defaults to the current directory.
	Dir string
	// Repo is KO_DOCKER_REPO, the repository images are pushed under.
	// Optional: defaults to $KO_DOCKER_REPO; required when Push is set;
	// without Push it defaults to OfflineRepo.
	Repo string
	// Push publishes the images to Repo (ko --push).
	Push bool
	// OCILayoutPath, when set, also writes every image index into this OCI
	// image layout directory (ko --oci-layout-path); a layout that exists is
	// appended to. Relative to the current directory; ko v0.19.1 accepts only
	// lower-case letters, digits and _-./ in it (as seen from Dir).
	OCILayoutPath string
	// Tarball, when set, also writes the images into this `docker load`
	// tarball (ko --tarball). Relative to the current directory; needs
	// exactly one platform, as ko cannot put an index in a tarball.
	Tarball string
	// Platforms lists "os/arch[/variant]" platforms. Optional: defaults to
	// DefaultPlatforms.
	Platforms []string
	// Tags are the tags pushed with each image. Optional: defaults to ko's
	// "latest".
	Tags []string
	// TagOnly writes references as REPO/<name>:TAG without the digest
	// (ko --tag-only; needs exactly one of Tags). Optional: defaults to
	// references by digest.
	TagOnly bool
	// BaseImage overrides the base image (KO_DEFAULTBASEIMAGE). Optional:
	// defaults to .ko.yaml's defaultBaseImage, DefaultBaseImage.
	BaseImage string
	// Version is stamped into each binary's main.version (VersionEnv).
	// Optional: defaults to $KFPGO_VERSION, else "devel".
	Version string
	// Env is added to ko's environment after everything else (so it wins),
	// as KEY=VALUE. Optional.
	Env []string
	// Log receives ko's progress output (its stderr). Optional: defaults to
	// discarding it; the tail is kept for error messages either way.
	Log io.Writer
}

// layoutPathRE is what ko v0.19.1 accepts as an OCI layout path: it turns
// the path into an image reference, so only reference characters pass
// (ko-build/ko pull request 1217).
var layoutPathRE = regexp.MustCompile(`^[a-z0-9_./-]+$`)

// koPath rewrites p, relative to the caller's working directory, as a path
// relative to o.Dir, where ko runs.
func (o KoOptions) koPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("images: path %s: %w", p, err)
	}
	dir, err := filepath.Abs(cmp.Or(o.Dir, "."))
	if err != nil {
		return "", fmt.Errorf("images: module root %s: %w", o.Dir, err)
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return abs, nil
	}
	return rel, nil
}

// args returns the ko flags shared by build and resolve.
func (o KoOptions) args() ([]string, error) {
	platforms := o.Platforms
	if len(platforms) == 0 {
		platforms = DefaultPlatforms
	}
	args := []string{
		"--base-import-paths",
		"--platform=" + strings.Join(platforms, ","),
		fmt.Sprintf("--push=%t", o.Push),
	}
	if o.OCILayoutPath != "" {
		p, err := o.koPath(o.OCILayoutPath)
		if err != nil {
			return nil, err
		}
		if !layoutPathRE.MatchString(p) {
			return nil, fmt.Errorf("images: OCI layout path %q (as seen from %s): ko %s accepts only lower-case letters, digits and _-./ there; choose another directory",
				p, cmp.Or(o.Dir, "."), KoVersion)
		}
		args = append(args, "--oci-layout-path="+p)
	}
	if o.Tarball != "" {
		if len(platforms) != 1 {
			return nil, fmt.Errorf("images: ko %s writes tarballs of single-platform images only, and %d platforms are selected (%s): pick one, e.g. --platform linux/amd64",
				KoVersion, len(platforms), strings.Join(platforms, ","))
		}
		p, err := o.koPath(o.Tarball)
		if err != nil {
			return nil, err
		}
		args = append(args, "--tarball="+p)
	}
	if len(o.Tags) > 0 {
		args = append(args, "--tags="+strings.Join(o.Tags, ","))
	}
	if o.TagOnly {
		args = append(args, "--tag-only")
	}
	return args, nil
}

// env returns ko's environment.
func (o KoOptions) env() []string {
	env := os.Environ()
	repo := o.Repo
	if repo == "" {
		repo = os.Getenv("KO_DOCKER_REPO")
	}
	if repo == "" && !o.Push {
		repo = OfflineRepo
	}
	env = append(env, "KO_DOCKER_REPO="+repo)
	if o.BaseImage != "" {
		env = append(env, "KO_DEFAULTBASEIMAGE="+o.BaseImage)
	}
	if o.Version != "" {
		env = append(env, VersionEnv+"="+o.Version)
	}
	return append(env, o.Env...)
}

// check validates the options before ko runs.
func (o KoOptions) check() error {
	if o.Ko == "" {
		return errors.New("images: no ko binary given (call EnsureKo, or set KoOptions.Ko)")
	}
	if o.Push && o.Repo == "" && os.Getenv("KO_DOCKER_REPO") == "" {
		return errors.New("images: pushing needs a repository: set KO_DOCKER_REPO (e.g. ghcr.io/you/kfpgo), " +
			"or build offline with Push off and an OCI layout path or a tarball")
	}
	return nil
}

// run runs ko with args and returns its stdout.
func (o KoOptions) run(ctx context.Context, args []string) ([]byte, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, o.Ko, args...)
	cmd.Dir = o.Dir
	cmd.Env = o.env()
	var stdout bytes.Buffer
	tail := &tailBuffer{max: 4096}
	cmd.Stdout = &stdout
	if o.Log != nil {
		cmd.Stderr = io.MultiWriter(tail, o.Log)
	} else {
		cmd.Stderr = tail
	}
	if err := cmd.Run(); err != nil {
		hint := ""
		if strings.Contains(tail.String(), "fetching base image") {
			hint = "\nThe base image could not be fetched: with no access to its registry, build from a generated base " +
				"(kfpgo images build --local-base) or point KO_DEFAULTBASEIMAGE at a registry you can reach."
		}
		return nil, fmt.Errorf("images: ko %s: %w\n%s%s", args[0], err, tail.String(), hint)
	}
	return stdout.Bytes(), nil
}

// Build runs `ko build` for the components and returns the references ko
// prints, one per component in order: REPO/<name>@sha256:… when pushing, a
// layout or repository reference by digest otherwise. Every image is an index
// over opts.Platforms.
//
// Errors: invalid options (no ko, push without a repository), no components,
// or ko failing (the message ends with the tail of ko's log: a compile error,
// an unreachable base image, a refused push).
func Build(ctx context.Context, opts KoOptions, comps []Component) ([]string, error) {
	if len(comps) == 0 {
		return nil, errors.New("images: no components to build (are there main packages under cmd/?)")
	}
	flags, err := opts.args()
	if err != nil {
		return nil, err
	}
	args := append([]string{"build"}, flags...)
	for _, c := range comps {
		args = append(args, c.ImportPath)
	}
	out, err := opts.run(ctx, args)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}

// Resolve runs `ko resolve -f` over YAML files (a compiled KFP pipeline, for
// example), building every `ko://<import path>` reference they contain, and
// returns the YAML with each reference replaced by the built image
// (REPO/<name>@sha256:…, or REPO/<name>:TAG with TagOnly).
// Files are not modified. Push publishes the images; without it the digests
// are computed but nothing is uploaded.
//
// Errors: invalid options, no files, or ko failing (as for Build; a ko://
// path that is not a main package of the module fails here).
func Resolve(ctx context.Context, opts KoOptions, files []string) ([]byte, error) {
	if len(files) == 0 {
		return nil, errors.New("images: no YAML files to resolve")
	}
	flags, err := opts.args()
	if err != nil {
		return nil, err
	}
	args := append([]string{"resolve"}, flags...)
	for _, f := range files {
		args = append(args, "-f", f)
	}
	return opts.run(ctx, args)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

// Write implements io.Writer.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

// String returns the kept bytes.
func (t *tailBuffer) String() string { return string(t.buf) }
