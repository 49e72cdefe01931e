package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/images"
)

func init() { addCommand(newImagesCmd) }

// newImagesCmd builds `kfpgo images` and its verbs.
func newImagesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "images",
		Short: "Build, list and inspect the component container images (ko, no Docker daemon)",
		Long: `Each main package under cmd/ (except the kfpgo CLI) is a component binary and
becomes one small container image, built with ko (` + images.KoModule + `@` + images.KoVersion + `,
installed into <module>/bin on first use) from the base in .ko.yaml for
` + strings.Join(images.DefaultPlatforms, " and ") + `. Images are named REPO/<binary>.`,
	}
	cmd.AddCommand(newImagesListCmd(), newImagesBuildCmd(), newImagesInspectCmd())
	return cmd
}

// moduleRoot returns the root of the Go module containing the working
// directory, from `go env GOMOD`.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root with `go env GOMOD`: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the module whose cmd/ holds the components, or pass --root")
	}
	return filepath.Dir(gomod), nil
}

// rootFlag resolves --root, defaulting to the current module's root.
func rootFlag(ctx context.Context, root string) (string, error) {
	if root != "" {
		return root, nil
	}
	return moduleRoot(ctx)
}

func newImagesListCmd() *cobra.Command {
	var root string
	var withCLI bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the component binaries under cmd/ and their ko:// references",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			r, err := rootFlag(ctx, root)
			if err != nil {
				return err
			}
			comps, err := images.Discover(ctx, r, images.DiscoverOptions{IncludeCLI: withCLI})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tREFERENCE")
			for _, c := range comps {
				fmt.Fprintf(tw, "%s\t%s\n", c.Name, c.KoRef())
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&root, "root", "", "module root holding cmd/ and .ko.yaml (default: the current Go module)")
	cmd.Flags().BoolVar(&withCLI, "with-cli", false, "also list cmd/kfpgo, the CLI itself")
	return cmd
}

func newImagesBuildCmd() *cobra.Command {
	var (
		root, koBin string
		opts        images.KoOptions
		localBase   bool
		verbose     bool
	)
	cmd := &cobra.Command{
		Use:   "build [NAME...]",
		Short: "Build the component images with ko: push to KO_DOCKER_REPO, or write an OCI layout or tarball",
		Long: `Build the images of the named components (default: every component under cmd/).

  KO_DOCKER_REPO=ghcr.io/you/kfpgo kfpgo images build          # publish REPO/<binary>
  kfpgo images build --push=false --oci-layout-path out/images  # offline, OCI layout
  kfpgo images build --push=false --tarball out/images.tar --platform linux/amd64  # docker load
  kfpgo images build --push=false --oci-layout-path out/images --local-base

--local-base builds from a generated nonroot static base (with this machine's CA
bundle) served on 127.0.0.1, so no registry is contacted at all; the default base
is the distroless image pinned in .ko.yaml (override with KO_DEFAULTBASEIMAGE).`,
		RunE: func(cmd *cobra.Command, names []string) error {
			ctx := cmd.Context()
			r, err := rootFlag(ctx, root)
			if err != nil {
				return err
			}
			comps, err := images.Discover(ctx, r, images.DiscoverOptions{IncludeCLI: true})
			if err != nil {
				return err
			}
			if comps, err = selectComponents(comps, names); err != nil {
				return err
			}
			if opts.Push && opts.Repo == "" && os.Getenv("KO_DOCKER_REPO") == "" {
				return errors.New("nowhere to push: set KO_DOCKER_REPO (or --repo) to publish, or build offline with --push=false --oci-layout-path DIR or --tarball FILE")
			}
			opts.Dir = r
			if opts.Ko = koBin; opts.Ko == "" {
				slog.InfoContext(ctx, "ensuring ko (the first use runs go install, a minute or more)", "version", images.KoVersion, "bin", filepath.Join(r, "bin"))
				start := time.Now()
				if opts.Ko, err = images.EnsureKo(ctx, filepath.Join(r, "bin")); err != nil {
					return err
				}
				slog.InfoContext(ctx, "ko ready", "path", opts.Ko, "took", time.Since(start).Round(100*time.Millisecond))
			}
			if _, err := os.Stat(filepath.Join(r, ".ko.yaml")); err != nil && opts.BaseImage == "" && os.Getenv("KO_DEFAULTBASEIMAGE") == "" {
				opts.BaseImage = images.DefaultBaseImage // a user's module without .ko.yaml
			}
			if localBase {
				stop, err := serveLocalBase(ctx, &opts)
				if err != nil {
					return err
				}
				defer stop()
			}
			if verbose {
				opts.Log = cmd.ErrOrStderr()
			} else {
				// ko's own progress lines (which image, which platform,
				// each layer written or pushed), with the elapsed time.
				opts.Log = &koProgress{w: cmd.ErrOrStderr(), start: time.Now()}
			}
			refs, err := images.Build(ctx, opts, comps)
			if err != nil {
				return err
			}
			for _, ref := range refs {
				fmt.Fprintln(cmd.OutOrStdout(), ref)
			}
			if opts.OCILayoutPath != "" {
				return printLayout(cmd.ErrOrStderr(), opts.OCILayoutPath)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&root, "root", "", "module root holding cmd/ and .ko.yaml (default: the current Go module)")
	f.StringVar(&koBin, "ko", "", "ko `binary` to use (default: <root>/bin/ko, installed there with go install when missing)")
	f.BoolVar(&opts.Push, "push", true, "publish the images to KO_DOCKER_REPO")
	f.StringVar(&opts.Repo, "repo", "", "repository to publish under (default: $KO_DOCKER_REPO)")
	f.StringVar(&opts.OCILayoutPath, "oci-layout-path", "", "also write the images into this OCI image layout `directory` (lower-case path)")
	f.StringVar(&opts.Tarball, "tarball", "", "also write the images into this docker load tarball `file` (needs a single --platform)")
	f.StringSliceVar(&opts.Platforms, "platform", nil, "platforms to build (default: "+strings.Join(images.DefaultPlatforms, ",")+")")
	f.StringSliceVarP(&opts.Tags, "tag", "t", nil, "tags to push (default: latest)")
	f.StringVar(&opts.BaseImage, "base-image", "", "base image reference (default: .ko.yaml's defaultBaseImage or $KO_DEFAULTBASEIMAGE)")
	f.StringVar(&opts.Version, "version", "", "version stamped into main.version (default: $"+images.VersionEnv+", else devel)")
	f.BoolVar(&localBase, "local-base", false, "build from a generated nonroot static base served on 127.0.0.1 (fully offline)")
	f.BoolVarP(&verbose, "verbose", "v", false, "show ko's progress log")
	return cmd
}

// selectComponents keeps the named components, in the order given; no names
// keeps the components without the CLI.
func selectComponents(all []images.Component, names []string) ([]images.Component, error) {
	if len(names) == 0 {
		var out []images.Component
		for _, c := range all {
			if c.Name != images.CLIName {
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("no component binaries under cmd/ yet (only the CLI): name kfpgo explicitly to build its image")
		}
		return out, nil
	}
	byName := map[string]images.Component{}
	var known []string
	for _, c := range all {
		byName[c.Name] = c
		known = append(known, c.Name)
	}
	var out []images.Component
	for _, n := range names {
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("no main package cmd/%s; known: %s", n, strings.Join(known, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

// serveLocalBase starts a loopback registry holding a generated base and
// points opts at it; the returned function stops the registry.
func serveLocalBase(ctx context.Context, opts *images.KoOptions) (func(), error) {
	ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		slog.WarnContext(ctx, "no CA bundle on this machine; the local base has none, so HTTPS calls from the images will fail", "error", err)
	}
	base, err := images.NonrootBase(images.BaseOptions{Platforms: opts.Platforms, CACertificates: ca})
	if err != nil {
		return nil, err
	}
	reg, err := images.StartRegistry()
	if err != nil {
		return nil, err
	}
	ref, err := reg.PushIndex(ctx, "base/static", base)
	if err != nil {
		_ = reg.Close()
		return nil, err
	}
	opts.BaseImage = ref.String()
	return func() { _ = reg.Close() }, nil
}

func newImagesInspectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect LAYOUT_DIR",
		Short: "Show the images of an OCI layout: platforms, entrypoint, user, compressed size",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return printLayout(cmd.OutOrStdout(), args[0])
		},
	}
}

// printLayout writes one line per image and platform of the layout at dir.
func printLayout(w io.Writer, dir string) error {
	imgs, err := images.Inspect(dir)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPLATFORM\tCOMPRESSED\tUSER\tENTRYPOINT\tDIGEST")
	for _, img := range imgs {
		for _, v := range img.Variants {
			fmt.Fprintf(tw, "%s\t%s\t%.2f MB\t%s\t%s\t%s\n", img.Name, v.Platform.String(),
				float64(v.CompressedSize)/1e6, v.User, strings.Join(v.Entrypoint, " "), img.Digest)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// koProgress passes on the lines of ko's log that tell progress — an image
// starting to build for a platform, a layer or image written, pushed or
// published — prefixed with the seconds since the build started.
type koProgress struct {
	w     io.Writer
	start time.Time
	buf   []byte
}

// koProgressWords select ko's progress lines (ko v0.19 log wording).
var koProgressWords = []string{"Building ", "Publishing ", "Published ", "pushed ", "existing ", "Loading ", "Loaded ", "Adding ", "writing ", "Wrote "}

func (k *koProgress) Write(b []byte) (int, error) {
	k.buf = append(k.buf, b...)
	for {
		i := bytes.IndexByte(k.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(k.buf[:i])
		k.buf = k.buf[i+1:]
		for _, w := range koProgressWords {
			if strings.Contains(line, w) {
				// ko prefixes its own date and time; keep the message.
				if j := strings.Index(line, w); j > 0 {
					line = line[j:]
				}
				fmt.Fprintf(k.w, "%6.1fs  %s\n", time.Since(k.start).Seconds(), line)
				break
			}
		}
	}
}
