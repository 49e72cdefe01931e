package images

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is an in-memory OCI distribution registry
// (go-containerregistry's pkg/registry) listening on 127.0.0.1 only. It serves
// a generated base image to ko, and receives what `ko build`/`ko resolve`
// push, without any network beyond loopback. Its content is lost on Close.
type Registry struct {
	// Host is "127.0.0.1:PORT", the registry part of image references.
	Host string

	srv *http.Server
	ln  net.Listener
}

// StartRegistry starts a Registry on a free loopback port. Image references
// under Host use plain HTTP, as go-containerregistry and ko do for loopback
// addresses. Call Close to stop it.
//
// Errors: no free loopback port.
func StartRegistry() (*Registry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("images: listening on loopback for the local registry: %w", err)
	}
	r := &Registry{
		Host: ln.Addr().String(),
		ln:   ln,
		srv: &http.Server{
			Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
			ReadHeaderTimeout: 10 * time.Second,
		},
	}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Repo returns the repository reference "HOST/path" for a path such as
// "kfpgo" or "base/static".
func (r *Registry) Repo(path string) string { return r.Host + "/" + path }

// PushIndex writes idx to HOST/repo:latest and returns its reference by
// digest (HOST/repo@sha256:…), the form .ko.yaml and KO_DEFAULTBASEIMAGE take.
//
// Errors: an invalid repo path, or a failed upload.
func (r *Registry) PushIndex(ctx context.Context, repo string, idx v1.ImageIndex) (name.Digest, error) {
	tag, err := name.NewTag(r.Repo(repo) + ":latest")
	if err != nil {
		return name.Digest{}, fmt.Errorf("images: repository %q: %w", repo, err)
	}
	if err := remote.WriteIndex(tag, idx, remote.WithContext(ctx)); err != nil {
		return name.Digest{}, fmt.Errorf("images: pushing index to %s: %w", tag, err)
	}
	h, err := idx.Digest()
	if err != nil {
		return name.Digest{}, fmt.Errorf("images: digest of index: %w", err)
	}
	return tag.Context().Digest(h.String()), nil
}

// Close stops the registry, dropping open connections and its content.
func (r *Registry) Close() error {
	if err := r.srv.Close(); err != nil {
		return fmt.Errorf("images: stopping the local registry: %w", err)
	}
	return nil
}
