// Package clustertest creates what `kfpgo compile --target argo` writes in a
// real kube-apiserver with Argo Workflows' full CRDs (package testenv's
// StartKube), and checks the pods and PVCs those workflows describe with
// the API server's own validation. It holds tests only.
package clustertest
