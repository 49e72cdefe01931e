// Command noop is a Go component that does nothing: it accepts the
// Go-function component arguments (--executor_input JSON or @file,
// --function_to_execute) and exits 0. The runner's benchmarks use it to
// measure per-task overhead.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	in := flag.String("executor_input", "{}", "ExecutorInput JSON, or @file")
	flag.String("function_to_execute", "", "component name")
	flag.Parse()
	text := []byte(*in)
	if name, ok := strings.CutPrefix(*in, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "noop: read --executor_input file:", err)
			os.Exit(2)
		}
		text = b
	}
	if !json.Valid(text) {
		fmt.Fprintln(os.Stderr, "noop: --executor_input is not JSON")
		os.Exit(2)
	}
}
