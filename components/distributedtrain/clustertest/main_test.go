package clustertest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/kfpgo/kfpgo/components/testenv"
)

// kube is the control plane every test in this package shares: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, two KWOK nodes,
// the training-operator with its webhook, and the JobSet controller and
// Trainer v2 with theirs.
var kube *testenv.Kube

func TestMain(m *testing.M) {
	k, err := testenv.StartKube(context.Background(), testenv.KubeOptions{KWOK: true, TrainingOperator: true, Trainer: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "distributed-train cluster tests need the test control plane:", err)
		os.Exit(1)
	}
	kube = k
	code := m.Run()
	if code != 0 {
		for _, c := range []string{"training-operator", "trainer-controller-manager", "jobset", "kwok", "kube-controller-manager"} {
			fmt.Fprintf(os.Stderr, "--- end of %s log:\n%s\n", c, k.LogTail(c, 4000))
		}
	}
	k.Stop()
	os.Exit(code)
}
