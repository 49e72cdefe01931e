// Package images builds and inspects the container images of kfpgo's
// components: one small image per main package under cmd/ (except the kfpgo
// CLI), built with ko (github.com/google/ko, KoVersion) without a Docker
// daemon, for linux/amd64 and linux/arm64.
//
// ko runs as a binary, not a library: EnsureKo installs it into the
// project's ./bin with `go install`. The build settings live in .ko.yaml at
// the module root: the base image (DefaultBaseImage, distroless static
// nonroot, pinned by digest), CGO_ENABLED=0, -trimpath (ko's default),
// -ldflags "-s -w -X main.version=$KFPGO_VERSION" and the two platforms. Each
// image runs /ko-app/<binary> as uid 65532 and is named REPO/<binary>
// (ko --base-import-paths).
//
// # Pieces
//
//   - Discover lists the component binaries (go list ./cmd/...).
//   - Build and Resolve wrap `ko build` and `ko resolve -f` (KoOptions).
//   - NonrootBase generates a deterministic minimal base, and Registry serves
//     it from an in-memory registry on 127.0.0.1, for offline builds.
//   - Inspect reads an OCI layout: platforms, entrypoint, user and the
//     compressed size of each image; ReadFile extracts a file from an image.
//
// The `kfpgo images` verbs (list, build, inspect) and `make images` call them.
//
// # Building the images
//
//	make images
//
// builds every component image with ko (installed into ./bin on first use).
// With KO_DOCKER_REPO set it publishes them, as KO_DOCKER_REPO/<binary>
// (e.g. ghcr.io/you/kfpgo/cartrainer); without it, it writes an OCI image
// layout to out/images and prints each image's platforms and compressed size.
// The same with the CLI:
//
//	KO_DOCKER_REPO=ghcr.io/you/kfpgo kfpgo images build --tag v0.3.0
//	kfpgo images build --push=false --oci-layout-path out/images
//	kfpgo images build --push=false --tarball out/images.tar --platform linux/amd64  # docker load
//	kfpgo images list   # the binaries under cmd/ and their ko:// references
//
// KFPGO_VERSION (or --version) is stamped into each binary's main.version.
// The base image is the one .ko.yaml pins; KO_DEFAULTBASEIMAGE=REF (or
// --base-image) overrides it for one build, e.g. with a mirror.
//
// # Offline builds
//
// `--push=false --oci-layout-path DIR` (or `--tarball FILE`, one platform)
// publishes nothing. ko still has to fetch the base image once: on a machine
// without registry access, add --local-base, which builds from a generated
// nonroot static base (this machine's CA bundle, /etc/passwd with uid 65532)
// served on 127.0.0.1 for the duration of the build, or point
// KO_DEFAULTBASEIMAGE at a registry you can reach. `make images-test` builds
// every image this way, from a generated base, and checks them.
//
// # Images in compiled pipelines
//
// Compiled KFP IR refers to component images as ko://<import path>, e.g.
// ko://github.com/kfpgo/kfpgo/cmd/cartrainer. Two ways to turn that into
// real images before `kfp pipeline upload`:
//
//	KO_DOCKER_REPO=ghcr.io/you/kfpgo bin/ko resolve --base-import-paths -f pipeline.yaml > pipeline.resolved.yaml
//
// builds and pushes every referenced image and writes the YAML with each
// ko:// reference replaced by ghcr.io/you/kfpgo/<binary>@sha256:<digest>,
// pinned by digest. Or publish the images with `make images` first and
// compile with
//
//	kfpgo compile --image-repo ghcr.io/you/kfpgo --image-tag v0.3.0 ./pipelines/cartrain
//
// so component images are written as REPO/<binary>:TAG instead of ko://.
// The local runner runs ko:// components as local processes (go build), so
// neither step is needed to run a pipeline on this machine.
//
// # Sizes
//
// The compressed size of an image (all layers, base included; Variant's
// CompressedSize) is the download a node makes on a cold pull. The target is
// at most 20 MB per component; a distroless static base is about 2 MB and a Go
// component a few MB. For comparison, python:3.11-slim alone is about 50 MB
// compressed.
package images
