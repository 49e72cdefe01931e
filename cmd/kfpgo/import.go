package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/importgo"
)

func init() { addCommand(newImportCmd) }

// newImportCmd is `kfpgo import FILE.yaml`: KFP YAML → Go DSL source.
func newImportCmd() *cobra.Command {
	var out, pkg string
	var force bool
	cmd := &cobra.Command{
		Use:   "import FILE.yaml",
		Short: "Turn a compiled KFP pipeline or a component YAML into Go DSL source",
		Long: `Reads a pipeline compiled by KFP's Python SDK (or kfpgo), a KFP v2 component YAML or a KFP v1
component.yaml, and writes a Go package using the kfpgo DSL: components.go with one
dsl.NewContainerComponent per component (Python-function components keep their command and args
byte for byte, so they run on KFP unchanged) and one file per pipeline. Compiling the package with
'kfpgo compile' gives back the same pipeline.

Anything the YAML holds that the Go DSL cannot express is an error naming its YAML path; nothing
is dropped. Files that already exist in the output directory are not overwritten unless --force.`,
		Example: `  kfpgo import pipeline.yaml -o ./mypipeline
  kfpgo import component.yaml -o ./components/train --package train`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if pkg != "" {
				if err := importgo.CheckPackageName(pkg); err != nil {
					return fmt.Errorf("--package %s: %w", pkg, err)
				}
			}
			res, err := importgo.ImportFile(args[0], importgo.Options{Package: pkg})
			if err != nil {
				return err
			}
			files := res.Files
			if out == "" {
				out = "."
			}
			if !force {
				for _, f := range files {
					p := filepath.Join(out, f.Name)
					if _, err := os.Stat(p); err == nil {
						return fmt.Errorf("%s already exists; pass --force to overwrite it or -o to write elsewhere", p)
					}
				}
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			for _, f := range files {
				p := filepath.Join(out, f.Name)
				tmp := p + ".tmp"
				if err := os.WriteFile(tmp, f.Source, 0o644); err != nil {
					return err
				}
				if err := os.Rename(tmp, p); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", p)
			}
			if hint := goModHint(out); hint != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), hint)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write the Go files to (default: the current directory)")
	cmd.Flags().StringVar(&pkg, "package", "", "Go package name (default: the pipeline or component name)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist")
	return cmd
}

// goModHint is the line import prints after writing into dir: the written
// files import kfpgo packages (sdk/dsl, maybe sdk/kubernetes) whose modules
// the enclosing module may lack in go.mod or go.sum, which only the go
// command can settle. It is "" inside kfpgo's own module.
func goModHint(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	goMod := findUp(abs, "go.mod")
	if goMod == "" {
		return fmt.Sprintf("kfpgo: no go.mod in %s or above: run 'go mod init MODULE' and 'go mod tidy' there before building", relDir(abs))
	}
	if isKfpgoCheckout(filepath.Dir(goMod)) {
		return ""
	}
	where := ""
	if d := relDir(filepath.Dir(goMod)); d != "." {
		where = " in " + d
	}
	return fmt.Sprintf("kfpgo: run 'go mod tidy'%s if go build reports missing go.sum entries", where)
}
