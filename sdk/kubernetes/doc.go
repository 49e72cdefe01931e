// Package kubernetes sets Kubernetes options on pipeline tasks: everything
// the kfp-kubernetes Python extension offers, written to the same
// PlatformSpec document (KFP's second YAML document,
// platforms.kubernetes.deploymentSpec.executors.<exec-…>).
//
// Each function takes a task (any *dsl.Task) and stores the option on its
// graph node, building the official kubernetesplatform message where the
// pinned module has it and adding the newer keys (secretNameParameter,
// optional, emptyDirMounts, securityContext, initContainers…) in their
// protojson form:
//
//	train := Train.Task(b, TrainIn{…})
//	kubernetes.UseSecretAsEnv(train, in.DBSecret, []kubernetes.KeyToEnv{{Key: "password", EnvVar: "PGPASSWORD"}})
//	kubernetes.MountPVC(train, in.DataPVC, "/data")
//	kubernetes.AddNodeSelector(train, "nvidia.com/gpu.present", "true")
//	kubernetes.AddToleration(train, kubernetes.Toleration{Key: "nvidia.com/gpu", Operator: "Exists", Effect: "NoSchedule"})
//
// # Values from parameters
//
// Names that kfp-kubernetes accepts as pipeline channels (Secret,
// ConfigMap, PVC and image pull Secret names; node selector, node affinity
// and toleration JSON) are dsl.Param values here: dsl.Lit("name"), a
// pipeline input or a task output. They reach the task through enclosing
// conditions and loops like any task input (inside a ParallelFor a
// pipeline input is read as "pipelinechannel--<name>"), and a task output
// makes the task depend on its producer.
//
// # Errors
//
// Misuse is recorded on the task with the file:line of the call and
// reported by compiler.Compile (as ir.ErrorList entries with code
// ir.InvalidPlatformOption): options on a task that runs a nested pipeline
// or an importer, names that are not valid Kubernetes names (DNS-1123,
// k8s.io/apimachinery/pkg/util/validation), toleration operators and
// effects outside Kubernetes' sets, malformed quantities
// (k8s.io/apimachinery/pkg/api/resource). The compiler refuses options the
// target KFP backend cannot run (ir.UnsupportedFeature naming the
// minimum version): empty-dir mounts and shared memory (2.3), values from
// parameters (2.5), node affinity JSON (2.14), optional Secret/ConfigMap
// env (2.15), security context and PVC sub-paths (2.16), init containers
// (after 2.17).
//
// # PVCs
//
// CreatePVC and DeletePVC add kfp-kubernetes' createpvc and deletepvc
// tasks (images argostub/createpvc and argostub/deletepvc, which the KFP
// backend replaces with its own steps); MountPVC mounts a PVC by name.
package kubernetes
