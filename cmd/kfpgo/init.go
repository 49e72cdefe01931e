package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"text/template"

	"github.com/spf13/cobra"
)

func init() { addCommand(newInitCmd) }

// newInitCmd is `kfpgo init MODULE [DIR]`: a new, working pipeline project.
func newInitCmd() *cobra.Command {
	var replaceDir string
	var noTidy bool
	cmd := &cobra.Command{
		Use:   "init MODULE [DIR]",
		Short: "Create a new pipeline project (Go module) in DIR, as go mod init does",
		Long: `Init writes a new Go module MODULE in DIR (default: the last element of MODULE)
holding a working pipeline: a container component and a Go-function component
(typed inputs and outputs, a Dataset and a Metrics artifact), the component
binary's cmd/<name>/main.go, a test that compiles the pipeline and runs it with
the local runner, a Makefile (compile, run, test, images) and a README. Its
go.mod requires the kfpgo version of this CLI; a CLI built from a checkout has
no released version, and the go.mod gets a replace to that checkout instead.
Init then runs go mod tidy in DIR to fill go.sum.`,
		Example: `  kfpgo init example.com/mypipe
  kfpgo init example.com/mypipe ./mypipe && cd mypipe && make test compile`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 2 {
				dir = args[1]
			}
			return initProject(args[0], dir, replaceDir, !noTidy, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&replaceDir, "replace", "", "write replace github.com/kfpgo/kfpgo => DIR (a kfpgo checkout) instead of requiring a released version")
	cmd.Flags().BoolVar(&noTidy, "no-tidy", false, "do not run go mod tidy after writing the files")
	return cmd
}

// modulePathRE is the shape of a module path go mod init accepts here:
// slash-separated elements of letters, digits and -._~.
var modulePathRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*$`)

// projectData fills the templates.
type projectData struct {
	Module, Name, Ident, GoVersion, KfpgoVersion, Replace string
}

func initProject(module, dir, replaceDir string, tidy bool, stdout, stderr io.Writer) error {
	if !modulePathRE.MatchString(module) || strings.Contains(module, "..") {
		return fmt.Errorf("%q is not a module path: use letters, digits, '-', '.', '_' and '/' (e.g. example.com/mypipe)", module)
	}
	base := path.Base(module)
	if dir == "" {
		dir = base
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s already exists and is not empty: pass an empty or new DIR", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: %w", dir, err)
	}
	name := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(base), "-"), "-")
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "pipeline-" + name
	}
	d := projectData{Module: module, Name: name, Ident: strings.ReplaceAll(name, "-", ""),
		GoVersion: strings.TrimPrefix(runtime.Version(), "go")}
	if i := strings.IndexAny(d.GoVersion, " -"); i >= 0 {
		d.GoVersion = d.GoVersion[:i]
	}
	switch {
	case replaceDir != "":
		abs, err := filepath.Abs(replaceDir)
		if err != nil {
			return err
		}
		if !isKfpgoCheckout(abs) {
			return fmt.Errorf("--replace %s: no go.mod of %s there; pass the root of a kfpgo checkout", replaceDir, kfpgoModule)
		}
		d.Replace, d.KfpgoVersion = abs, "v0.0.0-00010101000000-000000000000"
	case builtFromCheckout():
		src := checkoutDir()
		if src == "" {
			return fmt.Errorf("this kfpgo (%s) was built from a checkout, not a released version, and the checkout is unknown (built with -trimpath): pass --replace DIR with the checkout's root", cliVersion())
		}
		fmt.Fprintf(stderr, "kfpgo: this CLI was built from the checkout %s (no released version): go.mod replaces %s with it\n", src, kfpgoModule)
		d.Replace, d.KfpgoVersion = src, "v0.0.0-00010101000000-000000000000"
	default:
		d.KfpgoVersion = cliVersion()
	}
	files := map[string]string{
		"go.mod":                    tmplGoMod,
		"pipeline/pipeline.go":      tmplPipeline,
		"pipeline/pipeline_test.go": tmplPipelineTest,
		"cmd/summarize/main.go":     tmplMain,
		"Makefile":                  tmplMakefile,
		"README.md":                 tmplReadme,
		".gitignore":                "/*.yaml\n/out/\n/bin/\n",
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, rel := range sortedKeys(files) {
		t := template.Must(template.New(rel).Delims("[[", "]]").Parse(files[rel]))
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	if tidy {
		fmt.Fprintf(stdout, "running go mod tidy in %s\n", dir)
		c := exec.Command("go", "mod", "tidy")
		c.Dir = dir
		c.Stdout, c.Stderr = stderr, stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("go mod tidy in %s: %w; the files are written: run `cd %s && go mod tidy` once the module proxy (GOPROXY) is reachable", dir, err, dir)
		}
	}
	fmt.Fprintf(stdout, "next: cd %s && make test compile   (writes %s.yaml)\n", dir, name)
	return nil
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// checkoutDir returns the root of the kfpgo checkout this CLI was built
// from (from the compiled-in source path of this file), "" when unknown.
func checkoutDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	if !isKfpgoCheckout(root) {
		return ""
	}
	return root
}

// isKfpgoCheckout reports whether dir holds kfpgo's go.mod.
func isKfpgoCheckout(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+kfpgoModule+"\n"))
}

const tmplGoMod = `module [[.Module]]

go [[.GoVersion]]

require github.com/kfpgo/kfpgo [[.KfpgoVersion]]
[[if .Replace]]
replace github.com/kfpgo/kfpgo => [[.Replace]]
[[end]]`

const tmplPipeline = `// Package pipeline defines the [[.Name]] pipeline: a container component
// writes a small CSV dataset, and a Go-function component summarizes it into
// a Metrics artifact and an output parameter.
package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// MakeDataIn is the input of make-data.
type MakeDataIn struct {
	Rows dsl.Param[int] ` + "`" + `kfp:"rows" default:"5" description:"how many data rows to write"` + "`" + `
}

// MakeDataOut is the output of make-data.
type MakeDataOut struct {
	Data dsl.Artifact[dsl.Dataset] ` + "`" + `kfp:"data" description:"CSV with header x,y"` + "`" + `
}

// MakeData is a container component: a shell script writes Rows lines of
// x,y (y = 2x) to its Dataset output.
var MakeData = dsl.NewContainerComponent("make-data", func(in MakeDataIn, out MakeDataOut) dsl.Container {
	return dsl.Container{
		Image:   "alpine:3.20",
		Command: []any{"sh", "-ec", ` + "`" + `mkdir -p "$(dirname "$1")"; echo x,y > "$1"; i=1; while [ "$i" -le "$0" ]; do echo "$i,$((i * 2))" >> "$1"; i=$((i + 1)); done` + "`" + `},
		Args:    []any{in.Rows, out.Data},
	}
})

// SummarizeIn is the input of summarize.
type SummarizeIn struct {
	Data  dsl.Artifact[dsl.Dataset] ` + "`" + `kfp:"data"` + "`" + `
	Scale dsl.Param[float64]        ` + "`" + `kfp:"scale" default:"1.0" description:"factor applied to the sum of y"` + "`" + `
}

// SummarizeOut is the output of summarize.
type SummarizeOut struct {
	Metrics dsl.Artifact[dsl.Metrics] ` + "`" + `kfp:"metrics"` + "`" + `
	Rows    dsl.Param[int]            ` + "`" + `kfp:"rows"` + "`" + `
}

// Summarize is a Go-function component; its image is built from
// cmd/summarize by ko (make images), and the local runner builds it with go build.
var Summarize = dsl.NewComponent("summarize", summarize, dsl.Image("ko://[[.Module]]/cmd/summarize"))

func summarize(ctx context.Context, in SummarizeIn) (SummarizeOut, error) {
	out := dsl.Outputs[SummarizeOut](ctx)
	f, err := os.Open(in.Data.Path())
	if err != nil {
		return SummarizeOut{}, fmt.Errorf("open the dataset: %w", err)
	}
	defer f.Close()
	rows, sum := 0, 0.0
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		_, y, ok := strings.Cut(sc.Text(), ",")
		v, err := strconv.ParseFloat(y, 64)
		if !ok || err != nil {
			return SummarizeOut{}, fmt.Errorf("dataset line %d: want x,y numbers, got %q", line+1, sc.Text())
		}
		rows++
		sum += v
	}
	if err := sc.Err(); err != nil {
		return SummarizeOut{}, fmt.Errorf("read the dataset: %w", err)
	}
	if err := artifacts.LogMetric(out.Metrics, "sum_y", sum*in.Scale.Value()); err != nil {
		return SummarizeOut{}, err
	}
	out.Rows.Set(rows)
	return *out, nil
}

// In is the pipeline's input.
type In struct {
	Rows dsl.Param[int] ` + "`" + `kfp:"rows" default:"5"` + "`" + `
}

// Out is the pipeline's output.
type Out struct {
	Rows dsl.Param[int] ` + "`" + `kfp:"rows"` + "`" + `
}

// Pipeline is the [[.Name]] pipeline.
var Pipeline = dsl.NewPipeline("[[.Name]]", func(b *dsl.Builder, in In) Out {
	data := MakeData.Task(b, MakeDataIn{Rows: in.Rows})
	s := Summarize.Task(b, SummarizeIn{Data: data.Out.Data, Scale: dsl.Lit(0.5)})
	return Out{Rows: s.Out.Rows}
}, dsl.Description("Writes a small dataset and summarizes it."))
`

const tmplPipelineTest = `package pipeline_test

import (
	"context"
	"testing"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/local"

	"[[.Module]]/pipeline"
)

// TestPipelineRunsLocally compiles the pipeline to KFP IR and runs it with
// the local runner: make-data's shell command on this host, summarize built
// from cmd/summarize with go build.
func TestPipelineRunsLocally(t *testing.T) {
	res, err := compiler.Compile(pipeline.Pipeline, compiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := local.Parse("[[.Name]].yaml", res.YAML)
	if err != nil {
		t.Fatal(err)
	}
	run, err := local.Run(context.Background(), p, local.Options{
		Params:       map[string]string{"rows": "4"},
		HostExec:     true,
		PipelineRoot: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := run.Task("summarize").Parameters["rows"].GetNumberValue(); got != 4 {
		t.Errorf("summarize rows = %v, want 4", got)
	}
}
`

const tmplMain = `// Command summarize is the container entry point of the summarize
// component: KFP runs it with --executor_input and --function_to_execute.
package main

import (
	"github.com/kfpgo/kfpgo/sdk/executor"

	"[[.Module]]/pipeline"
)

func main() { executor.Main(pipeline.Summarize) }
`

const tmplMakefile = `# [[.Name]] — common tasks.
KFPGO ?= kfpgo

.PHONY: compile run test images

compile: ## compile the pipeline to KFP IR ([[.Name]].yaml)
	$(KFPGO) compile ./pipeline -o [[.Name]].yaml

run: ## run the pipeline on this machine (container commands on the host)
	$(KFPGO) run --local --host-exec ./pipeline

test: ## vet and test, including a local run of the pipeline
	go vet ./...
	go test ./...

images: ## build the component images with ko: push to $$KO_DOCKER_REPO if set, else write out/images
	$(KFPGO) images build $(if $(KO_DOCKER_REPO),,--push=false --oci-layout-path out/images)
`

const tmplReadme = `# [[.Name]]

A Kubeflow Pipelines project written in Go with [kfpgo](https://github.com/kfpgo/kfpgo).

- ` + "`pipeline/`" + ` — the pipeline: ` + "`make-data`" + ` (a container component) and ` + "`summarize`" + `
  (a Go-function component with a Dataset input and a Metrics output).
- ` + "`cmd/summarize/`" + ` — the component binary of ` + "`summarize`" + `, built into an image by ko.

` + "```" + `sh
make test      # go vet, go test (compiles the pipeline and runs it locally)
make compile   # kfpgo compile ./pipeline -o [[.Name]].yaml (upload it with the KFP UI or kfpgo pipeline create)
make run       # kfpgo run --local --host-exec ./pipeline
make images    # ko-built component images
` + "```" + `
`
