package executor

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// writeHelp prints the usage and, for each hosted component, its inputs and
// outputs with KFP types, defaults and optionality.
func writeHelp(w io.Writer, hosted map[string]dsl.Runnable) {
	fmt.Fprint(w, `Usage: <binary> --executor_input JSON|@FILE [--function_to_execute NAME]

Runs a Go-function component of Kubeflow Pipelines with the ExecutorInput
that KFP's launcher passes ({{$}}), writing the ExecutorOutput to the file it
names. Remote artifact URIs map to local paths under $`+MountRootEnv+` (default /):
gs:// → gcs/, s3:// → s3/, minio:// → minio/.

Components:
`)
	names := make([]string, 0, len(hosted))
	for n := range hosted {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintln(w, "  (none registered)")
	}
	for _, n := range names {
		r := hosted[n]
		fmt.Fprintf(w, "\n  %s\n", n)
		writeFields(w, "inputs", r.InputSignature())
		writeFields(w, "outputs", r.OutputSignature())
	}
}

func writeFields(w io.Writer, title string, sig *dsl.Signature) {
	if sig == nil || len(sig.Fields) == 0 {
		fmt.Fprintf(w, "    %s: none\n", title)
		return
	}
	fmt.Fprintf(w, "    %s:\n", title)
	for _, f := range sig.Fields {
		var notes []string
		if f.HasDefault {
			notes = append(notes, fmt.Sprintf("default %v", f.Default))
		} else if f.Optional {
			notes = append(notes, "optional")
		}
		if f.Description != "" {
			notes = append(notes, f.Description)
		}
		line := fmt.Sprintf("      %-24s %s", f.Name, f.Type)
		if len(notes) > 0 {
			line += "  (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintln(w, line)
	}
}
