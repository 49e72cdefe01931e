package local

import (
	"fmt"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
)

// taskEdge is one "task waits on another task" reference of a DAG: the
// upstream task and the YAML path (below the task) that names it.
type taskEdge struct {
	to   string
	path string
}

// checkDAG refuses the task references of one DAG that would make a local
// run wait forever: a task, producer or DAG output naming a task the DAG
// lacks, and a cycle through dependentTasks, taskOutputParameter and
// taskOutputArtifact producers. at is the YAML path of the DAG
// ("root.dag" or "components.comp-x.dag"). The message names the YAML path
// of the reference and, for a cycle, the tasks in order, e.g.
// "root.dag.tasks.add.dependentTasks: cycle add -> add2 -> add".
func checkDAG(at string, dag *pipelinespec.DagSpec) string {
	tasks := dag.GetTasks()
	edges := map[string][]taskEdge{}
	for _, tn := range sortedKeys(tasks) {
		t := tasks[tn]
		var es []taskEdge
		for _, d := range t.GetDependentTasks() {
			es = append(es, taskEdge{to: d, path: "dependentTasks"})
		}
		ps := t.GetInputs().GetParameters()
		for _, in := range sortedKeys(ps) {
			if k := ps[in].GetTaskOutputParameter(); k != nil {
				es = append(es, taskEdge{to: k.GetProducerTask(), path: "inputs.parameters." + in + ".taskOutputParameter.producerTask"})
			}
		}
		as := t.GetInputs().GetArtifacts()
		for _, in := range sortedKeys(as) {
			if k := as[in].GetTaskOutputArtifact(); k != nil {
				es = append(es, taskEdge{to: k.GetProducerTask(), path: "inputs.artifacts." + in + ".taskOutputArtifact.producerTask"})
			}
		}
		for _, e := range es {
			if _, ok := tasks[e.to]; !ok {
				return fmt.Sprintf("%s.tasks.%s.%s: task %q is not in this DAG: recompile the pipeline", at, tn, e.path, e.to)
			}
		}
		edges[tn] = es
	}
	if msg := dagOutputRefs(at, dag); msg != "" {
		return msg
	}
	// Depth-first search; a grey task met again closes a cycle.
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var cycle string
	var visit func(tn string) bool
	visit = func(tn string) bool {
		color[tn] = grey
		stack = append(stack, tn)
		for _, e := range edges[tn] {
			switch color[e.to] {
			case grey:
				i := len(stack) - 1
				for stack[i] != e.to {
					i--
				}
				names := append(append([]string(nil), stack[i:]...), e.to)
				// Report at the edge leaving the cycle's first task.
				first := stack[i]
				path := e.path
				if i+1 < len(stack) {
					for _, fe := range edges[first] {
						if fe.to == stack[i+1] {
							path = fe.path
							break
						}
					}
				}
				cycle = fmt.Sprintf("%s.tasks.%s.%s: cycle %s: remove one of these dependencies", at, first, path, strings.Join(names, " -> "))
				return true
			case white:
				if visit(e.to) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[tn] = black
		return false
	}
	for _, tn := range sortedKeys(tasks) {
		if color[tn] == white && visit(tn) {
			return cycle
		}
	}
	return ""
}

// dagOutputRefs refuses DAG outputs whose producerSubtask names a task the
// DAG lacks.
func dagOutputRefs(at string, dag *pipelinespec.DagSpec) string {
	tasks := dag.GetTasks()
	check := func(path, task string) string {
		if _, ok := tasks[task]; !ok {
			return fmt.Sprintf("%s.outputs.%s.producerSubtask: task %q is not in this DAG: recompile the pipeline", at, path, task)
		}
		return ""
	}
	ps := dag.GetOutputs().GetParameters()
	for _, n := range sortedKeys(ps) {
		switch k := ps[n].GetKind().(type) {
		case *pipelinespec.DagOutputsSpec_DagOutputParameterSpec_ValueFromParameter:
			if m := check("parameters."+n+".valueFromParameter", k.ValueFromParameter.GetProducerSubtask()); m != "" {
				return m
			}
		case *pipelinespec.DagOutputsSpec_DagOutputParameterSpec_ValueFromOneof:
			for i, sel := range k.ValueFromOneof.GetParameterSelectors() {
				if m := check(fmt.Sprintf("parameters.%s.valueFromOneof.parameterSelectors[%d]", n, i), sel.GetProducerSubtask()); m != "" {
					return m
				}
			}
		}
	}
	as := dag.GetOutputs().GetArtifacts()
	for _, n := range sortedKeys(as) {
		for i, sel := range as[n].GetArtifactSelectors() {
			if m := check(fmt.Sprintf("artifacts.%s.artifactSelectors[%d]", n, i), sel.GetProducerSubtask()); m != "" {
				return m
			}
		}
	}
	return ""
}
