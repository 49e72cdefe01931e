// Command noop is a Go component that does nothing: it accepts the
// Go-function component arguments (--executor_input, --function_to_execute)
// and exits 0. The runner's benchmarks use it to measure per-task overhead.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("executor_input", "{}", "ExecutorInput JSON")
	flag.String("function_to_execute", "", "component name")
	flag.Parse()
	if !json.Valid([]byte(*in)) {
		fmt.Fprintln(os.Stderr, "noop: --executor_input is not JSON")
		os.Exit(2)
	}
}
