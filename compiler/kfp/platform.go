package kfp

import "github.com/kfpgo/kfpgo/compiler/ir"

// addPlatform records a task's Kubernetes executor config under label (the
// PlatformSpec's platforms.kubernetes.deploymentSpec.executors.<label>).
func (e *emitter) addPlatform(label string, t *ir.Task) {
	if m, ok := t.Platform.(map[string]any); ok {
		e.platform[label] = m
	}
}
