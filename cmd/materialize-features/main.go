// Command materialize-features is the container of the materialize-features
// component (components/materialize): it speaks KFP's launcher protocol.
package main

import (
	"github.com/kfpgo/kfpgo/components/materialize"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

func main() { executor.Main(materialize.Component) }
