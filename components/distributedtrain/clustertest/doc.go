// Package clustertest runs the distributed-train launcher against a real
// Kubernetes control plane (package testenv's StartKube): etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, KWOK nodes and
// the Kubeflow training-operator with its validating webhook. It holds
// tests only; the fast, precise unit tests with client-go's fakes stay in
// package distributedtrain.
package clustertest
