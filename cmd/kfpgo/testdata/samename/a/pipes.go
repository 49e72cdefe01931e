// Package a defines a pipeline named echo, as package b does, for
// the tests of compiling several packages into one directory.
package a

import "github.com/kfpgo/kfpgo/sdk/dsl"

type none = struct{}

var echo = dsl.NewContainerComponent("echo", func(none, none) dsl.Container {
	return dsl.Container{Image: "alpine", Command: []any{"echo", "a"}}
})

var _ = dsl.NewPipeline("echo", func(b *dsl.Builder, _ none) none { echo.Task(b, none{}); return none{} })
