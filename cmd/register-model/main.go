// Command register-model is the container of the register-model component
// (components/registermodel): it speaks KFP's launcher protocol.
package main

import (
	"github.com/kfpgo/kfpgo/components/registermodel"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

func main() { executor.Main(registermodel.Component) }
