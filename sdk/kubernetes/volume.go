package kubernetes

import (
	"fmt"

	kp "github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// MountOption refines MountPVC.
type MountOption func(*mountOptions)

type mountOptions struct{ subPath string }

// SubPath mounts only a sub-directory of the volume (pvcMount.subPath; KFP
// 2.16 or newer, refused by the compiler for older targets).
func SubPath(p string) MountOption { return func(m *mountOptions) { m.subPath = p } }

// MountPVC mounts a PersistentVolumeClaim into the task's container at
// mountPath (kfp-kubernetes mount_pvc; executor config pvcMount). pvcName
// is dsl.Lit("my-pvc"), a pipeline input or a task output such as
// CreatePVC(…).Out.Name; a task output also orders the task after its
// producer. KFP's deprecated pvc_reference keys (constant,
// componentInputParameter, taskOutputParameter) are written beside
// pvcNameParameter, as kfp-kubernetes does.
//
// Errors: an invalid literal PVC name (DNS-1123 subdomain), an empty mount
// path, or a task that runs a nested pipeline.
func MountPVC(task dsl.TaskRef, pvcName dsl.Param[string], mountPath string, opts ...MountOption) {
	o, ok := open(task, "MountPVC")
	if !ok {
		return
	}
	var mo mountOptions
	for _, f := range opts {
		if f != nil {
			f(&mo)
		}
	}
	good := o.checkMountPath(mountPath)
	l, _ := o.cfg["pvcMount"].([]any)
	pv, lit, ok := o.param(dsl.RefOf(pvcName), fmt.Sprintf("pvcMount[%d].pvcNameParameter", len(l)), "PVC name", true)
	if !ok || !good {
		return
	}
	msg := &kp.PvcMount{MountPath: mountPath}
	if s, isLit := lit.(string); isLit {
		if !o.checkSubdomain("PersistentVolumeClaim", s) {
			return
		}
		msg.PvcReference = &kp.PvcMount_Constant{Constant: s}
	}
	item := msgMap(msg)
	item["pvcNameParameter"] = pv
	if mo.subPath != "" {
		item["subPath"] = mo.subPath
	}
	o.appendItem("pvcMount", item)
}

// EphemeralVolume describes a generic ephemeral volume: a PVC created with
// the task's pod and deleted with it (kfp-kubernetes add_ephemeral_volume).
type EphemeralVolume struct {
	// VolumeName is the pod volume name (a DNS-1123 label).
	VolumeName string
	// MountPath is where the container sees it.
	MountPath string
	// AccessModes are PVC access modes, e.g. "ReadWriteOnce".
	AccessModes []string
	// Size is the storage request, a Kubernetes quantity such as "5Gi".
	Size string
	// StorageClassName names the StorageClass. Optional: "" uses the
	// cluster's default StorageClass (defaultStorageClass: true).
	StorageClassName string
	// Labels and Annotations go to the PVC's metadata. Optional.
	Labels, Annotations map[string]string
}

// AddEphemeralVolume adds a generic ephemeral volume to the task
// (executor config genericEphemeralVolume).
//
// Errors: an invalid volume name, access mode or size, or an empty mount
// path.
func AddEphemeralVolume(task dsl.TaskRef, v EphemeralVolume) {
	o, ok := open(task, "AddEphemeralVolume")
	if !ok {
		return
	}
	good := o.checkLabel("volume name", v.VolumeName)
	good = o.checkMountPath(v.MountPath) && good
	good = o.checkQuantity("size", v.Size) && good
	good = o.checkAccessModes(v.AccessModes) && good
	for k, val := range v.Labels {
		good = o.checkQualified("label key", k) && o.checkLabelValue("label value", val) && good
	}
	for k := range v.Annotations {
		good = o.checkQualified("annotation key", k) && good
	}
	if v.StorageClassName != "" {
		good = o.checkSubdomain("StorageClass", v.StorageClassName) && good
	}
	if !good {
		return
	}
	msg := &kp.GenericEphemeralVolume{
		VolumeName:          v.VolumeName,
		MountPath:           v.MountPath,
		AccessModes:         v.AccessModes,
		Size:                v.Size,
		DefaultStorageClass: v.StorageClassName == "",
		StorageClassName:    v.StorageClassName,
	}
	if len(v.Labels) > 0 || len(v.Annotations) > 0 {
		msg.Metadata = &kp.PodMetadata{Labels: v.Labels, Annotations: v.Annotations}
	}
	o.appendItem("genericEphemeralVolume", msgMap(msg))
}

func (o *option) checkAccessModes(modes []string) bool {
	if len(modes) == 0 {
		o.errorf(`give at least one access mode, e.g. "ReadWriteOnce"`, "%s: task %q: no access modes", o.fn, o.t.Name)
		return false
	}
	for _, m := range modes {
		switch m {
		case "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod":
		default:
			o.errorf(`use ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod`, "%s: task %q: invalid access mode %q", o.fn, o.t.Name, m)
			return false
		}
	}
	return true
}

// EmptyDir describes an emptyDir volume mounted into the task's container
// (kfp-kubernetes empty_dir_mount).
type EmptyDir struct {
	// VolumeName is the pod volume name (a DNS-1123 label).
	VolumeName string
	// MountPath is where the container sees it.
	MountPath string
	// Medium is "" (node disk), "Memory" (tmpfs) or "HugePages". Optional.
	Medium string
	// SizeLimit caps the volume, a Kubernetes quantity such as "1Gi".
	// Optional.
	SizeLimit string
}

// EmptyDirMount mounts an emptyDir volume into the task's container
// (executor config emptyDirMounts; KFP 2.3 or newer). Init containers
// (AddInitContainer) can mount it too by VolumeName.
//
// Errors: an invalid volume name, medium or size limit, or an empty mount
// path.
func EmptyDirMount(task dsl.TaskRef, d EmptyDir) {
	o, ok := open(task, "EmptyDirMount")
	if !ok {
		return
	}
	emptyDir(o, d)
}

func emptyDir(o *option, d EmptyDir) {
	good := o.checkLabel("volume name", d.VolumeName)
	good = o.checkMountPath(d.MountPath) && good
	switch d.Medium {
	case "", "Memory", "HugePages":
	default:
		o.errorf(`use "", "Memory" or "HugePages"`, "%s: task %q: invalid emptyDir medium %q", o.fn, o.t.Name, d.Medium)
		good = false
	}
	if d.SizeLimit != "" {
		good = o.checkQuantity("size limit", d.SizeLimit) && good
	}
	if !good {
		return
	}
	// EmptyDirMount is newer than the pinned kubernetesplatform module;
	// the keys follow kubernetes_executor_config.proto (KFP 2.3).
	item := map[string]any{"volumeName": d.VolumeName, "mountPath": d.MountPath}
	if d.Medium != "" {
		item["medium"] = d.Medium
	}
	if d.SizeLimit != "" {
		item["sizeLimit"] = d.SizeLimit
	}
	o.appendItem("emptyDirMounts", item)
}

// SharedMemory gives the task a larger /dev/shm (PyTorch data loaders and
// NCCL need more than the container runtime's 64 MB): a memory-backed
// emptyDir named "shm" mounted at /dev/shm, capped at sizeLimit (e.g.
// "2Gi"; "" for no cap). KFP's enabledSharedMemory key is not read by any
// KFP backend, so the emptyDir form is written (KFP 2.3 or newer).
//
// Errors: an invalid size limit.
func SharedMemory(task dsl.TaskRef, sizeLimit string) {
	o, ok := open(task, "SharedMemory")
	if !ok {
		return
	}
	emptyDir(o, EmptyDir{VolumeName: "shm", MountPath: "/dev/shm", Medium: "Memory", SizeLimit: sizeLimit})
}
