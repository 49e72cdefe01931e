// Command prepare-data is the container of the prepare-data component
// (components/preparedata): it speaks KFP's launcher protocol.
package main

import (
	"github.com/kfpgo/kfpgo/components/preparedata"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

func main() { executor.Main(preparedata.Component) }
