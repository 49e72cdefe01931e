// Package hello is the smallest kfpgo pipeline: one container task that
// echoes a greeting. Compile it with
//
//	kfpgo compile ./examples/hello -o hello.yaml
package hello

import "github.com/kfpgo/kfpgo/sdk/dsl"

// EchoIn is the input of the echo component.
type EchoIn struct {
	Message dsl.Param[string] `kfp:"message"`
}

// Echo prints its message.
var Echo = dsl.NewContainerComponent("echo", func(in EchoIn, _ struct{}) dsl.Container {
	return dsl.Container{
		Image:   "alpine:3.20",
		Command: []any{"echo"},
		Args:    []any{in.Message},
	}
})

// In is the pipeline's input.
type In struct {
	Message dsl.Param[string] `kfp:"message" default:"hello world"`
}

// Pipeline is the hello-world pipeline.
var Pipeline = dsl.NewPipeline("hello-world", func(b *dsl.Builder, in In) struct{} {
	Echo.Task(b, EchoIn{Message: in.Message})
	return struct{}{}
}, dsl.Description("Echoes a greeting."))
