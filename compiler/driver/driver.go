// Package driver is the compile command's engine: it compiles the pipelines
// registered in the running program (dsl.Pipelines) and writes them.
//
// `kfpgo compile ./pkg` generates a tiny main that imports ./pkg and calls
// Main, the way `go test` synthesises its test main. A program of your own
// can do the same:
//
//	package main
//
//	import (
//		"github.com/kfpgo/kfpgo/compiler/driver"
//		_ "example.com/me/pipelines" // registers pipelines with dsl.NewPipeline
//	)
//
//	func main() { driver.Main() }
//
// and `go run . -o out/` compiles every pipeline. The driver links only the
// KFP back end; add
//
//	_ "github.com/kfpgo/kfpgo/compiler/driver/argotarget"
//
// to the imports for --target argo.
package driver

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/compiler/kfp"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Target compiles one pipeline for a back end and returns the file bytes.
type Target func(p dsl.PipelineDef, opts Options) ([]byte, error)

// Options are the compile settings shared by all targets.
type Options struct {
	compiler.Options
	// Kind selects the object a target writes (for argo: "workflow" or
	// "workflowtemplate"). Optional.
	Kind string
	// Schedule is a cron schedule for targets that can write a scheduled
	// object (argo: CronWorkflow). Optional.
	Schedule string
	// Timezone applies to Schedule. Optional.
	Timezone string
}

var targets = map[string]Target{
	"kfp": func(p dsl.PipelineDef, opts Options) ([]byte, error) {
		r, err := compiler.Compile(p, opts.Options)
		if err != nil {
			return nil, err
		}
		return r.YAML, nil
	},
}

// RegisterTarget adds a back end under name (called from init functions of
// back-end packages, like database/sql.Register).
func RegisterTarget(name string, t Target) { targets[name] = t }

// Targets lists the registered target names, sorted.
func Targets() []string {
	var names []string
	for n := range targets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Main parses os.Args[1:], compiles, and exits: status 0 on success, 1 with
// the errors on stderr otherwise.
func Main() {
	if err := Run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, FormatError(err))
		os.Exit(1)
	}
}

// FormatError renders a compile error: every positioned error on its own
// line (with hints), or the error text.
func FormatError(err error) string {
	var l ir.ErrorList
	if errors.As(err, &l) {
		return strings.TrimRight(l.Full(), "\n") + fmt.Sprintf("\n%d error(s)", len(l))
	}
	return "Error: " + err.Error()
}

// Run is Main without the exit: it compiles the registered pipelines per
// args (see the flags below) and writes the results.
//
// Flags:
//
//	-o, --output FILE|DIR|-   where to write (default: <pipeline name>.yaml; a
//	                          directory gets one file per pipeline; - is stdout)
//	--pipeline NAME           compile only this pipeline (repeatable as a comma list)
//	--list                    list the pipelines and exit
//	--target kfp|argo         back end (default kfp)
//	--kfp-version 2.5         oldest KFP backend to support
//	--disable-caching         default tasks to caching off
//	--image-repo, --image-tag write REPO/<binary>:TAG instead of ko:// images
//	--kind, --schedule, --timezone  target-specific (argo)
//	--package-dir DIR         only pipelines whose dsl.NewPipeline call is in DIR
//	--package-path PATH       DIR's import path (for programs built with -trimpath)
//	--top                     without --pipeline, only the pipeline that no
//	                          other selected pipeline uses as a task
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out, only, target, version, kind, schedule, tz string
		pkgDir, pkgPath                                string
		list, noCache, top                             bool
		opts                                           Options
	)
	fs.StringVar(&out, "output", "", "output file, directory, or - for stdout")
	fs.StringVar(&out, "o", "", "shorthand for --output")
	fs.StringVar(&only, "pipeline", "", "comma-separated pipeline names to compile")
	fs.BoolVar(&list, "list", false, "list pipelines and exit")
	fs.StringVar(&target, "target", "kfp", "back end: "+strings.Join(Targets(), ", "))
	fs.StringVar(&version, "kfp-version", kfp.DefaultTarget.String(), "oldest KFP backend version to support")
	fs.BoolVar(&noCache, "disable-caching", false, "default tasks to caching off")
	fs.StringVar(&opts.ImageRepo, "image-repo", "", "write REPO/<binary>:TAG instead of ko:// images")
	fs.StringVar(&opts.ImageTag, "image-tag", "", "tag for --image-repo (default latest)")
	fs.StringVar(&kind, "kind", "", "object kind for the target (argo: workflow, workflowtemplate, cronworkflow)")
	fs.StringVar(&schedule, "schedule", "", "cron schedule (argo cronworkflow)")
	fs.StringVar(&tz, "timezone", "", "time zone of --schedule")
	fs.StringVar(&pkgDir, "package-dir", "", "only the pipelines defined in this directory (the compiled package)")
	fs.StringVar(&pkgPath, "package-path", "", "import path of --package-dir's package, matched when the program was built with -trimpath")
	fs.BoolVar(&top, "top", false, "without --pipeline, compile only the pipeline no other pipeline uses as a task")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	v, err := kfp.ParseVersion(version)
	if err != nil {
		return err
	}
	if !v.AtLeast(kfp.Version{Major: 2, Minor: 0}) {
		return fmt.Errorf("--kfp-version %s: KFP IR (PipelineSpec) runs on KFP 2.0 or newer; pass 2.0 or above", version)
	}
	opts.Target, opts.DisableCaching, opts.Kind, opts.Schedule, opts.Timezone = v, noCache, kind, schedule, tz
	t, ok := targets[target]
	if !ok {
		if target == "argo" {
			return fmt.Errorf("target argo is not linked into this program: import _ \"github.com/kfpgo/kfpgo/compiler/driver/argotarget\" beside the driver")
		}
		return fmt.Errorf("unknown target %q; choose one of %s", target, strings.Join(Targets(), ", "))
	}
	if err := checkFlags(target, opts); err != nil {
		return err
	}
	all := dsl.Pipelines()
	if pkgDir != "" {
		all = definedIn(all, pkgDir, pkgPath)
	}
	if list {
		for _, p := range all {
			fmt.Fprintf(stdout, "%s\t%s\n", p.Name(), p.Pos())
		}
		return nil
	}
	sel := all
	if only != "" {
		sel = nil
		for _, n := range strings.Split(only, ",") {
			p, err := lookup(all, strings.TrimSpace(n))
			if err != nil {
				return err
			}
			sel = append(sel, p)
		}
	}
	if len(sel) == 0 {
		if pkgDir != "" {
			return fmt.Errorf("no pipelines found in %s: define one with dsl.NewPipeline in the package (pipelines of the packages it imports are compiled with their own package)", pkgDir)
		}
		return fmt.Errorf("no pipelines found: define one with dsl.NewPipeline in the package")
	}
	if top && only == "" && len(sel) > 1 {
		p, err := topPipeline(sel)
		if err != nil {
			return err
		}
		sel = []dsl.PipelineDef{p}
	}
	seen := map[string]dsl.PipelineDef{}
	var dups ir.ErrorList
	for _, p := range sel {
		if first, ok := seen[p.Name()]; ok {
			dups.Addf(p.Pos(), ir.DuplicateName, "give each pipeline its own name: they compile to files and KFP pipelines named after it",
				"a second pipeline is named %q (the first is at %s)", p.Name(), first.Pos())
			continue
		}
		seen[p.Name()] = p
	}
	if len(dups) > 0 {
		return dups
	}
	results := make([][]byte, len(sel))
	var errs ir.ErrorList
	for i, p := range sel {
		b, err := compileOne(t, p, opts)
		if err != nil {
			var l ir.ErrorList
			if errors.As(err, &l) {
				errs = append(errs, l...)
				continue
			}
			return fmt.Errorf("pipeline %s: %w", p.Name(), err)
		}
		results[i] = b
	}
	if len(errs) > 0 {
		errs.Sort()
		return errs
	}
	return write(sel, results, out, stdout)
}

// checkFlags refuses the flags that do not apply to the chosen target, so
// none is silently ignored.
func checkFlags(target string, o Options) error {
	if target == "kfp" {
		for _, f := range [][2]string{{"--kind", o.Kind}, {"--schedule", o.Schedule}, {"--timezone", o.Timezone}} {
			if f[1] != "" {
				return fmt.Errorf("%s applies to --target argo only: KFP IR has no %s (schedule a KFP pipeline with `kfpgo recurring-run create`)", f[0], strings.TrimPrefix(f[0], "--"))
			}
		}
	}
	if o.ImageTag != "" && o.ImageRepo == "" {
		return fmt.Errorf("--image-tag %s needs --image-repo: the tag applies to REPO/<binary>:TAG images", o.ImageTag)
	}
	if o.Timezone != "" && o.Schedule == "" {
		return fmt.Errorf("--timezone %s needs --schedule: it is the time zone of the schedule", o.Timezone)
	}
	return nil
}

// definedIn keeps the pipelines whose dsl.NewPipeline call is in a file of
// directory dir (the compiled package), dropping those registered by the
// packages it imports. A program built with -trimpath records files as
// importPath/file.go, so importPath (optional) matches those. A pipeline
// whose position is unknown is kept.
func definedIn(all []dsl.PipelineDef, dir, importPath string) []dsl.PipelineDef {
	var out []dsl.PipelineDef
	for _, p := range all {
		if p.Pos().InPackage(dir, importPath) {
			out = append(out, p)
		}
	}
	return out
}

// lookup finds the pipeline named name among the package's pipelines.
func lookup(pkg []dsl.PipelineDef, name string) (dsl.PipelineDef, error) {
	for _, p := range pkg {
		if p.Name() == name {
			return p, nil
		}
	}
	if p, ok := dsl.LookupPipeline(name); ok {
		return nil, fmt.Errorf("pipeline %q is defined in another package (%s): compile that package", name, p.Pos())
	}
	return nil, fmt.Errorf("no pipeline named %q; --list shows the pipelines", name)
}

// topPipeline returns the one pipeline of sel that no other pipeline of sel
// uses as a task (a nested pipeline's caller). It returns an error listing
// the names when there is none or more than one.
func topPipeline(sel []dsl.PipelineDef) (top dsl.PipelineDef, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a pipeline panicked while its body ran: %v; fix the pipeline function", r)
		}
	}()
	used := map[string]bool{}
	for _, p := range sel {
		if g := p.Build(); g != nil {
			markNested(g.Root, used)
		}
	}
	var tops, names []string
	byName := map[string]dsl.PipelineDef{}
	for _, p := range sel {
		names = append(names, p.Name())
		byName[p.Name()] = p
		if !used[p.Name()] {
			tops = append(tops, p.Name())
		}
	}
	if len(tops) == 1 {
		return byName[tops[0]], nil
	}
	if len(tops) == 0 {
		return nil, fmt.Errorf("the package defines the pipelines %s, each used as a task by another: pass --pipeline NAME to choose one", strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("the package defines the pipelines %s, and %s are not used as a task by another: pass --pipeline NAME to choose one",
		strings.Join(names, ", "), strings.Join(tops, ", "))
}

// markNested records the names of the pipelines that g's tasks use as
// components (nested pipelines).
func markNested(g *ir.Group, used map[string]bool) {
	if g == nil {
		return
	}
	visit := func(t *ir.Task) {
		if t != nil && t.Component != nil {
			if _, ok := t.Component.Impl.(*ir.Pipeline); ok {
				used[t.Component.Name] = true
			}
		}
	}
	for _, it := range g.Items {
		switch n := it.(type) {
		case *ir.Task:
			visit(n)
		case *ir.Group:
			markNested(n, used)
		}
	}
	visit(g.ExitTask)
}

// compileOne runs a target, turning a panic raised by the pipeline's own
// body (user code) into an error that names the pipeline and the frame
// where it happened.
func compileOne(t Target, p dsl.PipelineDef, opts Options) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pipeline %s panicked while its body ran: %v\n\tat %s\n\tfix the pipeline function (or run `go test` on it for the full stack)", p.Name(), r, panicSite())
		}
	}()
	return t(p, opts)
}

// panicSite returns the first stack frame outside the runtime, the DSL and
// the compiler: where the pipeline's own code panicked.
func panicSite() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !internalFrame(f.Function) {
			return fmt.Sprintf("%s:%d (%s)", f.File, f.Line, f.Function)
		}
		if !more {
			return "unknown location"
		}
	}
}

// internalPackages are the packages whose frames panicSite skips.
var internalPackages = []string{"runtime.", "sync.", "github.com/kfpgo/kfpgo/sdk/dsl.",
	"github.com/kfpgo/kfpgo/compiler.", "github.com/kfpgo/kfpgo/compiler/driver.",
	"github.com/kfpgo/kfpgo/compiler/kfp.", "github.com/kfpgo/kfpgo/compiler/argo.", "github.com/kfpgo/kfpgo/compiler/ir."}

func internalFrame(fn string) bool {
	for _, p := range internalPackages {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// write stores results atomically (temp file then rename), so a failed
// compile never leaves a partial file behind.
func write(sel []dsl.PipelineDef, results [][]byte, out string, stdout io.Writer) error {
	if out == "-" {
		for i, b := range results {
			if i > 0 {
				fmt.Fprintln(stdout, "---")
			}
			stdout.Write(b)
		}
		return nil
	}
	isDir := false
	if out != "" {
		if st, err := os.Stat(out); err == nil && st.IsDir() {
			isDir = true
		} else if strings.HasSuffix(out, string(os.PathSeparator)) || (len(sel) > 1 && filepath.Ext(out) == "") {
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			isDir = true
		}
	}
	if len(sel) > 1 && !isDir && out != "" {
		return fmt.Errorf("%d pipelines to write but --output %s is a file; pass a directory or --pipeline NAME", len(sel), out)
	}
	for i, p := range sel {
		path := out
		switch {
		case out == "":
			path = p.Name() + ".yaml"
		case isDir:
			path = filepath.Join(out, p.Name()+".yaml")
		}
		if err := writeFileAtomic(path, results[i]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s → %s\n", p.Name(), path)
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("cannot write %s: directory %s does not exist (create it, or pass another --output)", path, dir)
	}
	// Errors name the user's path, not the temporary file.
	cannot := func(err error) error {
		var pe *fs.PathError
		var le *os.LinkError
		switch {
		case errors.As(err, &pe):
			err = pe.Err
		case errors.As(err, &le):
			err = le.Err
		}
		return fmt.Errorf("cannot write %s: directory %s cannot be written (%v); pass another --output", path, dir, err)
	}
	f, err := os.CreateTemp(dir, ".kfpgo-*.tmp")
	if err != nil {
		return cannot(err)
	}
	tmp := f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return cannot(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return cannot(err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return cannot(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return cannot(err)
	}
	return nil
}
