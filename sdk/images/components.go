package images

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
)

// CLIName is the directory under cmd/ of the kfpgo CLI, which is not a
// component image.
const CLIName = "kfpgo"

// Component is one main package under cmd/ that becomes a container image.
type Component struct {
	// Name is the directory name under cmd/, which is also the binary name,
	// the image's entrypoint (/ko-app/<Name>) and, with ko's
	// --base-import-paths naming, the last element of its repository.
	Name string
	// ImportPath is the Go import path, e.g. github.com/kfpgo/kfpgo/cmd/cartrainer.
	ImportPath string
	// Dir is the absolute directory of the package.
	Dir string
}

// KoRef returns the reference ko resolves: "ko://" + ImportPath.
func (c Component) KoRef() string { return KoScheme + c.ImportPath }

// KoScheme is the scheme ko replaces in YAML with a built image reference
// (ko's build.StrictScheme).
const KoScheme = "ko://"

// DiscoverOptions configures Discover.
type DiscoverOptions struct {
	// IncludeCLI adds cmd/kfpgo to the result. Optional: defaults to false,
	// since the CLI is not a pipeline component.
	IncludeCLI bool
	// Go is the go command. Optional: defaults to "go" on PATH.
	Go string
}

// Discover lists the component binaries of the module rooted at root: every
// package directly under root/cmd/ whose package name is main, except
// cmd/kfpgo unless opts.IncludeCLI, sorted by Name. It asks `go list` so
// build constraints and the module path are those the go command sees; a
// directory that does not load (mixed package names, no Go files) is reported, not skipped (errors in its
// imports surface when ko builds it).
//
// Errors: root is not a Go module, `go list` fails, or a package under cmd/
// has errors (the message names it and carries go's error text).
func Discover(ctx context.Context, root string, opts DiscoverOptions) ([]Component, error) {
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("images: module root %s: %w", root, err)
	}
	cmd := exec.CommandContext(ctx, goCmd, "list", "-e", "-json=ImportPath,Name,Dir,Error", "./cmd/...")
	cmd.Dir = absRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("images: listing packages under %s/cmd with `go list`: %w: %s",
			absRoot, err, bytes.TrimSpace(stderr.Bytes()))
	}
	type pkg struct {
		ImportPath, Name, Dir string
		Error                 *struct{ Err string }
	}
	var out []Component
	dec := json.NewDecoder(&stdout)
	cmdDir := filepath.Join(absRoot, "cmd")
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("images: reading `go list` output in %s: %w", absRoot, err)
		}
		if p.Error != nil && p.Dir == "" {
			return nil, fmt.Errorf("images: listing %s/cmd: %s (is %s the root of a Go module?)", absRoot, p.Error.Err, absRoot)
		}
		if filepath.Dir(p.Dir) != cmdDir {
			continue // nested packages (cmd/x/internal/...) are not binaries
		}
		if p.Error != nil {
			return nil, fmt.Errorf("images: package %s does not load: %s (fix it or remove the directory)", p.ImportPath, p.Error.Err)
		}
		name := filepath.Base(p.Dir)
		if p.Name != "main" || (name == CLIName && !opts.IncludeCLI) {
			continue
		}
		out = append(out, Component{Name: name, ImportPath: p.ImportPath, Dir: p.Dir})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
