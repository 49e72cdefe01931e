package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
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
		Long: `Writes one component as KFP component YAML: a Go-function component registered
by a Go package (dsl.NewComponent), or a component YAML file (KFP v1 component.yaml,
v2 component YAML or a compiled pipeline), re-written in KFP's v2 form.`,
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
				return componentyaml.WriteFile(out, b, cmd.OutOrStdout())
			}
			a := []string{"compile"}
			if name != "" {
				a = append(a, "--name", name)
			}
			if out != "" {
				abs, err := filepath.Abs(out)
				if err != nil {
					return err
				}
				a = append(a, "-o", abs)
			}
			return runComponentDriver(args[0], a, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	compile.Flags().StringVar(&name, "name", "", "component to write (required when the package registers several); for YAML input, a new component name")
	compile.Flags().StringVarP(&out, "output", "o", "", "output file (default stdout)")

	list := &cobra.Command{
		Use:   "list <go-package | component.yaml>",
		Short: "List the Go-function components of a package (or a YAML component) with their inputs and outputs",
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

// runComponentDriver builds a throw-away main importing pkg and calling
// componentyaml.DriverMain with args (the main exists only in a -overlay
// file, nothing is written into the user's tree), then runs it.
func runComponentDriver(pkg string, args []string, stdout, stderr io.Writer) error {
	p, err := loadGoPackage(pkg)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "kfpgo-component-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src := fmt.Sprintf("package main\n\nimport (\n\t\"github.com/kfpgo/kfpgo/sdk/componentyaml\"\n\t_ %q\n)\n\nfunc main() { componentyaml.DriverMain() }\n", p.ImportPath)
	mainFile := filepath.Join(tmp, "main.go")
	if err := os.WriteFile(mainFile, []byte(src), 0o644); err != nil {
		return err
	}
	virtualDir := filepath.Join(p.Module.Dir, ".kfpgo-component-main")
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(virtualDir, "main.go"): mainFile}})
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "component")
	build := exec.Command("go", "build", "-overlay", overlayFile, "-o", bin, "./"+filepath.Base(virtualDir))
	build.Dir = p.Module.Dir
	var berr bytes.Buffer
	build.Stderr = &berr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building %s: %s", pkg, strings.TrimSpace(berr.String()))
	}
	run := exec.Command(bin, args...)
	run.Stdout, run.Stderr = stdout, stderr
	if err := run.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); ok {
			return errSilentExit
		}
		return err
	}
	return nil
}
