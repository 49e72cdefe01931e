// Command distributed-train is the container of the distributed-train
// component (components/distributedtrain): it speaks KFP's launcher protocol.
package main

import (
	"github.com/kfpgo/kfpgo/components/distributedtrain"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

func main() { executor.Main(distributedtrain.Component) }
