package dsl

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// ValidWorkspaceSize reports whether size is a workspace size KFP accepts:
// a Kubernetes quantity such as "1Gi", "500Mi" or "1.5T" (KFP's check,
// kfp/dsl/pipeline_config.py _SIZE_REGEX; surrounding spaces are ignored).
func ValidWorkspaceSize(size string) bool {
	return workspaceSizeRE.MatchString(strings.TrimSpace(size))
}

// compiledWorkspace is a workspace that a loaded compiled pipeline brings:
// task (a task of the pipeline being built) runs it, directly or through
// nested pipelines; name is the loaded pipeline's name.
type compiledWorkspace struct {
	task *ir.Task
	name string
	ws   *ir.Workspace
}

// liftWorkspace gives g the workspace of the loaded compiled pipelines
// (ir.Compiled with a Workspace, e.g. from sdk/componentyaml) that its tasks
// run at any depth. KFP applies only the outermost pipeline's
// pipelineConfig, so without this a loaded pipeline that reads
// `{{$.workspace_path}}` or downloads imports to the workspace would run
// without one. A workspace that g sets itself wins when it is the same
// (size as written and PVC spec patch); a different one, or two loaded
// pipelines that need different workspaces, is an ir.InvalidValue error at
// the task that brings the second one, naming both. Workspaces that nested
// Go pipelines set with PipelineWorkspace are not lifted: as in KFP, only
// the compiled pipeline's own counts.
func liftWorkspace(g *ir.Pipeline) {
	var from *compiledWorkspace
	for _, cw := range compiledWorkspaces(g, map[*ir.Pipeline]bool{}) {
		if g.Workspace == nil {
			g.Workspace, from = cw.ws, &cw
			continue
		}
		if sameWorkspace(g.Workspace, cw.ws) {
			continue
		}
		if from == nil {
			g.Errors.Addf(cw.task.Pos, ir.InvalidValue,
				"KFP mounts one workspace per run: give the pipeline the same dsl.PipelineWorkspace, or drop its own to take the loaded pipeline's",
				"pipeline %q sets workspace %s, but task %q runs the loaded pipeline %q, whose workspace is %s",
				g.Component.Name, describeWorkspace(g.Workspace), cw.task.Name, cw.name, describeWorkspace(cw.ws))
			continue
		}
		g.Errors.Addf(cw.task.Pos, ir.InvalidValue,
			"KFP mounts one workspace per run: load pipelines compiled with the same workspace, or recompile one of them",
			"pipeline %q: task %q runs the loaded pipeline %q, whose workspace is %s, but task %q runs the loaded pipeline %q, whose workspace is %s",
			g.Component.Name, from.task.Name, from.name, describeWorkspace(from.ws), cw.task.Name, cw.name, describeWorkspace(cw.ws))
	}
}

// compiledWorkspaces lists, in task order, the workspaces of the loaded
// compiled pipelines that g's tasks run, looking through nested pipelines.
func compiledWorkspaces(g *ir.Pipeline, seen map[*ir.Pipeline]bool) []compiledWorkspace {
	if seen[g] {
		return nil
	}
	seen[g] = true
	var out []compiledWorkspace
	for _, t := range g.Tasks {
		if t.Component == nil {
			continue
		}
		switch impl := t.Component.Impl.(type) {
		case *ir.Compiled:
			if impl.Workspace != nil {
				out = append(out, compiledWorkspace{task: t, name: t.Component.Name, ws: impl.Workspace})
			}
		case *ir.Pipeline:
			for _, cw := range compiledWorkspaces(impl, seen) {
				out = append(out, compiledWorkspace{task: t, name: cw.name, ws: cw.ws})
			}
		}
	}
	return out
}

// sameWorkspace compares sizes as written and PVC spec patches as JSON (an
// absent patch equals an empty one).
func sameWorkspace(a, b *ir.Workspace) bool {
	return strings.TrimSpace(a.Size) == strings.TrimSpace(b.Size) && patchJSON(a) == patchJSON(b)
}

func patchJSON(w *ir.Workspace) string {
	if len(w.PVCSpecPatch) == 0 {
		return "{}"
	}
	b, err := json.Marshal(w.PVCSpecPatch)
	if err != nil {
		return fmt.Sprint(w.PVCSpecPatch)
	}
	return string(b)
}

// describeWorkspace formats w for messages, e.g.
// `size "1Gi", pvcSpecPatch {"storageClassName":"standard"}`.
func describeWorkspace(w *ir.Workspace) string {
	s := fmt.Sprintf("size %q", strings.TrimSpace(w.Size))
	if p := patchJSON(w); p != "{}" {
		s += ", pvcSpecPatch " + p
	}
	return s
}
