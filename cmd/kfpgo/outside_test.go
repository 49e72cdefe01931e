package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

// These tests use kfpgo the way a user does: a built kfpgo binary, driven
// from a Go module outside this repository whose go.mod points at this
// checkout with a replace line.

var (
	kfpgoBinOnce sync.Once
	kfpgoBin     string
	kfpgoBinErr  error
)

// builtKfpgo builds the kfpgo binary once for all tests of the package.
func builtKfpgo(t *testing.T) string {
	t.Helper()
	kfpgoBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kfpgo-bin-")
		if err != nil {
			kfpgoBinErr = err
			return
		}
		kfpgoBin = filepath.Join(dir, "kfpgo")
		out, err := exec.Command("go", "build", "-o", kfpgoBin, ".").CombinedOutput()
		if err != nil {
			kfpgoBinErr = fmt.Errorf("go build ./cmd/kfpgo: %w: %s", err, out)
		}
	})
	require.NoError(t, kfpgoBinErr)
	return kfpgoBin
}

// checkoutRoot is the root of this repository.
func checkoutRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// userEnv is the environment of a user's shell: a go wrapper first in PATH
// that logs each go command kfpgo runs (to logFile), and a fresh kfpgo cache.
func userEnv(t *testing.T, logFile string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	wrapDir := t.TempDir()
	wrapper := "#!/bin/sh\necho \"go $*\" >> " + logFile + "\nexec " + goBin + " \"$@\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(wrapDir, "go"), []byte(wrapper), 0o755))
	return append(os.Environ(), "PATH="+wrapDir+string(os.PathListSeparator)+os.Getenv("PATH"), "KFPGO_CACHE="+t.TempDir())
}

// runIn runs a command in dir with env and returns its combined output,
// failing the test with that output when it fails.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s in %s:\n%s", name, strings.Join(args, " "), dir, out)
	return string(out)
}

const handmadePipe = `// Package pipe is a user's pipeline package: it imports only sdk/dsl,
// sdk/executor (in cmd/upper) and sdk/componentyaml.
package pipe

import (
	"context"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/componentyaml"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

const sayYAML = ` + "`" + `name: say
inputs:
- {name: text, type: String}
implementation:
  container:
    image: alpine:3.20
    command: [echo, {inputValue: text}]
` + "`" + `

// Say is a container component loaded from KFP component YAML.
var Say, sayErr = componentyaml.Load("say.yaml", []byte(sayYAML))

type UpperIn struct {
	Text dsl.Param[string] ` + "`" + `kfp:"text"` + "`" + `
}

type UpperOut struct {
	Upper dsl.Param[string] ` + "`" + `kfp:"upper"` + "`" + `
}

// Upper is a Go-function component.
var Upper = dsl.NewComponent("upper", func(ctx context.Context, in UpperIn) (UpperOut, error) {
	out := dsl.Outputs[UpperOut](ctx)
	out.Upper.Set(strings.ToUpper(in.Text.Value()))
	return *out, nil
}, dsl.Image("ko://example.com/handmade/cmd/upper"))

type In struct {
	Text dsl.Param[string] ` + "`" + `kfp:"text" default:"hello from outside"` + "`" + `
}

var Pipeline = dsl.NewPipeline("handmade", func(b *dsl.Builder, in In) struct{} {
	if sayErr != nil {
		panic(sayErr)
	}
	u := Upper.Task(b, UpperIn{Text: in.Text})
	Say.Task(b, map[string]any{"text": u.Out.Upper})
	return struct{}{}
})
`

const handmadeMain = `package main

import (
	"github.com/kfpgo/kfpgo/sdk/executor"

	"example.com/handmade/pipe"
)

func main() { executor.Main(pipe.Upper) }
`

// TestOutsideModuleEveryVerb drives every verb that takes a Go package
// from a hand-written module with only its own imports: no tools.go, no go
// get, go.mod and go.sum left as `go mod tidy` wrote them.
func TestOutsideModuleEveryVerb(t *testing.T) {
	bin := builtKfpgo(t)
	mod := t.TempDir()
	logFile := filepath.Join(t.TempDir(), "go.log")
	env := userEnv(t, logFile)
	require.NoError(t, os.MkdirAll(filepath.Join(mod, "pipe"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(mod, "cmd", "upper"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/handmade\n\ngo 1.26.8\n\nrequire github.com/kfpgo/kfpgo v0.0.0-00010101000000-000000000000\n\nreplace github.com/kfpgo/kfpgo => "+checkoutRoot(t)+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "pipe", "pipe.go"), []byte(handmadePipe), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "cmd", "upper", "main.go"), []byte(handmadeMain), 0o644))
	runIn(t, mod, env, "go", "mod", "tidy")
	runIn(t, mod, env, "go", "build", "./...")
	goMod, err := os.ReadFile(filepath.Join(mod, "go.mod"))
	require.NoError(t, err)
	goSum, err := os.ReadFile(filepath.Join(mod, "go.sum"))
	require.NoError(t, err)
	require.NotContains(t, string(goSum), "argo-workflows", "the user's own imports do not need the Argo back end, so tidy leaves it out")

	out := runIn(t, mod, env, bin, "compile", "./pipe", "-o", "kfp.yaml")
	assert.Contains(t, out, "handmade → kfp.yaml")
	kfpYAML, err := os.ReadFile(filepath.Join(mod, "kfp.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(kfpYAML), "schemaVersion: 2.1.0")
	assert.Contains(t, string(kfpYAML), "ko://example.com/handmade/cmd/upper")

	out = runIn(t, mod, env, bin, "compile", "./pipe", "--target", "argo", "-o", "argo.yaml")
	assert.Contains(t, out, "handmade → argo.yaml")
	argoYAML, err := os.ReadFile(filepath.Join(mod, "argo.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(argoYAML), "kind: Workflow")

	out = runIn(t, mod, env, bin, "graph", "./pipe", "--format", "mermaid")
	assert.Contains(t, out, "upper")
	assert.Contains(t, out, "say")

	root := t.TempDir()
	out = runIn(t, mod, env, bin, "run", "--local", "--host-exec", "--pipeline-root", root, "./pipe")
	assert.Contains(t, out, "run handmade-")
	assert.Regexp(t, `(?m)^upper\s+go-function\s+succeeded`, out, "the summary tells Go-function tasks")
	assert.Regexp(t, `(?m)^say\s+container\s+succeeded`, out, "from container tasks")
	assert.Contains(t, out, "succeeded")
	var said bool
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			said = said || strings.Contains(string(b), "HELLO FROM OUTSIDE\n")
		}
		return err
	}))
	assert.True(t, said, "say's log in the run folder holds upper's output")

	out = runIn(t, mod, env, bin, "component", "list", "./pipe")
	assert.Contains(t, out, "upper(text STRING) -> (upper STRING)")

	compFile := filepath.Join(t.TempDir(), "upper.yaml")
	out = runIn(t, mod, env, bin, "component", "compile", "./pipe", "--name", "upper", "-o", compFile)
	assert.Contains(t, out, "upper → "+compFile, "says what it wrote, as compile does")
	c, err := componentyaml.LoadFile(compFile)
	require.NoError(t, err)
	assert.Equal(t, "upper", c.Name())

	// Unchanged sources: the cached program runs without the go command.
	require.NoError(t, os.Truncate(logFile, 0))
	runIn(t, mod, env, bin, "compile", "./pipe", "-o", "kfp2.yaml")
	log, err := os.ReadFile(logFile)
	require.NoError(t, err)
	assert.Empty(t, string(log), "an unchanged package compiles without running the go command")
	kfp2, err := os.ReadFile(filepath.Join(mod, "kfp2.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(kfpYAML), string(kfp2))

	// An edited literal is seen on the next compile, which only runs go
	// build (the imports, hence the package set, did not change).
	src := strings.Replace(handmadePipe, "hello from outside", "edited default", 1)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "pipe", "pipe.go"), []byte(src), 0o644))
	runIn(t, mod, env, bin, "compile", "./pipe", "-o", "kfp3.yaml")
	kfp3, err := os.ReadFile(filepath.Join(mod, "kfp3.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(kfp3), "edited default")
	log, err = os.ReadFile(logFile)
	require.NoError(t, err)
	assert.Regexp(t, `^go build [^\n]*\n$`, string(log), "an edit that keeps the imports runs go build alone")

	// An edit that adds an import lists the packages again.
	require.NoError(t, os.Truncate(logFile, 0))
	src = strings.Replace(src, "import (\n", "import (\n\t_ \"embed\"\n", 1)
	src = strings.Replace(src, "edited default", "edited again", 1)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "pipe", "pipe.go"), []byte(src), 0o644))
	runIn(t, mod, env, bin, "compile", "./pipe", "-o", "kfp3.yaml")
	kfp3, err = os.ReadFile(filepath.Join(mod, "kfp3.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(kfp3), "edited again")
	log, err = os.ReadFile(logFile)
	require.NoError(t, err)
	assert.Contains(t, string(log), "go list -e -deps", "a new import lists the program's packages again")

	gotMod, err := os.ReadFile(filepath.Join(mod, "go.mod"))
	require.NoError(t, err)
	gotSum, err := os.ReadFile(filepath.Join(mod, "go.sum"))
	require.NoError(t, err)
	assert.Equal(t, string(goMod), string(gotMod), "go.mod untouched")
	assert.Equal(t, string(goSum), string(gotSum), "go.sum untouched")
	ents, err := os.ReadDir(mod)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"go.mod", "go.sum", "pipe", "cmd", "kfp.yaml", "argo.yaml", "kfp2.yaml", "kfp3.yaml"}, names, "nothing else written into the module")
}

// TestInitProjectWorks runs `kfpgo init` and then what its README says,
// without edits: go vet, go test (a local run of the pipeline) and
// kfpgo compile ./... .
func TestInitProjectWorks(t *testing.T) {
	bin := builtKfpgo(t)
	parent := t.TempDir()
	env := userEnv(t, filepath.Join(t.TempDir(), "go.log"))
	out := runIn(t, parent, env, bin, "init", "example.com/team/my-pipe")
	assert.Contains(t, out, "wrote my-pipe/go.mod")
	dir := filepath.Join(parent, "my-pipe")
	goMod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(goMod), "replace github.com/kfpgo/kfpgo => "+checkoutRoot(t), "a CLI built from a checkout replaces kfpgo with it")
	for _, f := range []string{"pipeline/pipeline.go", "pipeline/pipeline_test.go", "cmd/summarize/main.go", "Makefile", "README.md", "go.sum"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	runIn(t, dir, env, "go", "vet", "./...")
	runIn(t, dir, env, "go", "test", "./...")
	out = runIn(t, dir, env, bin, "compile", "./...")
	assert.Contains(t, out, "my-pipe → my-pipe.yaml")
	b, err := os.ReadFile(filepath.Join(dir, "my-pipe.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "ko://example.com/team/my-pipe/cmd/summarize")

	cmd := exec.Command(bin, "init", "example.com/team/my-pipe", dir)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.Error(t, cmd.Run())
	assert.Contains(t, stderr.String(), "already exists and is not empty")
}
