// Package argotarget registers the "argo" target (Argo Workflow,
// WorkflowTemplate and CronWorkflow YAML, from compiler/argo) with the
// compile driver. Import it for its side effect in a program that calls
// driver.Main and should accept --target argo:
//
//	import _ "github.com/kfpgo/kfpgo/compiler/driver/argotarget"
//
// The driver alone carries only the KFP back end, so a KFP-only compile
// program does not link the Argo emitter and the Kubernetes types it needs;
// `kfpgo compile --target argo` adds this import to the program it builds.
package argotarget

import (
	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/compiler/driver"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

func init() {
	driver.RegisterTarget("argo", func(p dsl.PipelineDef, o driver.Options) ([]byte, error) {
		return argo.CompileYAML(p, argo.Options{Kind: o.Kind, Schedule: o.Schedule, Timezone: o.Timezone,
			DisableCaching: o.DisableCaching, ImageRepo: o.ImageRepo, ImageTag: o.ImageTag})
	})
}
