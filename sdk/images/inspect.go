package images

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// KoAppDir is where ko puts the binary in the image; the entrypoint of a
// component image is KoAppDir/<name>.
const KoAppDir = "/ko-app"

// Image is one image (usually a multi-platform index) found in an OCI
// layout.
type Image struct {
	// Name is the component name, the base name of the entrypoint.
	Name string
	// Digest is the digest of the index (or of the manifest for a
	// single-platform image), the one `ko build` prints.
	Digest v1.Hash
	// Variants holds one entry per platform, in index order.
	Variants []Variant
}

// Variant is the image of one platform.
type Variant struct {
	// Platform is the platform from the index, or from the config for a
	// single-platform image.
	Platform v1.Platform
	// Digest is the manifest digest.
	Digest v1.Hash
	// Entrypoint and User come from the image config.
	Entrypoint []string
	User       string
	// CompressedSize is the sum of the compressed sizes of all layers, base
	// layers included, in bytes: what a node downloads on a cold pull, less
	// the few kilobytes of manifest and config.
	CompressedSize int64
	// Image gives access to the config and layers.
	Image v1.Image
}

// MaxCompressedSize returns the largest CompressedSize over the variants, in
// bytes.
func (i Image) MaxCompressedSize() int64 {
	var m int64
	for _, v := range i.Variants {
		m = max(m, v.CompressedSize)
	}
	return m
}

// NonRoot reports whether the config's User names a non-root user: not empty
// (which means root), and a uid (before any ':') that is not 0 or "root".
// A user name other than root counts as non-root, as Kubernetes'
// runAsNonRoot cannot check names either.
func (v Variant) NonRoot() bool {
	u, _, _ := strings.Cut(v.User, ":")
	if u == "" || u == "root" {
		return false
	}
	if n, err := strconv.Atoi(u); err == nil {
		return n != 0
	}
	return true
}

// Inspect reads every image of the OCI image layout at dir (as written by
// `ko build --oci-layout-path`): for each entry of index.json, its platforms,
// entrypoint, user and compressed size. The Name is taken from the entrypoint,
// which must be the same on every platform.
//
// Errors: dir is not an OCI layout, a blob is missing or corrupt, an entry is
// neither an index nor an image, or the platforms of one index disagree on the
// entrypoint.
func Inspect(dir string) ([]Image, error) {
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("images: %s is not an OCI image layout: %w (build one with --oci-layout-path)", dir, err)
	}
	root, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("images: reading %s/index.json: %w", dir, err)
	}
	im, err := root.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("images: reading %s/index.json: %w", dir, err)
	}
	var out []Image
	for _, d := range im.Manifests {
		img := Image{Digest: d.Digest}
		switch {
		case d.MediaType.IsIndex():
			idx, err := root.ImageIndex(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("images: index %s in %s: %w", d.Digest, dir, err)
			}
			children, err := idx.IndexManifest()
			if err != nil {
				return nil, fmt.Errorf("images: index %s in %s: %w", d.Digest, dir, err)
			}
			for _, c := range children.Manifests {
				if !c.MediaType.IsImage() {
					continue // attestations or other artifacts
				}
				child, err := idx.Image(c.Digest)
				if err != nil {
					return nil, fmt.Errorf("images: image %s of index %s in %s: %w", c.Digest, d.Digest, dir, err)
				}
				v, err := variant(child, c.Platform)
				if err != nil {
					return nil, fmt.Errorf("images: image %s of index %s in %s: %w", c.Digest, d.Digest, dir, err)
				}
				img.Variants = append(img.Variants, v)
			}
		case d.MediaType.IsImage():
			child, err := root.Image(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("images: image %s in %s: %w", d.Digest, dir, err)
			}
			v, err := variant(child, d.Platform)
			if err != nil {
				return nil, fmt.Errorf("images: image %s in %s: %w", d.Digest, dir, err)
			}
			img.Variants = append(img.Variants, v)
		default:
			return nil, fmt.Errorf("images: entry %s in %s has media type %s, neither an index nor an image", d.Digest, dir, d.MediaType)
		}
		for i, v := range img.Variants {
			if len(v.Entrypoint) == 0 {
				return nil, fmt.Errorf("images: image %s in %s (%s) has no entrypoint", d.Digest, dir, v.Platform)
			}
			name := path.Base(v.Entrypoint[0])
			if i == 0 {
				img.Name = name
			} else if name != img.Name {
				return nil, fmt.Errorf("images: index %s in %s runs %s on %s but %s on %s",
					d.Digest, dir, v.Entrypoint[0], v.Platform, img.Variants[0].Entrypoint[0], img.Variants[0].Platform)
			}
		}
		out = append(out, img)
	}
	return out, nil
}

// variant reads one platform image; p is the platform from the index, if any.
func variant(img v1.Image, p *v1.Platform) (Variant, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return Variant{}, fmt.Errorf("reading config: %w", err)
	}
	m, err := img.Manifest()
	if err != nil {
		return Variant{}, fmt.Errorf("reading manifest: %w", err)
	}
	dig, err := img.Digest()
	if err != nil {
		return Variant{}, fmt.Errorf("digest: %w", err)
	}
	v := Variant{Digest: dig, Entrypoint: cfg.Config.Entrypoint, User: cfg.Config.User, Image: img}
	if p != nil {
		v.Platform = *p
	} else if cp := cfg.Platform(); cp != nil {
		v.Platform = *cp
	}
	for _, l := range m.Layers {
		v.CompressedSize += l.Size
	}
	return v, nil
}

// ErrNotInImage is returned (wrapped) by ReadFile when no layer has the file.
var ErrNotInImage = errors.New("file not in image")

// ReadFile returns the content of the regular file at name (absolute, such as
// /ko-app/cartrainer) in the image's flattened filesystem, following the
// layers' whiteouts as a container runtime does.
//
// Errors: a layer cannot be read, or ErrNotInImage (match with errors.Is).
func ReadFile(img v1.Image, name string) ([]byte, error) {
	want := strings.TrimPrefix(path.Clean("/"+name), "/")
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("images: %s: %w", name, ErrNotInImage)
		}
		if err != nil {
			return nil, fmt.Errorf("images: reading layers for %s: %w", name, err)
		}
		if strings.TrimPrefix(path.Clean("/"+h.Name), "/") != want {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("images: %s is not a regular file in the image (tar type %q)", name, h.Typeflag)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("images: reading %s from the image: %w", name, err)
		}
		return b, nil
	}
}
