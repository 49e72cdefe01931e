// Command etcd runs the etcd server (go.etcd.io/etcd/server/v3, the version
// pinned in this module's go.mod) with etcd's own flags, for the test control plane.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
