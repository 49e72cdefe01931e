package main

import "github.com/spf13/cobra"

// runSubcommandFactories holds constructors of `kfpgo run` subcommands
// (create, get, list, wait), appended to by addRunSubcommand from init.
var runSubcommandFactories []func() *cobra.Command

// runLocalSetup, when set by an init function, adds the `--local` flags and
// behaviour to the `kfpgo run` command itself.
var runLocalSetup func(run *cobra.Command)

// addRunSubcommand registers a constructor of a `kfpgo run` subcommand.
func addRunSubcommand(f func() *cobra.Command) {
	runSubcommandFactories = append(runSubcommandFactories, f)
}

func init() {
	addCommand(func() *cobra.Command {
		run := &cobra.Command{
			Use:   "run",
			Short: "Run pipelines: locally (--local) or on a KFP server (create, get, list, wait)",
		}
		if runLocalSetup != nil {
			runLocalSetup(run)
		}
		for _, f := range runSubcommandFactories {
			run.AddCommand(f())
		}
		return run
	})
}
