package images

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// NonrootUID is the user and group id of the "nonroot" account, the value
// distroless images use (GoogleContainerTools/distroless, base/base.bzl), and
// the user every component image runs as.
const NonrootUID = 65532

// BaseOptions configures NonrootBase.
type BaseOptions struct {
	// Platforms lists the platforms of the index, as "os/arch[/variant]".
	// Optional: defaults to DefaultPlatforms.
	Platforms []string
	// CACertificates is a PEM bundle written to
	// /etc/ssl/certs/ca-certificates.crt (the path Go's crypto/x509 reads
	// first on Linux), for components that call HTTPS services.
	// Optional: defaults to no bundle.
	CACertificates []byte
}

// epoch is the modification time of every file in the generated base, so the
// same options always give the same layer bytes and digests.
var epoch = time.Unix(0, 0).UTC()

// baseFile is one entry of the base layer.
type baseFile struct {
	name string
	mode int64
	uid  int
	dir  bool
	body string
}

// baseFiles lists the entries of the base layer: the account databases with
// root, nobody and nonroot (uid/gid 65532, home /home/nonroot), the home
// directories and a world-writable /tmp, as a distroless static image has.
func baseFiles(caCerts []byte) []baseFile {
	files := []baseFile{
		{name: "etc", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, body: "root:x:0:0:root:/root:/sbin/nologin\n" +
			"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
			fmt.Sprintf("nonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", NonrootUID, NonrootUID)},
		{name: "etc/group", mode: 0o644, body: "root:x:0:\nnobody:x:65534:\n" +
			fmt.Sprintf("nonroot:x:%d:\n", NonrootUID)},
		{name: "home", mode: 0o755, dir: true},
		{name: "home/nonroot", mode: 0o700, uid: NonrootUID, dir: true},
		{name: "root", mode: 0o700, dir: true},
		{name: "tmp", mode: 0o1777, dir: true},
	}
	if len(caCerts) > 0 {
		files = append(files,
			baseFile{name: "etc/ssl", mode: 0o755, dir: true},
			baseFile{name: "etc/ssl/certs", mode: 0o755, dir: true},
			baseFile{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: string(caCerts)},
		)
	}
	return files
}

// baseLayerTar returns the uncompressed tar stream of the base layer.
func baseLayerTar(caCerts []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range baseFiles(caCerts) {
		h := &tar.Header{
			Name:    f.name,
			Mode:    f.mode,
			Uid:     f.uid,
			Gid:     f.uid,
			ModTime: epoch,
			Format:  tar.FormatPAX,
		}
		if f.dir {
			h.Typeflag = tar.TypeDir
			h.Name = path.Clean(f.name) + "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("images: writing base layer entry %s: %w", f.name, err)
		}
		if _, err := io.WriteString(tw, f.body); err != nil {
			return nil, fmt.Errorf("images: writing base layer entry %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("images: closing base layer: %w", err)
	}
	return buf.Bytes(), nil
}

// NonrootBase builds a minimal static base image index for Go binaries built
// with CGO_ENABLED=0: one layer holding /etc/passwd and /etc/group with the
// nonroot account, /home/nonroot, /root, /tmp and optionally a CA bundle;
// config User "65532:65532", WorkingDir /home/nonroot and a PATH, like
// gcr.io/distroless/static-debian12:nonroot (without its tzdata and licences).
// It is meant for offline builds and tests: the result is deterministic (all
// times are the Unix epoch), so the same options give the same digest.
//
// Errors: an unparsable platform string, or a failure to assemble the image.
func NonrootBase(opts BaseOptions) (v1.ImageIndex, error) {
	platforms := opts.Platforms
	if len(platforms) == 0 {
		platforms = DefaultPlatforms
	}
	raw, err := baseLayerTar(opts.CACertificates)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("images: building base layer: %w", err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, s := range platforms {
		p, err := v1.ParsePlatform(s)
		if err != nil {
			return nil, fmt.Errorf("images: base platform %q: %w (use os/arch[/variant], e.g. linux/arm64)", s, err)
		}
		img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
		img, err = mutate.AppendLayers(img, layer)
		if err != nil {
			return nil, fmt.Errorf("images: base for %s: %w", s, err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("images: base config for %s: %w", s, err)
		}
		cfg = cfg.DeepCopy()
		cfg.OS, cfg.Architecture, cfg.Variant, cfg.OSVersion = p.OS, p.Architecture, p.Variant, p.OSVersion
		cfg.Created = v1.Time{Time: epoch}
		cfg.Config.User = fmt.Sprintf("%d:%d", NonrootUID, NonrootUID)
		cfg.Config.WorkingDir = "/home/nonroot"
		cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
		cfg.History = nil
		img, err = mutate.ConfigFile(img, cfg)
		if err != nil {
			return nil, fmt.Errorf("images: base config for %s: %w", s, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: p},
		})
	}
	return idx, nil
}
