//go:build tools

// Package deps pins the modules the project builds on until their first importer lands.
package deps

import (
	_ "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	_ "github.com/argoproj/argo-workflows/v3/workflow/validate"
	_ "github.com/kubeflow/training-operator/pkg/apis/kubeflow.org/v1"
	_ "github.com/kubeflow/trainer/v2/pkg/apis/trainer/v1alpha1"
	_ "k8s.io/client-go/kubernetes/fake"
	_ "k8s.io/client-go/dynamic/fake"
	_ "github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	_ "github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	_ "github.com/google/cel-go/cel"
	_ "github.com/google/go-containerregistry/pkg/v1/layout"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/parquet-go/parquet-go"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/jackc/pgx/v5"
	_ "gonum.org/v1/gonum/mat"
	_ "github.com/spf13/cobra"
)

