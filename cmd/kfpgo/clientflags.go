package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/sdk/client"
	"github.com/kfpgo/kfpgo/sdk/redact"
	"github.com/kfpgo/kfpgo/sdk/upload"
)

// clientFlags are the connection and output flags shared by the verbs that
// talk to a KFP API server (pipeline, experiment, run create|get|list|wait,
// recurring-run). Defaults come from the environment variables KFP's own SDK
// reads (KF_PIPELINES_ENDPOINT, KF_PIPELINES_SA_TOKEN_PATH) plus
// KF_PIPELINES_TOKEN and KF_PIPELINES_NAMESPACE.
type clientFlags struct {
	endpoint       string
	token          string
	tokenFile      string
	namespace      string
	caFile         string
	insecure       bool
	requestTimeout time.Duration
	retries        int
	output         string
}

// register adds the flags to fs.
func (f *clientFlags) register(fs *pflag.FlagSet) {
	env := client.OptionsFromEnv()
	fs.StringVar(&f.endpoint, "endpoint", env.Endpoint, "KFP API base URL, e.g. http://localhost:8888 or https://kubeflow.example.com/pipeline (env "+client.EnvEndpoint+")")
	fs.Lookup("endpoint").DefValue = redact.String(env.Endpoint) // --help shows the default
	fs.StringVar(&f.token, "token", "", "bearer token (default: env "+client.EnvToken+"; never printed)")
	fs.StringVar(&f.tokenFile, "token-file", env.TokenFile, "file holding the bearer token, re-read on each request, e.g. "+client.DefaultTokenFile+" (env "+client.EnvTokenFile+")")
	fs.StringVar(&f.namespace, "namespace", env.Namespace, "profile namespace of a multi-user install (env "+client.EnvNamespace+")")
	fs.StringVar(&f.caFile, "ca-file", "", "PEM bundle of extra CA certificates to trust")
	fs.BoolVar(&f.insecure, "insecure-skip-tls-verify", false, "do not verify the server's TLS certificate (unsafe)")
	fs.DurationVar(&f.requestTimeout, "request-timeout", 60*time.Second, "timeout of each HTTP request")
	fs.IntVar(&f.retries, "retries", 4, "retries after 429, 5xx or connection errors, with exponential backoff")
	fs.StringVarP(&f.output, "output", "o", "table", "output format: table, json or yaml")
}

// client builds the API client from the flags.
func (f *clientFlags) client() (client.API, error) {
	switch f.output {
	case "table", "json", "yaml":
	default:
		return nil, fmt.Errorf("--output %q: use table, json or yaml", f.output)
	}
	tok := f.token
	if tok == "" {
		tok = os.Getenv(client.EnvToken)
	}
	retries := f.retries
	if retries == 0 {
		retries = -1
	}
	opts := client.Options{Endpoint: f.endpoint, Token: tok, TokenFile: f.tokenFile, Namespace: f.namespace,
		CAFile: f.caFile, InsecureSkipVerify: f.insecure, Timeout: f.requestTimeout, Retries: retries, UserAgent: "kfpgo/" + version}
	return client.New(opts)
}

// table is a kubectl-style table: upper-case headers, aligned columns.
type table struct {
	header []string
	rows   [][]string
}

// print writes v as JSON or YAML, or t as a table, per --output.
// withClient returns a cobra RunE that builds the KFP client from the
// flags (an error when they do not name a reachable configuration) and
// calls run with it.
func (f *clientFlags) withClient(run func(cmd *cobra.Command, args []string, api client.API) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		api, err := f.client()
		if err != nil {
			return err
		}
		return run(cmd, args, api)
	}
}

func (f *clientFlags) print(w io.Writer, v any, t table) error {
	switch f.output {
	case "json":
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// ts formats an API timestamp for tables.
func ts(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sourceFlags pick the pipeline a run or recurring run executes.
type sourceFlags struct {
	pipeline, pipelineID, version, versionID, pkg string
}

func (s *sourceFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.pipeline, "pipeline", "", "uploaded pipeline, by name")
	fs.StringVar(&s.pipelineID, "pipeline-id", "", "uploaded pipeline, by ID")
	fs.StringVar(&s.version, "version", "", "pipeline version, by name (default: the latest version)")
	fs.StringVar(&s.versionID, "version-id", "", "pipeline version, by ID")
	fs.StringVar(&s.pkg, "package", "", "compiled pipeline YAML to run inline instead of an uploaded version")
}

// resolve turns the flags into a client.Source.
func (s *sourceFlags) resolve(ctx context.Context, api client.API) (client.Source, error) {
	if s.pkg != "" {
		if s.pipeline != "" || s.pipelineID != "" || s.version != "" || s.versionID != "" {
			return client.Source{}, fmt.Errorf("--package runs a file inline: drop --pipeline/--pipeline-id/--version/--version-id")
		}
		b, err := upload.ReadFile(s.pkg)
		if err != nil {
			return client.Source{}, err
		}
		pkg, err := client.ParsePackage(b)
		if err != nil {
			return client.Source{}, fmt.Errorf("%s: %w", s.pkg, err)
		}
		return client.Source{Package: pkg}, nil
	}
	pid, err := resolvePipelineID(ctx, api, s.pipeline, s.pipelineID)
	if err != nil {
		return client.Source{}, err
	}
	switch {
	case s.versionID != "":
		return client.Source{PipelineID: pid, PipelineVersionID: s.versionID}, nil
	case s.version != "":
		v, err := client.GetPipelineVersionByName(ctx, api, pid, s.version)
		if err != nil {
			return client.Source{}, err
		}
		return client.Source{PipelineID: pid, PipelineVersionID: v.PipelineVersionID}, nil
	}
	v, err := client.LatestPipelineVersion(ctx, api, pid)
	if err != nil {
		return client.Source{}, err
	}
	return client.Source{PipelineID: pid, PipelineVersionID: v.PipelineVersionID}, nil
}

func resolvePipelineID(ctx context.Context, api client.API, name, id string) (string, error) {
	switch {
	case name != "" && id != "":
		return "", fmt.Errorf("pass one of --pipeline and --pipeline-id")
	case id != "":
		return id, nil
	case name != "":
		p, err := client.GetPipelineByName(ctx, api, name)
		if err != nil {
			return "", err
		}
		return p.PipelineID, nil
	}
	return "", fmt.Errorf("no pipeline: pass --pipeline NAME, --pipeline-id ID or --package FILE")
}

// experimentFlags pick an experiment by name (created when missing) or ID.
type experimentFlags struct{ name, id string }

func (e *experimentFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&e.name, "experiment", "", "experiment name (created when missing)")
	fs.StringVar(&e.id, "experiment-id", "", "experiment ID")
}

// resolve returns the experiment ID; "" when neither flag is set and !required.
func (e *experimentFlags) resolve(ctx context.Context, api client.API, required bool) (string, error) {
	switch {
	case e.name != "" && e.id != "":
		return "", fmt.Errorf("pass one of --experiment and --experiment-id")
	case e.id != "":
		return e.id, nil
	case e.name != "":
		x, err := client.EnsureExperiment(ctx, api, e.name, "")
		if err != nil {
			return "", err
		}
		return x.ExperimentID, nil
	case required:
		return "", fmt.Errorf("pass --experiment NAME or --experiment-id ID")
	}
	return "", nil
}

// lookupExperiment is resolve without creating a missing experiment.
func (e *experimentFlags) lookup(ctx context.Context, api client.API) (string, error) {
	if e.name != "" && e.id == "" {
		x, err := client.GetExperimentByName(ctx, api, e.name)
		if err != nil {
			return "", err
		}
		return x.ExperimentID, nil
	}
	return e.resolve(ctx, api, false)
}

// parseParams types --param name=value flags against the source's pipeline.
func parseParams(ctx context.Context, api client.API, src client.Source, kvs []string) (map[string]any, error) {
	raw, err := client.SplitParams(kvs)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, nil
	}
	var spec map[string]any
	if src.Package != nil {
		spec = src.Package.PipelineSpec
	} else {
		v, err := api.GetPipelineVersion(ctx, src.PipelineID, src.PipelineVersionID)
		if err != nil {
			return nil, err
		}
		spec = v.PipelineSpec
	}
	inputs, err := client.RootInputs(spec)
	if err != nil {
		return nil, err
	}
	return client.ParseParameterValues(inputs, raw)
}

// groupCommand is a parent command whose subcommands share client flags.
func groupCommand(use, short string, f *clientFlags, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs}
	f.register(c.PersistentFlags())
	c.AddCommand(subs...)
	return c
}
