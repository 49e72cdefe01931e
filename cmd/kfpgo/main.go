// Command kfpgo compiles Go-defined Kubeflow Pipelines to KFP IR and Argo
// Workflows, runs them locally, and drives the KFP API server.
//
// Each verb lives in its own file of this package and registers itself with
// addCommand from an init function; main only assembles the tree.
package main

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/redact"
)

// version is stamped at link time with -ldflags "-X main.version=…".
var version = "devel"

// commandFactories holds the constructors of the top-level verbs, appended to
// by addCommand from each verb's init function (the same registry pattern as
// database/sql.Register). It is only written during package initialisation.
var commandFactories []func() *cobra.Command

// addCommand registers a constructor of a top-level verb.
func addCommand(f func() *cobra.Command) { commandFactories = append(commandFactories, f) }

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "kfpgo",
		Short:         "Compile, run and ship Kubeflow Pipelines written in Go",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, f := range commandFactories {
		root.AddCommand(f())
	}
	return root
}

// exitError carries the process exit status of a failed command, for
// failures whose status is not 1 (a run cancelled with Ctrl-C exits 130).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitStatus returns the process exit status for a command's error: 0 for
// nil, the status of an *exitError, 1 otherwise.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func main() {
	// Secrets from the environment and anything shaped like a credential
	// never reach the terminal's error stream, whichever layer failed.
	stderr := redact.NewWriter(os.Stderr, redact.SecretsFromEnv(os.Environ())...)
	log.SetOutput(stderr) // also slog's default handler
	root := newRootCmd()
	root.SetErr(stderr)
	err := root.Execute()
	if err != nil && !errors.Is(err, errSilentExit) {
		fmt.Fprintln(stderr, "Error:", err)
	}
	_ = stderr.Flush()
	os.Exit(exitStatus(err))
}
