package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kfpgo/kfpgo/compiler/graph"
	"github.com/kfpgo/kfpgo/sdk/kfpyaml"
	"github.com/kfpgo/kfpgo/sdk/upload"
)

// readPipelineSpec reads the PipelineSpec of a compiled pipeline file, or
// compiles a Go package first.
func readPipelineSpec(arg, pipelineName string) (*pipelinespec.PipelineSpec, error) {
	var b []byte
	var err error
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.HasSuffix(arg, ".json") {
		b, err = upload.ReadFile(arg)
	} else {
		b, err = compileGoPackageYAML(arg, pipelineName)
	}
	if err != nil {
		return nil, err
	}
	if i := bytes.Index(b, []byte("\n---\n")); i >= 0 {
		b = b[:i+1]
	}
	j, err := kfpyaml.ToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: not YAML: %w", arg, err)
	}
	var spec pipelinespec.PipelineSpec
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(j, &spec); err != nil {
		return nil, fmt.Errorf("%s: not a KFP pipeline: %w", arg, err)
	}
	if spec.GetRoot().GetDag() == nil {
		return nil, fmt.Errorf("%s: no root DAG: is it a compiled pipeline (kfpgo compile)?", arg)
	}
	return &spec, nil
}

func init() {
	addCommand(func() *cobra.Command {
		var format, output, pipelineName string
		cmd := &cobra.Command{
			Use:   "graph PACKAGE|PIPELINE.yaml",
			Short: "Draw a pipeline's DAG (dot, mermaid or svg), sub-DAGs as clusters",
			Example: `  kfpgo graph ./pipelines/cartrain --format mermaid
  kfpgo graph cartrain.yaml --format svg -o cartrain.svg   # needs Graphviz's dot`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				spec, err := readPipelineSpec(args[0], pipelineName)
				if err != nil {
					return err
				}
				d := graph.Build(spec)
				title := spec.GetPipelineInfo().GetName()
				var render func(io.Writer, string, *graph.DAG) error
				switch format {
				case "dot":
					render = graph.Dot
				case "mermaid":
					render = graph.Mermaid
				case "svg":
					render = graph.SVG
				default:
					return fmt.Errorf("unknown --format %q: use dot, mermaid or svg", format)
				}
				var buf bytes.Buffer
				if err := render(&buf, title, d); err != nil {
					return err
				}
				if output == "" || output == "-" {
					_, err = cmd.OutOrStdout().Write(buf.Bytes())
					return err
				}
				return os.WriteFile(output, buf.Bytes(), 0o644)
			},
		}
		cmd.Flags().StringVar(&format, "format", "mermaid", "dot, mermaid or svg")
		cmd.Flags().StringVarP(&output, "output", "o", "", "output file (default stdout)")
		cmd.Flags().StringVar(&pipelineName, "pipeline", "", "pipeline to draw when the package defines several")
		return cmd
	})
}
