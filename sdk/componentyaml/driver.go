package componentyaml

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// DriverMain is the main of the helper binary that `kfpgo component` builds
// around a user's Go package (the way `go test` synthesises a test main):
// the package's initialisation defines its components (dsl.NewComponent and
// dsl.NewContainerComponent), and DriverMain serves
//
//	list    [--package-dir DIR [--package-path IMPORT]]
//	        one line per component: name, inputs, outputs
//	compile [--package-dir DIR [--package-path IMPORT]] [--name N] [-o F]
//	        write component N as KFP component YAML to F (stdout by default)
//
// With --package-dir only the components defined in that directory count
// (not those of the packages it imports). It exits 0 on success and 1 with
// a one-line reason on stderr.
func DriverMain() { os.Exit(driverRun(os.Args[1:], os.Stdout, os.Stderr)) }

func driverRun(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "compile") {
		fmt.Fprintln(stderr, "usage: list | compile [--name NAME] [-o FILE]")
		return 1
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "component name")
	out := fs.String("o", "", "output file (default stdout)")
	dir := fs.String("package-dir", "", "only the components defined in this directory")
	importPath := fs.String("package-path", "", "import path of --package-dir's package (for -trimpath builds)")
	if err := fs.Parse(args[1:]); err != nil {
		return 1
	}
	comps := packageComponents(*dir, *importPath)
	if args[0] == "list" {
		for _, c := range comps {
			fmt.Fprintln(stdout, Describe(c.IR()))
		}
		return 0
	}
	c, err := pickComponent(comps, *name, *dir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if errs := c.Errors(); len(errs) > 0 {
		fmt.Fprintln(stderr, errs.Error())
		return 1
	}
	b, err := Marshal(c.IR(), compiler.Options{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := WriteFile(*out, c.IR().Name, b, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// packageComponents lists the defined components of the package in dir (all
// of them when dir is empty), sorted by name then position.
func packageComponents(dir, importPath string) []dsl.DefinedComponent {
	var out []dsl.DefinedComponent
	for _, c := range dsl.DefinedComponents() {
		if dir == "" || c.Pos().InPackage(dir, importPath) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// pickComponent finds the component named name (or the only one when name
// is empty) among comps.
func pickComponent(comps []dsl.DefinedComponent, name, dir string) (dsl.DefinedComponent, error) {
	where := "this package"
	if dir != "" {
		where = dir
	}
	names := make([]string, 0, len(comps))
	for _, c := range comps {
		names = append(names, c.Name())
	}
	if len(comps) == 0 {
		return nil, fmt.Errorf("no components defined in %s: define one with dsl.NewComponent or dsl.NewContainerComponent", where)
	}
	if name == "" {
		if len(comps) == 1 {
			return comps[0], nil
		}
		return nil, fmt.Errorf("%s defines %d components (%s): pass --name with one of them", where, len(comps), strings.Join(names, ", "))
	}
	var found []dsl.DefinedComponent
	for _, c := range comps {
		if c.Name() == name || dsl.K8sName(c.Name()) == dsl.K8sName(name) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("no component %q in %s (it has: %s): pass --name with one of them", name, where, strings.Join(names, ", "))
	}
	pos := make([]string, len(found))
	for i, c := range found {
		pos[i] = c.Pos().String()
	}
	return nil, fmt.Errorf("%d components named %q in %s (%s): give them distinct names", len(found), name, where, strings.Join(pos, ", "))
}

// Describe renders a component's interface on one line:
// "name(in1 TYPE, in2 TYPE = default) -> (out1 TYPE)".
func Describe(c *ir.Component) string {
	var ins, outs []string
	for _, in := range c.Inputs {
		s := in.Name + " " + in.Type.String()
		switch {
		case in.HasDefault:
			s += fmt.Sprintf(" = %v", in.Default)
		case in.Optional:
			s += " (optional)"
		}
		ins = append(ins, s)
	}
	for _, o := range c.Outputs {
		outs = append(outs, o.Name+" "+o.Type.String())
	}
	return fmt.Sprintf("%s(%s) -> (%s)", c.Name, strings.Join(ins, ", "), strings.Join(outs, ", "))
}

// WriteFile writes b to path through a temporary file renamed into place
// (so no partial file is left behind) and prints "<name> → <path>" (name is
// the component's) to
// stdout, as kfpgo compile does; or writes b to stdout when path is "" or "-".
func WriteFile(path, name string, b []byte, stdout io.Writer) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(b)
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, ".kfpgo-component-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, werr)
	}
	fmt.Fprintf(stdout, "%s → %s\n", name, path)
	return nil
}
