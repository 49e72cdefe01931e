// Package clustertest runs the distributed-train launcher against a real
// Kubernetes control plane (package testenv's StartKube): etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, KWOK nodes, the
// Kubeflow training-operator (TFJob) and Trainer v2 with the JobSet
// controller (TrainJob), each with its webhooks. It holds tests only; the
// fast, precise unit tests with client-go's fakes stay in package
// distributedtrain.
package clustertest
