package dsl

// Option configures a component or a pipeline at definition time.
type Option func(*options)

type options struct {
	image       string
	command     []string
	description string
	displayName string
	noCache     bool
	root        string
}

// Image sets the container image of a Go-function component. Use a ko
// reference, "ko://<import path of the component's main package>", so that
// `ko resolve` (or `kfpgo compile --image-repo`) writes a concrete image and
// the local runner builds the binary with `go build`.
func Image(ref string) Option { return func(o *options) { o.image = ref } }

// Command sets the container command of a Go-function component whose image
// is not a ko:// reference (for ko images it is /ko-app/<binary>, the path ko
// installs the binary at).
func Command(cmd ...string) Option { return func(o *options) { o.command = cmd } }

// Description sets the component's or pipeline's description (KFP
// pipelineInfo.description for pipelines).
func Description(s string) Option { return func(o *options) { o.description = s } }

// DisplayName sets a pipeline's display name (KFP pipelineInfo.displayName).
func DisplayName(s string) Option { return func(o *options) { o.displayName = s } }

// DefaultPipelineRoot sets the pipeline's default pipeline root, the URI
// under which runs store artifacts unless the run overrides it
// (PipelineSpec.defaultPipelineRoot), e.g. "s3://bucket/pipelines".
func DefaultPipelineRoot(uri string) Option { return func(o *options) { o.root = uri } }

// SideEffects declares a component side-effecting: its tasks default to
// caching disabled (a task can still enable it with SetCaching(true)).
func SideEffects() Option { return func(o *options) { o.noCache = true } }

func applyOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}
