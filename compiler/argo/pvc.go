package argo

import (
	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// The images kfp-kubernetes' CreatePVC and DeletePVC components carry
// (sdk/kubernetes): KFP's driver runs them itself; on Argo they become
// resource templates.
const (
	createPVCImage = "argostub/createpvc"
	deletePVCImage = "argostub/deletepvc"
)

// pvcTask emits a resource template that creates or deletes a PVC, taking
// the component's inputs as template parameters. CreatePVC's "name" output
// is read back from the created object.
func (e *emitter) pvcTask(t *ir.Task, ctr *ir.Container, tt *taskTmpl) {
	tt.name = e.uniq(t.Name)
	tmpl := e.add(&wfv1.Template{Name: tt.name})
	set := func(n string) bool { _, ok := t.Args[n]; return ok }
	for _, in := range t.Component.Inputs {
		if set(in.Name) {
			tmpl.Inputs.Parameters = append(tmpl.Inputs.Parameters, wfv1.Parameter{Name: in.Name})
		} else if in.HasDefault {
			tmpl.Inputs.Parameters = append(tmpl.Inputs.Parameters, wfv1.Parameter{Name: in.Name, Default: wfv1.AnyStringPtr(paramString(in.Default))})
		}
	}
	p := func(n string) string { return "{{inputs.parameters." + n + "}}" }
	if ctr.Image == deletePVCImage {
		tmpl.Resource = &wfv1.ResourceTemplate{Action: "delete", Flags: []string{"--ignore-not-found"},
			Manifest: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: \"" + p("pvc_name") + "\"\n"}
		return
	}
	// JSON is YAML: the list and map parameters (access modes,
	// annotations, data source) arrive as JSON text.
	name := `"name": "` + p("pvc_name") + `"`
	if !set("pvc_name") {
		name = `"name": "{{workflow.name}}` + p("pvc_name_suffix") + `"`
	}
	meta := name
	if set("annotations") {
		meta += `, "annotations": ` + p("annotations")
	}
	spec := `"accessModes": ` + p("access_modes") + `, "resources": {"requests": {"storage": "` + p("size") + `"}}`
	if set("storage_class_name") || t.Component.Input("storage_class_name") != nil {
		spec += `, "storageClassName": "` + p("storage_class_name") + `"`
	}
	if set("volume_name") {
		spec += `, "volumeName": "` + p("volume_name") + `"`
	}
	if set("data_source") {
		spec += `, "dataSource": ` + p("data_source")
	}
	tmpl.Resource = &wfv1.ResourceTemplate{Action: "create", SetOwnerReference: false,
		Manifest: `{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {` + meta + `}, "spec": {` + spec + `}}` + "\n"}
	tmpl.Outputs.Parameters = []wfv1.Parameter{{Name: "name", ValueFrom: &wfv1.ValueFrom{JSONPath: "{.metadata.name}"}}}
}
