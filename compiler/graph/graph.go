// Package graph draws a compiled pipeline's DAG: tasks as nodes,
// dependentTasks as edges, and sub-DAGs (conditions, loops, exit handlers,
// nested pipelines) as clusters, in Graphviz DOT, Mermaid, or SVG (rendered
// by Graphviz's dot program).
//
// It reads compiled KFP IR (pipelinespec.PipelineSpec), so it draws any
// pipeline file, whatever wrote it.
package graph

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
)

// Node is a task of a DAG; Sub is set when the task runs a sub-DAG.
type Node struct {
	// ID is unique in the whole drawing ("n3").
	ID string
	// Name is the task name; Label adds the kind of sub-DAG.
	Name, Label string
	// Deps are the IDs of the sibling nodes this one depends on.
	Deps []string
	// Sub is the sub-DAG run by the task, or nil for an executor.
	Sub *DAG
	// Exit marks an exit handler's exit task.
	Exit bool
}

// DAG is the tasks of one DAG, sorted by name.
type DAG struct {
	Nodes []*Node
}

// Build turns a PipelineSpec into a nested DAG.
func Build(spec *pipelinespec.PipelineSpec) *DAG {
	n := 0
	var build func(dag *pipelinespec.DagSpec, depth int) *DAG
	build = func(dag *pipelinespec.DagSpec, depth int) *DAG {
		out := &DAG{}
		names := make([]string, 0, len(dag.GetTasks()))
		for name := range dag.GetTasks() {
			names = append(names, name)
		}
		sort.Strings(names)
		ids := map[string]string{}
		for _, name := range names {
			n++
			ids[name] = fmt.Sprintf("n%d", n)
		}
		for _, name := range names {
			t := dag.GetTasks()[name]
			node := &Node{ID: ids[name], Name: name, Label: name}
			for _, d := range t.GetDependentTasks() {
				if id, ok := ids[d]; ok {
					node.Deps = append(node.Deps, id)
				}
			}
			if t.GetTriggerPolicy().GetStrategy() == pipelinespec.PipelineTaskSpec_TriggerPolicy_ALL_UPSTREAM_TASKS_COMPLETED {
				node.Exit = true
			}
			comp := spec.GetComponents()[t.GetComponentRef().GetName()]
			if sub := comp.GetDag(); sub != nil && depth < 32 {
				node.Sub = build(sub, depth+1)
				switch {
				case t.GetTriggerPolicy().GetCondition() != "":
					node.Label = name + ": if " + simplifyCEL(t.GetTriggerPolicy().GetCondition())
				case t.GetParameterIterator() != nil || t.GetArtifactIterator() != nil:
					node.Label = name + ": ParallelFor"
					if p := t.GetIteratorPolicy().GetParallelismLimit(); p > 0 {
						node.Label += fmt.Sprintf(" (parallelism %d)", p)
					}
				case strings.HasPrefix(name, "exit-handler-"):
					node.Label = name + ": ExitHandler"
				case strings.HasPrefix(name, "condition-branches-"):
					node.Label = name + ": If/Elif/Else"
				default:
					node.Label = name + ": pipeline"
				}
			}
			if dn := t.GetTaskInfo().GetName(); dn != "" && dn != name {
				node.Label = dn + " (" + node.Label + ")"
			}
			out.Nodes = append(out.Nodes, node)
		}
		return out
	}
	return build(spec.GetRoot().GetDag(), 0)
}

var celChannel = regexp.MustCompile(`inputs\.parameter_values\['(?:pipelinechannel--)?([^']+)'\]`)

// simplifyCEL shortens KFP's CEL condition to the channel names it reads.
func simplifyCEL(c string) string { return celChannel.ReplaceAllString(c, "$1") }

// anchor is the node an edge to a cluster attaches to (its first task).
func anchor(n *Node) string {
	for n.Sub != nil && len(n.Sub.Nodes) > 0 {
		n = n.Sub.Nodes[0]
	}
	return n.ID
}

func isCluster(n *Node) bool { return n.Sub != nil && len(n.Sub.Nodes) > 0 }

// Dot writes the DAG in Graphviz DOT, sub-DAGs as clusters.
func Dot(w io.Writer, title string, d *DAG) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n  compound=true;\n  rankdir=TB;\n  labelloc=t;\n  label=%q;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\", fontname=\"Helvetica\"];\n  edge [color=\"#5f6368\"];\n", title, title)
	byID := map[string]*Node{}
	var index func(d *DAG)
	index = func(d *DAG) {
		for _, n := range d.Nodes {
			byID[n.ID] = n
			if n.Sub != nil {
				index(n.Sub)
			}
		}
	}
	index(d)
	var nodes func(d *DAG, indent string)
	nodes = func(d *DAG, indent string) {
		for _, n := range d.Nodes {
			if isCluster(n) {
				fmt.Fprintf(&b, "%ssubgraph cluster_%s {\n%s  label=%q;\n%s  style=\"rounded,dashed\";\n", indent, n.ID, indent, n.Label, indent)
				nodes(n.Sub, indent+"  ")
				fmt.Fprintf(&b, "%s}\n", indent)
				continue
			}
			attrs := ""
			if n.Exit {
				attrs = ", fillcolor=\"#fce8e6\""
			}
			fmt.Fprintf(&b, "%s%s [label=%q%s];\n", indent, n.ID, n.Label, attrs)
		}
	}
	nodes(d, "  ")
	var edges func(d *DAG)
	edges = func(d *DAG) {
		for _, n := range d.Nodes {
			for _, dep := range n.Deps {
				from, to := byID[dep], n
				var attrs []string
				if isCluster(from) {
					attrs = append(attrs, "ltail=cluster_"+from.ID)
				}
				if isCluster(to) {
					attrs = append(attrs, "lhead=cluster_"+to.ID)
				}
				if to.Exit {
					attrs = append(attrs, "style=dashed")
				}
				a := ""
				if len(attrs) > 0 {
					a = " [" + strings.Join(attrs, ", ") + "]"
				}
				fmt.Fprintf(&b, "  %s -> %s%s;\n", anchor(from), anchor(to), a)
			}
			if n.Sub != nil {
				edges(n.Sub)
			}
		}
	}
	edges(d)
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Mermaid writes the DAG as a Mermaid flowchart, sub-DAGs as subgraphs.
func Mermaid(w io.Writer, title string, d *DAG) error {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s\n---\nflowchart TD\n", title)
	var nodes func(d *DAG, indent string)
	nodes = func(d *DAG, indent string) {
		for _, n := range d.Nodes {
			if isCluster(n) {
				fmt.Fprintf(&b, "%ssubgraph %s [\"%s\"]\n", indent, n.ID, mermaidText(n.Label))
				nodes(n.Sub, indent+"  ")
				fmt.Fprintf(&b, "%send\n", indent)
				continue
			}
			fmt.Fprintf(&b, "%s%s(\"%s\")\n", indent, n.ID, mermaidText(n.Label))
		}
	}
	nodes(d, "  ")
	var edges func(d *DAG)
	edges = func(d *DAG) {
		for _, n := range d.Nodes {
			for _, dep := range n.Deps {
				arrow := "-->"
				if n.Exit {
					arrow = "-.->"
				}
				fmt.Fprintf(&b, "  %s %s %s\n", dep, arrow, n.ID)
			}
			if n.Sub != nil {
				edges(n.Sub)
			}
		}
	}
	edges(d)
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "[", "#91;", "]", "#93;", "'", "#39;")
	return r.Replace(s)
}

// SVG renders the DOT drawing with Graphviz's dot program.
//
// Errors: dot not installed (the message says how to install it, or to use
// the dot or mermaid format), or dot's own error.
func SVG(w io.Writer, title string, d *DAG) error {
	path, err := exec.LookPath("dot")
	if err != nil {
		return fmt.Errorf("svg output needs Graphviz's dot program: install it with `apt-get install -y graphviz`, or use --format dot or --format mermaid")
	}
	var src bytes.Buffer
	if err := Dot(&src, title, d); err != nil {
		return err
	}
	cmd := exec.Command(path, "-Tsvg")
	cmd.Stdin = &src
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dot -Tsvg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
