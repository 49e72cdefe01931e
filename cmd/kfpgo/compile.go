package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// goPackage is what `go list -json` tells about a pipeline package.
type goPackage struct {
	Dir        string
	ImportPath string
	Name       string
	Module     *struct{ Dir, Path string }
	Error      *struct{ Err string }
}

// loadGoPackage resolves a package path (./pipelines/cartrain or an import
// path) with `go list`.
func loadGoPackage(pkg string) (*goPackage, error) {
	if strings.HasSuffix(pkg, ".go") {
		return nil, fmt.Errorf("%s is a .go file: pass a package directory, not a .go file (e.g. %s)", pkg, localDir(filepath.Dir(pkg)))
	}
	target, dir := pkg, ""
	if st, err := os.Stat(pkg); err == nil && st.IsDir() {
		// List the directory from inside it, so the module it belongs to
		// decides, wherever kfpgo runs from.
		target, dir = ".", pkg
	}
	cmd := exec.Command("go", "list", "-e", "-json", target)
	cmd.Dir = dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list %s: %v: %s", pkg, err, strings.TrimSpace(stderr.String()))
	}
	var p goPackage
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("go list %s: %w", pkg, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s names several packages: pass one package (e.g. ./pipelines/cartrain), not a ... pattern", pkg)
	}
	if p.Error != nil {
		return nil, fmt.Errorf("package %s: %s", pkg, p.Error.Err)
	}
	if p.Module == nil {
		return nil, fmt.Errorf("package %s is not in a Go module; run `go mod init` first", pkg)
	}
	if p.Name == "main" {
		return nil, fmt.Errorf("package %s is a main package, which cannot be imported: move the pipelines to a library package, or call driver.Main() from this main and use `go run %s`", pkg, pkg)
	}
	return &p, nil
}

// localDir spells a relative directory the way the go command reads it as
// a directory (./dir), leaving absolute and ./ or ../ paths unchanged.
func localDir(dir string) string {
	if filepath.IsAbs(dir) || dir == "." || dir == ".." || strings.HasPrefix(dir, "./") || strings.HasPrefix(dir, "../") {
		return dir
	}
	return "./" + dir
}

// isPipelineFile reports whether arg names a compiled pipeline file rather
// than a Go package.
func isPipelineFile(arg string) bool {
	return strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.HasSuffix(arg, ".json")
}

// runDriver compiles with driver.Main in a generated main that imports pkg
// (see genmain.go), for target ("kfp" or "argo": only an Argo compile links
// the Argo back end). Only the pipelines defined in pkg's own directory are
// compiled, not those registered by the packages it imports.
func runDriver(pkg, target string, args []string, stdout, stderr io.Writer) error {
	g := genProgram{lib: kfpgoModule + "/compiler/driver", entry: "driver.Main()"}
	if target == "argo" {
		g.blanks = []string{kfpgoModule + "/compiler/driver/argotarget"}
	}
	pkgArgs := func(dir, importPath string) []string {
		return []string{"--package-dir", dir, "--package-path", importPath}
	}
	return runGenerated(pkg, g, pkgArgs, append([]string{"--target", target}, args...), stdout, stderr)
}

// errSilentExit reports a failure whose message was already printed.
var errSilentExit = fmt.Errorf("compile failed")

// compileGoPackageYAML compiles a pipeline of pkg for KFP and returns its
// YAML, for `kfpgo run --local` and `kfpgo graph`: the one named name, or
// else the package's only pipeline, or else the one pipeline of the package
// that no other uses as a task (the driver's --top).
func compileGoPackageYAML(pkg, name string) ([]byte, error) {
	if strings.Contains(name, ",") {
		return nil, fmt.Errorf("--pipeline %s: pass one pipeline name", name)
	}
	f, err := os.CreateTemp("", "kfpgo-*.yaml")
	if err != nil {
		return nil, err
	}
	f.Close()
	defer os.Remove(f.Name())
	args := []string{"-o", f.Name()}
	if name != "" {
		args = append(args, "--pipeline", name)
	} else {
		args = append(args, "--top")
	}
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	var stderr bytes.Buffer
	if err := runDriver(pkg, "kfp", args, devnull, &stderr); err != nil {
		if errors.Is(err, errSilentExit) && stderr.Len() > 0 {
			// The driver's own message, without its "Error: " prefix (main adds it).
			return nil, errors.New(strings.TrimPrefix(strings.TrimSpace(stderr.String()), "Error: "))
		}
		return nil, err
	}
	return os.ReadFile(f.Name())
}

func init() {
	addCommand(func() *cobra.Command {
		var (
			output, pipelineName, target, kfpVersion, imageRepo, imageTag, kind, schedule, tz string
			list, noCache                                                                     bool
		)
		cmd := &cobra.Command{
			Use:   "compile PACKAGE",
			Short: "Compile the pipelines of a Go package to KFP IR YAML (or Argo with --target argo)",
			Long: `Compile builds the Go package, runs every pipeline it defines with dsl.NewPipeline,
validates it, and writes KFP IR YAML that 'kfp pipeline upload' and the Kubeflow UI accept.

Errors name the file:line of the DSL call at fault; the exit status is non-zero.`,
			Example: `  kfpgo compile ./examples/hello -o hello.yaml
  kfpgo compile ./pipelines/cartrain                      # writes cartrain.yaml
  kfpgo compile ./pipelines/cartrain --target argo -o cartrain-argo.yaml
  kfpgo compile ./pipelines/cartrain --list
  kfpgo compile ./...                                     # every package that defines a pipeline`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if isPipelineFile(args[0]) {
					return fmt.Errorf("%s is a compiled pipeline, and compile takes a Go package: run it with `kfpgo run --local %s` or draw it with `kfpgo graph %s`", args[0], args[0], args[0])
				}
				if target != "kfp" && target != "argo" {
					return fmt.Errorf("unknown --target %q: use kfp or argo", target)
				}
				dargs := []string{"--kfp-version", kfpVersion}
				if output != "" {
					dargs = append(dargs, "-o", output)
				}
				if pipelineName != "" {
					dargs = append(dargs, "--pipeline", pipelineName)
				}
				if list {
					dargs = append(dargs, "--list")
				}
				if noCache {
					dargs = append(dargs, "--disable-caching")
				}
				for _, kv := range [][2]string{{"--image-repo", imageRepo}, {"--image-tag", imageTag}, {"--kind", kind}, {"--schedule", schedule}, {"--timezone", tz}} {
					if kv[1] != "" {
						dargs = append(dargs, kv[0], kv[1])
					}
				}
				if strings.Contains(args[0], "...") {
					return compilePattern(args[0], target, output, pipelineName, list, dargs, cmd.OutOrStdout(), cmd.ErrOrStderr())
				}
				return runDriver(args[0], target, dargs, cmd.OutOrStdout(), cmd.ErrOrStderr())
			},
		}
		f := cmd.Flags()
		f.StringVarP(&output, "output", "o", "", "output file, directory (one file per pipeline), or - for stdout (default <pipeline name>.yaml)")
		f.StringVar(&pipelineName, "pipeline", "", "compile only the named pipeline(s), comma-separated")
		f.BoolVar(&list, "list", false, "list the package's pipelines and exit")
		f.StringVar(&target, "target", "kfp", "back end: kfp or argo")
		f.StringVar(&kfpVersion, "kfp-version", "2.5", "oldest KFP backend version the output must run on")
		f.BoolVar(&noCache, "disable-caching", false, "default every task to caching off (tasks that call SetCaching keep theirs)")
		f.StringVar(&imageRepo, "image-repo", "", "write REPO/<binary>:TAG instead of ko:// component images")
		f.StringVar(&imageTag, "image-tag", "", "image tag for --image-repo (default latest)")
		f.StringVar(&kind, "kind", "", "argo: workflow (default), workflowtemplate or cronworkflow")
		f.StringVar(&schedule, "schedule", "", "argo cronworkflow: 5-field cron schedule")
		f.StringVar(&tz, "timezone", "", "time zone of --schedule, e.g. Europe/Paris")
		return cmd
	})
}

// compilePattern compiles every package matched by a ... pattern whose
// files call dsl.NewPipeline (main packages and packages without
// pipelines are skipped, as `go vet ./...` skips what it has nothing to do
// for). With several packages, --output must be a directory (or left out),
// and two pipelines that would be written to the same file are refused
// before anything is written. only is --pipeline; list is --list.
func compilePattern(pattern, target, output, only string, list bool, dargs []string, stdout, stderr io.Writer) error {
	cmd := exec.Command("go", "list", "-e", "-f", "{{.Dir}}\t{{.Name}}\t{{join .GoFiles \",\"}}\t{{if .Error}}{{.Error.Err}}{{end}}", pattern)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go list %s: %v: %s", pattern, err, strings.TrimSpace(errb.String()))
	}
	var dirs []string
	for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 || f[1] == "main" {
			continue
		}
		if f[3] != "" {
			return fmt.Errorf("package %s: %s", f[0], f[3])
		}
		for _, file := range strings.Split(f[2], ",") {
			if b, err := os.ReadFile(filepath.Join(f[0], file)); err == nil && bytes.Contains(b, []byte("NewPipeline(")) {
				dirs = append(dirs, f[0])
				break
			}
		}
	}
	if len(dirs) == 0 {
		return fmt.Errorf("no package matched by %s defines a pipeline (dsl.NewPipeline)", pattern)
	}
	if len(dirs) > 1 && output != "" && output != "-" && filepath.Ext(output) != "" {
		return fmt.Errorf("%s matches %d packages with pipelines but --output %s is a file: pass a directory", pattern, len(dirs), output)
	}
	if len(dirs) > 1 && output != "" && output != "-" && !strings.HasSuffix(output, string(os.PathSeparator)) {
		// The driver makes a directory of an -o ending in a separator.
		for i, a := range dargs {
			if a == "-o" && i+1 < len(dargs) {
				dargs[i+1] += string(os.PathSeparator)
			}
		}
	}
	if len(dirs) > 1 && output != "-" && !list {
		if err := checkOutputPaths(pattern, dirs, target, output, only, stderr); err != nil {
			return err
		}
	}
	for _, d := range dirs {
		if err := runDriver(d, target, dargs, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

// checkOutputPaths lists the pipelines of every package in dirs (those of
// only when --pipeline is set) and refuses two that would be written to
// the same file: output/<name>.yaml, or <name>.yaml without --output.
func checkOutputPaths(pattern string, dirs []string, target, output, only string, stderr io.Writer) error {
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	type writer struct{ name, pos, dir string }
	byPath := map[string]writer{}
	var clashes []string
	for _, d := range dirs {
		var out bytes.Buffer
		if err := runDriver(d, target, []string{"--list"}, &out, stderr); err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
			name, pos, _ := strings.Cut(line, "\t")
			if name == "" || (len(want) > 0 && !want[name]) {
				continue
			}
			path := filepath.Join(output, name+".yaml")
			first, ok := byPath[path]
			if !ok {
				byPath[path] = writer{name, pos, d}
				continue
			}
			if first.dir == d {
				continue // the driver names both pipelines of one package itself
			}
			clashes = append(clashes, fmt.Sprintf("pipeline %q of %s (%s) and pipeline %q of %s (%s) would both be written to %s",
				first.name, relDir(first.dir), first.pos, name, relDir(d), pos, path))
		}
	}
	if len(clashes) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s; nothing was written: rename one of the pipelines (the name passed to dsl.NewPipeline), or compile the packages one at a time into different directories (kfpgo compile %s -o DIR)",
		pattern, strings.Join(clashes, "; "), relDir(dirs[0]))
}

// relDir spells dir relative to the current directory when it is below
// it (./pipelines/a), else as it is.
func relDir(dir string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, dir); err == nil && !strings.HasPrefix(r, "..") {
			return localDir(r)
		}
	}
	return dir
}

func init() {
	// Let `kfpgo run --local ./pkg` compile a Go package on the fly.
	compileGoPackage = func(_ context.Context, pkg, name string) ([]byte, error) {
		return compileGoPackageYAML(pkg, name)
	}
}
