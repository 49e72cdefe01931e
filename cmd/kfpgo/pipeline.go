package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/client"
	"github.com/kfpgo/kfpgo/sdk/upload"
)

func init() { addCommand(newPipelineCmd) }

func newPipelineCmd() *cobra.Command {
	f := &clientFlags{}
	return groupCommand("pipeline", "Upload and manage pipelines and pipeline versions on a KFP server", f,
		pipelineCreateCmd(f), pipelineCreateVersionCmd(f), pipelineListCmd(f), pipelineListVersionsCmd(f), pipelineDeleteCmd(f))
}

func pipelineTable(ps ...client.Pipeline) table {
	t := table{header: []string{"PIPELINE ID", "NAME", "DISPLAY NAME", "CREATED AT"}}
	for _, p := range ps {
		t.rows = append(t.rows, []string{p.PipelineID, p.Name, orDash(p.DisplayName), ts(p.CreatedAt)})
	}
	return t
}

func versionTable(vs ...client.PipelineVersion) table {
	t := table{header: []string{"VERSION ID", "NAME", "PIPELINE ID", "CREATED AT"}}
	for _, v := range vs {
		t.rows = append(t.rows, []string{v.PipelineVersionID, v.Name, v.PipelineID, ts(v.CreatedAt)})
	}
	return t
}

func pipelineCreateCmd(f *clientFlags) *cobra.Command {
	var name, display, desc string
	c := &cobra.Command{
		Use:   "create PIPELINE.yaml",
		Short: "Upload a compiled pipeline as a new pipeline (its first version)",
		Example: `  kfpgo compile ./pipelines/cartrain -o cartrain.yaml
  kfpgo pipeline create cartrain.yaml --name cartrain`,
		Args: cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			b, err := readPackage(args[0])
			if err != nil {
				return err
			}
			p, err := api.UploadPipeline(cmd.Context(), client.UploadPipelineRequest{Name: name, DisplayName: display, Description: desc, FileName: filepath.Base(args[0]), Content: b})
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), p, pipelineTable(*p))
		}),
	}
	c.Flags().StringVar(&name, "name", "", "pipeline name, unique in the namespace (default: the file name)")
	c.Flags().StringVar(&display, "display-name", "", "name shown in the UI (default: --name)")
	c.Flags().StringVar(&desc, "description", "", "pipeline description")
	return c
}

// readPackage reads and checks a compiled pipeline file.
func readPackage(path string) ([]byte, error) {
	b, err := upload.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := client.ParsePackage(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func pipelineCreateVersionCmd(f *clientFlags) *cobra.Command {
	var pipeline, pipelineID, name, desc, source string
	var createPipeline, existsOK bool
	c := &cobra.Command{
		Use:   "create-version PIPELINE.yaml --pipeline NAME --name VERSION",
		Short: "Upload a compiled pipeline as a new version of a pipeline",
		Example: `  # in CI: one version per commit, creating the pipeline on first use
  kfpgo pipeline create-version cartrain.yaml --pipeline cartrain \
      --name "$(git rev-parse --short HEAD)" --create-pipeline --exists-ok`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if name == "" {
				return errors.New("pass the version name with --name (e.g. the commit)")
			}
			api, err := f.client()
			if err != nil {
				return err
			}
			b, err := readPackage(args[0])
			if err != nil {
				return err
			}
			pid, err := resolvePipelineID(ctx, api, pipeline, pipelineID)
			var nf *client.NotFoundError
			if errors.As(err, &nf) && createPipeline {
				p, err := api.UploadPipeline(ctx, client.UploadPipelineRequest{Name: pipeline, FileName: filepath.Base(args[0]), Content: b})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "created pipeline %s (%s)\n", p.Name, p.PipelineID)
				pid = p.PipelineID
			} else if err != nil {
				if errors.As(err, &nf) {
					return fmt.Errorf("%w: create it with `kfpgo pipeline create`, or pass --create-pipeline", err)
				}
				return err
			}
			v, err := api.UploadPipelineVersion(ctx, client.UploadPipelineVersionRequest{PipelineID: pid, Name: name, Description: desc, CodeSourceURL: source, FileName: filepath.Base(args[0]), Content: b})
			var apiErr *client.APIError
			if existsOK && errors.As(err, &apiErr) && (apiErr.StatusCode == 409 || apiErr.Code == 6 || strings.Contains(apiErr.Message, "already exist")) {
				if v, err = client.GetPipelineVersionByName(ctx, api, pid, name); err == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "pipeline version %s already exists\n", name)
				}
			}
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), v, versionTable(*v))
		},
	}
	fl := c.Flags()
	fl.StringVar(&pipeline, "pipeline", "", "pipeline name")
	fl.StringVar(&pipelineID, "pipeline-id", "", "pipeline ID")
	fl.StringVar(&name, "name", "", "version name, unique within the pipeline, e.g. the commit (required)")
	fl.StringVar(&desc, "description", "", "version description")
	fl.StringVar(&source, "code-source-url", "", "link to the source of this version, e.g. the commit URL")
	fl.BoolVar(&createPipeline, "create-pipeline", false, "create the pipeline (named --pipeline) when it does not exist")
	fl.BoolVar(&existsOK, "exists-ok", false, "succeed with the existing version when one with this name exists (re-run CI)")
	return c
}

func pipelineListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List pipelines",
		Args:  cobra.NoArgs,
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			ps, err := client.ListAllPipelines(cmd.Context(), api, client.ListOptions{})
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), ps, pipelineTable(ps...))
		}),
	}
}

func pipelineListVersionsCmd(f *clientFlags) *cobra.Command {
	var pipelineID string
	c := &cobra.Command{
		Use:   "list-versions [PIPELINE NAME]",
		Short: "List the versions of a pipeline",
		Args:  cobra.MaximumNArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			pid, err := resolvePipelineID(cmd.Context(), api, name, pipelineID)
			if err != nil {
				return err
			}
			vs, err := client.ListAllPipelineVersions(cmd.Context(), api, pid, client.ListOptions{})
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), vs, versionTable(vs...))
		}),
	}
	c.Flags().StringVar(&pipelineID, "pipeline-id", "", "pipeline ID instead of the name")
	return c
}

func pipelineDeleteCmd(f *clientFlags) *cobra.Command {
	var cascade bool
	c := &cobra.Command{
		Use:   "delete PIPELINE_ID",
		Short: "Delete a pipeline (with --cascade, its versions too)",
		Args:  cobra.ExactArgs(1),
		RunE: f.withClient(func(cmd *cobra.Command, args []string, api client.API) error {
			if err := api.DeletePipeline(cmd.Context(), args[0], cascade); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pipeline %s deleted\n", args[0])
			return nil
		}),
	}
	c.Flags().BoolVar(&cascade, "cascade", false, "also delete the pipeline's versions")
	return c
}
