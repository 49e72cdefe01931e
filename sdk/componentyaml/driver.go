package componentyaml

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// DriverMain is the main of the helper binary that `kfpgo component` builds
// around a user's Go package (the way `go test` synthesises a test main):
// the package's init registers its Go-function components, and DriverMain
// serves
//
//	list                    one line per component: name, inputs, outputs
//	compile --name N -o F   write component N as KFP component YAML to F
//
// It exits 0 on success and 1 with a one-line reason on stderr.
func DriverMain() { os.Exit(driverRun(os.Args[1:], os.Stdout, os.Stderr)) }

func driverRun(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: list | compile --name NAME [-o FILE]")
		return 1
	}
	switch args[0] {
	case "list":
		for _, n := range dsl.FuncNames() {
			r, _ := dsl.LookupFunc(n)
			if c, ok := r.(interface{ IR() *ir.Component }); ok {
				fmt.Fprintln(stdout, Describe(c.IR()))
			}
		}
		return 0
	case "compile":
		fs := flag.NewFlagSet("compile", flag.ContinueOnError)
		fs.SetOutput(stderr)
		name := fs.String("name", "", "component name")
		out := fs.String("o", "", "output file (default stdout)")
		if err := fs.Parse(args[1:]); err != nil {
			return 1
		}
		names := dsl.FuncNames()
		if *name == "" && len(names) == 1 {
			*name = names[0]
		}
		r, ok := dsl.LookupFunc(*name)
		if !ok {
			fmt.Fprintf(stderr, "no Go-function component %q in this package (it has: %s): pass --name with one of them\n", *name, strings.Join(names, ", "))
			return 1
		}
		c, ok := r.(interface{ IR() *ir.Component })
		if !ok {
			fmt.Fprintf(stderr, "component %q has no IR\n", *name)
			return 1
		}
		b, err := Marshal(c.IR(), compiler.Options{})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if err := WriteFile(*out, b, stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "unknown command %q: use list or compile\n", args[0])
	return 1
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
// (so no partial file is left behind), or to stdout when path is "" or "-".
func WriteFile(path string, b []byte, stdout io.Writer) error {
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
	return nil
}
