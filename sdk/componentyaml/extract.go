package componentyaml

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/upload"
)

// LoadFromPipelineFile is LoadFromPipeline reading the compiled pipeline
// from path.
func LoadFromPipelineFile(path, component string) (*dsl.UntypedComponent, error) {
	data, err := upload.ReadFile(path)
	if tl := (*upload.TooLargeError)(nil); errors.As(err, &tl) {
		return nil, err
	}
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Hint: "give the path of a pipeline YAML written by kfp.compiler or kfpgo"}
	}
	return LoadFromPipeline(path, data, component)
}

// LoadFromPipeline loads one container component out of a compiled
// pipeline (PipelineSpec YAML as kfp.compiler or kfpgo writes it), for
// reusing a component that is published only as part of a pipeline, such
// as a Google Cloud Pipeline Components op or a component a Python
// pipeline loaded from a URL. component is the key under `components`
// ("comp-xgboost-train") or the name after its "comp-" prefix
// ("xgboost-train"), which becomes the loaded component's name.
//
// The component's inputDefinitions and outputDefinitions become its
// interface (types, defaults, descriptions) and its executor
// (deploymentSpec.executors[executorLabel].container: image, command,
// args, env) its implementation, with every placeholder checked as Load
// checks a v2 component.
//
// The container's resources are dropped: kfp.compiler writes there what
// the task that used the component set (set_cpu_limit, set_memory_request,
// set_accelerator_type…), so they belong to that task, not to the
// component; set them on the task that uses the loaded component
// (dsl.Task's SetCPULimit and the like). The env list is kept: it is the
// component's own (a task's set_env_variable lands in the same list and
// cannot be told apart from it).
//
// Errors (*Error) name the file, the YAML path and the fix: an unknown
// component (the known ones are listed), a DAG or importer component (load
// the whole pipeline with Load instead), a container lifecycle hook
// (lifecycle.preCacheCheck, which a loaded container component cannot
// carry; Load keeps it), or a container key KFP's PipelineContainerSpec
// does not define.
func LoadFromPipeline(file string, data []byte, component string) (*dsl.UntypedComponent, error) {
	if err := upload.Check(file, data); err != nil {
		return nil, err
	}
	docs, err := splitDocs(file, data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, &Error{File: file, Msg: "the file holds no YAML document", Hint: "give a pipeline YAML written by kfp.compiler or kfpgo"}
	}
	l := &loader{file: file}
	doc := docs[0]
	comps, execs, err := l.componentsAndExecutors(doc)
	if err != nil {
		return nil, err
	}
	key := component
	if !strings.HasPrefix(key, "comp-") {
		key = "comp-" + key
	}
	name := strings.TrimPrefix(key, "comp-")
	cpath := "components." + key
	comp, ok := comps[key].(map[string]any)
	if !ok {
		known := sortedKeys(comps)
		if len(known) == 0 {
			known = []string{"(none)"}
		}
		return nil, l.errf("components", "use one of: "+strings.Join(known, ", "), "has no component %q", key)
	}
	if comp["dag"] != nil {
		return nil, l.errf(join(cpath, "dag"), "load the whole pipeline with componentyaml.Load and use it as a nested pipeline", "component %q is a DAG, not a container component", key)
	}
	label, err := l.strAt(comp, "executorLabel", cpath, true)
	if err != nil {
		return nil, err
	}
	xpath := "deploymentSpec.executors." + label
	x, ok := execs[label].(map[string]any)
	if !ok {
		return nil, l.errf(xpath, "add the executor the component's executorLabel names", "is missing (named by %s.executorLabel)", cpath)
	}
	ctr, err := l.mapAt(x, "container", xpath)
	if err != nil {
		return nil, err
	}
	if ctr == nil {
		return nil, l.errf(xpath, "load an importer with the DSL's Importer instead", "executor %q is not a container", label)
	}
	ctr, err = l.componentContainer(ctr, join(xpath, "container"))
	if err != nil {
		return nil, err
	}
	ins, outs, err := l.interfaceOf(comp, cpath)
	if err != nil {
		return nil, err
	}
	c := &ir.Component{Name: name, Inputs: ins, Outputs: outs}
	impl, err := l.container(ctr, join(xpath, "container"), c)
	if err != nil {
		return nil, err
	}
	c.Impl = impl
	if dsl.K8sName(name) != name {
		return nil, l.errf(cpath, "load a component whose key is comp-<lowercase-dashed-name>", "%s", fmt.Sprintf("component name %q is not a Kubernetes name", name))
	}
	return dsl.NewUntypedComponent(c), nil
}

// componentContainer returns the parts of an executor container (KFP
// PipelineContainerSpec) that belong to its component: image, command, args
// and env. The task-level resources are dropped; lifecycle, which an
// ir.Container cannot carry, and unknown keys are refused.
func (l *loader) componentContainer(ctr map[string]any, path string) (map[string]any, error) {
	if err := l.knownKeys(ctr, path, containerSpecKeys, "KFP's PipelineContainerSpec"); err != nil {
		return nil, err
	}
	if _, ok := ctr["lifecycle"]; ok {
		return nil, l.errf(join(path, "lifecycle"), "load the whole pipeline with componentyaml.Load, which keeps it, or remove lifecycle from the YAML",
			"a container lifecycle hook (preCacheCheck) cannot be carried by a loaded container component")
	}
	out := make(map[string]any, len(ctr))
	for k, v := range ctr {
		if k != "resources" {
			out[k] = v
		}
	}
	return out, nil
}
