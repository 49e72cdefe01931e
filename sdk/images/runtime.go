package images

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// LocalBase starts a loopback Registry holding the generated nonroot base
// (NonrootBase with this machine's CA bundle, /etc/ssl/certs/ca-certificates.crt,
// when it has one) for platforms and returns its reference by digest, the
// value of KoOptions.BaseImage, and a function that stops the registry. A
// build from it contacts no registry but this one. Errors: no free loopback
// port, or a platform NonrootBase refuses.
func LocalBase(ctx context.Context, platforms []string) (string, func(), error) {
	ca, _ := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	base, err := NonrootBase(BaseOptions{Platforms: platforms, CACertificates: ca})
	if err != nil {
		return "", nil, err
	}
	reg, err := StartRegistry()
	if err != nil {
		return "", nil, err
	}
	ref, err := reg.PushIndex(ctx, "base/static", base)
	if err != nil {
		_ = reg.Close()
		return "", nil, err
	}
	return ref.String(), func() { _ = reg.Close() }, nil
}

// RuntimeOptions configures BuildIntoRuntime.
type RuntimeOptions struct {
	// Ko is the ko binary. Required: see EnsureKo.
	Ko string
	// Dir is the module root, as in KoOptions. Optional: defaults to the
	// current directory.
	Dir string
	// CLI is the container runtime's command, podman or docker (a name or a
	// path). Required.
	CLI string
	// Platform is the one platform built ("linux/amd64"). Optional:
	// defaults to linux/<GOARCH of this binary>.
	Platform string
	// BaseImage is the base image. Optional: defaults to the generated
	// nonroot base served on loopback (LocalBase), so nothing is fetched.
	BaseImage string
	// Env is added to ko's environment (KoOptions.Env). Optional.
	Env []string
}

// BuildIntoRuntime builds the components with ko for one platform into a
// `docker load` tarball and loads it into the container runtime's local
// store (`<cli> load -i`), so that the runtime runs them with --pull never.
// It returns, per component in order, the local reference it was loaded
// under: OfflineRepo/<name>:latest (ko's --base-import-paths naming).
//
// Errors: those of Build (ko), and a failed `<cli> load` (its output
// included), e.g. when the runtime does not start.
func BuildIntoRuntime(ctx context.Context, opts RuntimeOptions, comps []Component) ([]string, error) {
	if opts.CLI == "" {
		return nil, errors.New("images: no container runtime to load the images into (RuntimeOptions.CLI)")
	}
	if len(comps) == 0 {
		return nil, errors.New("images: no components to build")
	}
	platform := opts.Platform
	if platform == "" {
		platform = "linux/" + runtime.GOARCH
	}
	base := opts.BaseImage
	if base == "" {
		ref, stop, err := LocalBase(ctx, []string{platform})
		if err != nil {
			return nil, err
		}
		defer stop()
		base = ref
	}
	tmp, err := os.MkdirTemp("", "kfpgo-images-")
	if err != nil {
		return nil, fmt.Errorf("images: temporary folder for the tarball: %w", err)
	}
	defer os.RemoveAll(tmp)
	tarball := filepath.Join(tmp, "images.tar")
	_, err = Build(ctx, KoOptions{
		Ko: opts.Ko, Dir: opts.Dir, Repo: OfflineRepo, Tarball: tarball,
		Platforms: []string{platform}, BaseImage: base, Env: opts.Env,
	}, comps)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.CLI, "load", "-i", tarball)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("images: %s load -i %s: %w: %s", filepath.Base(opts.CLI), tarball, err, strings.TrimSpace(out.String()))
	}
	refs := make([]string, len(comps))
	for i, c := range comps {
		refs[i] = OfflineRepo + "/" + c.Name + ":latest"
	}
	return refs, nil
}

// CopyFromImage copies the file src of a local image of the container
// runtime (e.g. a ko image's binary, /ko-app/<name>) to dst on this
// machine, with `<cli> create`, `<cli> cp` and `<cli> rm`: nothing runs in
// the image and nothing is pulled. Errors: the image is not in the store,
// src is not in it, or dst cannot be written (the runtime's message
// included).
func CopyFromImage(ctx context.Context, cli, image, src, dst string) error {
	name := filepath.Base(cli)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, cli, "create", "--pull", "never", image)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("images: %s create %s (to copy %s out of it): %w: %s", name, image, src, err, strings.TrimSpace(out.String()))
	}
	lines := strings.Fields(out.String())
	if len(lines) == 0 {
		return fmt.Errorf("images: %s create %s printed no container id", name, image)
	}
	id := lines[len(lines)-1]
	defer func() { _ = exec.Command(cli, "rm", "--force", id).Run() }()
	if b, err := exec.CommandContext(ctx, cli, "cp", id+":"+src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("images: %s cp %s:%s %s: %w: %s", name, image, src, dst, err, strings.TrimSpace(string(b)))
	}
	return nil
}
