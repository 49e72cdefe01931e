// Command wordcount is the container entry point of the word-count
// component: KFP runs it with --executor_input and --function_to_execute.
package main

import (
	"github.com/kfpgo/kfpgo/examples/gofunc"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

func main() { executor.Main(gofunc.WordCount) }
