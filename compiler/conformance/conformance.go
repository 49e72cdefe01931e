// Package conformance holds Go ports of the pipelines behind KFP's own
// compiled goldens (kubeflow/pipelines test_data/sdk_compiled_pipelines and
// the kfp-kubernetes snapshots) and the comparison rules, so a test can
// check that kfpgo compiles each one to what KFP's Python SDK emits.
//
// The goldens themselves are not in this repository: the conformance test
// (build tag "conformance", `make conformance`) reads them from
// ../shared/conformance beside the checkout or from $KFPGO_CONFORMANCE_DIR.
//
// Comparison (Compare) follows the corpus README: both documents are parsed
// as data and compared key by key, lists in order, except sdkVersion and,
// for executors whose golden runs a Python function (its command mentions
// kfp.dsl.executor_main), their image, command and args: the Go ports use
// Go-function components there by design.
package conformance

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Case is one ported golden.
type Case struct {
	// Golden is the path relative to the corpus root, e.g.
	// "kfp-ir/hello_world.yaml".
	Golden string
	// Pipeline is the Go port.
	Pipeline dsl.PipelineDef
	// Options are the compile options the golden needs (e.g. caching off).
	Options compiler.Options
}

// Cases maps a golden path to its port; filled by the cases_*.go files.
var Cases = map[string]Case{}

// add registers a ported golden.
func add(golden string, p dsl.PipelineDef, opts ...compiler.Options) {
	c := Case{Golden: golden, Pipeline: p}
	if len(opts) > 0 {
		c.Options = opts[0]
	}
	if _, dup := Cases[golden]; dup {
		panic("conformance: golden ported twice: " + golden)
	}
	Cases[golden] = c
}

// LoadedCase is a ported golden whose pipeline reuses components that KFP's
// Python source does not define itself but loads from elsewhere (a URL, or
// a library such as Google Cloud Pipeline Components). The port loads
// those components out of the golden's compiled form with
// componentyaml.LoadFromPipeline, so it is built once the corpus is found;
// the pipeline's structure, arguments and every component it defines
// itself are written in Go.
type LoadedCase struct {
	// Golden is the path relative to the corpus root.
	Golden string
	// Build makes the port; golden is the golden's file path, read for the
	// loaded components only.
	Build func(golden string) (dsl.PipelineDef, error)
	// Options are the compile options the golden needs.
	Options compiler.Options
}

// LoadedCases maps a golden path to its port; filled by cases_loaded.go.
var LoadedCases = map[string]LoadedCase{}

// addLoaded registers a ported golden that loads some of its components.
func addLoaded(golden string, build func(golden string) (dsl.PipelineDef, error)) {
	if _, dup := LoadedCases[golden]; dup {
		panic("conformance: golden ported twice: " + golden)
	}
	LoadedCases[golden] = LoadedCase{Golden: golden, Build: build}
}

// Compare compares a golden document stream with a compiled one as data,
// returning "" when they match, else the first differing path and values.
// Both arguments are the documents parsed to generic trees (PipelineSpec
// first, PlatformSpec second when present).
func Compare(want, got []any) string {
	if len(want) != len(got) {
		return fmt.Sprintf("document count: want %d, got %d", len(want), len(got))
	}
	pyExecs := map[string]bool{}
	if len(want) > 0 {
		pyExecs = pythonExecutors(want[0])
	}
	for i := range want {
		if d := diff(want[i], got[i], fmt.Sprintf("doc%d", i), pyExecs); d != "" {
			return d
		}
	}
	return ""
}

// pythonExecutors lists executors whose golden command runs a Python
// function (kfp.dsl.executor_main).
func pythonExecutors(doc any) map[string]bool {
	out := map[string]bool{}
	m, _ := doc.(map[string]any)
	ds, _ := m["deploymentSpec"].(map[string]any)
	ex, _ := ds["executors"].(map[string]any)
	for name, e := range ex {
		em, _ := e.(map[string]any)
		c, _ := em["container"].(map[string]any)
		if strings.Contains(fmt.Sprint(c["command"]), "kfp.dsl.executor_main") {
			out[name] = true
		}
	}
	return out
}

func diff(want, got any, path string, py map[string]bool) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want a map, got %s", path, short(got))
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := path + "." + k
			if path == "doc0" && k == "sdkVersion" {
				continue
			}
			if strings.HasPrefix(path, "doc0.deploymentSpec.executors.") && strings.Count(path, ".") == 4 && strings.HasSuffix(path, ".container") {
				exec := strings.Split(path, ".")[3]
				if py[exec] && (k == "image" || k == "command" || k == "args") {
					continue
				}
			}
			wv, wok := w[k]
			gv, gok := g[k]
			if !wok {
				return fmt.Sprintf("%s: unexpected key, got %s", p, short(gv))
			}
			if !gok {
				return fmt.Sprintf("%s: missing, want %s", p, short(wv))
			}
			if d := diff(wv, gv, p, py); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: want a list, got %s", path, short(got))
		}
		for i := 0; i < len(w) && i < len(g); i++ {
			if d := diff(w[i], g[i], fmt.Sprintf("%s[%d]", path, i), py); d != "" {
				return d
			}
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: want %d items, got %d", path, len(w), len(g))
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("%s: want %s, got %s", path, short(want), short(got))
	}
	return ""
}

func short(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
