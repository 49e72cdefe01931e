package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

func init() { addCommand(newComponentCmd) }

// newComponentCmd is `kfpgo component`: compile and list components.
func newComponentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "component",
		Short: "Write components as KFP component YAML, list components",
	}
	var name, out string
	compile := &cobra.Command{
		Use:   "compile <go-package | component.yaml>",
		Short: "Write a component as KFP component YAML (loadable by kfp.components.load_component_from_file)",
		Long: `Writes one component as KFP component YAML: a component defined by a Go package
(dsl.NewComponent or dsl.NewContainerComponent; --name picks one when it defines several),
or a component YAML file (KFP v1 component.yaml, v2 component YAML or a compiled pipeline),
re-written in KFP's v2 form.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if isYAML(args[0]) {
				c, err := componentyaml.LoadFile(args[0])
				if err != nil {
					return err
				}
				ic := c.IR()
				if name != "" {
					ic.Name = name
				}
				b, err := componentyaml.Marshal(ic, compiler.Options{})
				if err != nil {
					return err
				}
				return componentyaml.WriteFile(out, ic.Name, b, cmd.OutOrStdout())
			}
			a := []string{"compile"}
			if name != "" {
				a = append(a, "--name", name)
			}
			if out != "" && out != "-" { // the driver writes to stdout without -o
				abs, err := filepath.Abs(out)
				if err != nil {
					return err
				}
				a = append(a, "-o", abs)
			}
			return runComponentDriver(args[0], a, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	compile.Flags().StringVar(&name, "name", "", "component to write (required when the package defines several); for YAML input, a new component name")
	compile.Flags().StringVarP(&out, "output", "o", "", "output file, or - for stdout (the default)")

	list := &cobra.Command{
		Use:   "list <go-package | component.yaml>",
		Short: "List the components a package defines (Go-function and container), or a YAML component, with their inputs and outputs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if isYAML(args[0]) {
				c, err := componentyaml.LoadFile(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), componentyaml.Describe(c.IR()))
				return nil
			}
			return runComponentDriver(args[0], []string{"list"}, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.AddCommand(compile, list)
	return cmd
}

// isYAML reports whether arg names a YAML file rather than a Go package.
func isYAML(arg string) bool {
	ext := strings.ToLower(filepath.Ext(arg))
	return ext == ".yaml" || ext == ".yml"
}

// runComponentDriver runs componentyaml.DriverMain in a generated main that
// imports pkg (see genmain.go). args[0] is the driver's command; only the
// components defined in pkg's own directory count, not those of the
// packages it imports.
func runComponentDriver(pkg string, args []string, stdout, stderr io.Writer) error {
	g := genProgram{lib: kfpgoModule + "/sdk/componentyaml", entry: "componentyaml.DriverMain()"}
	pkgArgs := func(dir, importPath string) []string {
		return []string{args[0], "--package-dir", dir, "--package-path", importPath}
	}
	return runGenerated(pkg, g, pkgArgs, args[1:], stdout, stderr)
}
