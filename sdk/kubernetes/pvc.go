package kubernetes

import (
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// CreatePVCIn are the inputs of the createpvc component, as kfp-kubernetes
// declares them (kfp.kubernetes.CreatePVC).
type CreatePVCIn struct {
	// AccessModes are PersistentVolumeClaim.spec.accessModes, e.g.
	// dsl.Lit([]string{"ReadWriteOnce"}).
	AccessModes dsl.Param[[]string] `kfp:"access_modes"`
	// Size is the storage request, e.g. dsl.Lit("5Gi").
	Size dsl.Param[string] `kfp:"size"`
	// PVCName is the PVC's name; set it or PVCNameSuffix.
	PVCName dsl.Param[string] `kfp:"pvc_name,optional"`
	// PVCNameSuffix gives the name "<workflow name><suffix>".
	PVCNameSuffix dsl.Param[string] `kfp:"pvc_name_suffix,optional"`
	// StorageClassName names the StorageClass ("" by default: a statically
	// provisioned PVC).
	StorageClassName dsl.Param[string] `kfp:"storage_class_name" default:""`
	// VolumeName binds a pre-existing PersistentVolume.
	VolumeName dsl.Param[string] `kfp:"volume_name,optional"`
	// Annotations go to the PVC's metadata.
	Annotations dsl.Param[map[string]any] `kfp:"annotations,optional"`
	// DataSource clones a PVC or restores a VolumeSnapshot: {"apiGroup",
	// "kind", "name"} (KFP 2.17 or newer).
	DataSource dsl.Param[map[string]any] `kfp:"data_source,optional"`
}

// CreatePVCOut is the output of the createpvc component: the name of the
// PVC it created.
type CreatePVCOut struct {
	Name dsl.Param[string] `kfp:"name"`
}

// DeletePVCIn is the input of the deletepvc component.
type DeletePVCIn struct {
	// PVCName is the PVC to delete, e.g. CreatePVC(…).Out.Name.
	PVCName dsl.Param[string] `kfp:"pvc_name"`
}

// CreatePVCComponent is kfp-kubernetes' CreatePVC: a container component
// whose image, argostub/createpvc, the KFP backend recognises and replaces
// with a step that creates the PersistentVolumeClaim. Its interface
// (names, types, defaults and descriptions) is kfp-kubernetes' own, so the
// compiled component matches KFP's byte for byte.
var CreatePVCComponent = withDescriptions(dsl.NewContainerComponent("createpvc", func(CreatePVCIn, CreatePVCOut) dsl.Container {
	return dsl.Container{Image: "argostub/createpvc"}
}), createPVCDescriptions)

// DeletePVCComponent is kfp-kubernetes' DeletePVC: a container component
// whose image, argostub/deletepvc, the KFP backend replaces with a step
// that deletes the PersistentVolumeClaim.
var DeletePVCComponent = withDescriptions(dsl.NewContainerComponent("deletepvc", func(DeletePVCIn, struct{}) dsl.Container {
	return dsl.Container{Image: "argostub/deletepvc"}
}), map[string]string{
	"pvc_name": "Name of the PVC to delete. Supports passing a runtime-generated name, such as a name provided by ``kubernetes.CreatePvcOp().outputs['name']``.",
})

// CreatePVC adds a createpvc task: b's pipeline creates a
// PersistentVolumeClaim at run time; Out.Name is its name, for MountPVC
// and DeletePVC. Task names follow KFP ("createpvc", "createpvc-2"…).
func CreatePVC(b *dsl.Builder, in CreatePVCIn) *dsl.Task[CreatePVCOut] {
	return CreatePVCComponent.Task(b, in)
}

// DeletePVC adds a deletepvc task that deletes the PVC named in.PVCName;
// order it after the PVC's users with After.
func DeletePVC(b *dsl.Builder, in DeletePVCIn) *dsl.Task[struct{}] {
	return DeletePVCComponent.Task(b, in)
}

// The input descriptions of kfp-kubernetes' CreatePVC, as KFP writes them
// from its docstring.
var createPVCDescriptions = map[string]string{
	"access_modes": "Values for ``PersistentVolumeClaim.spec.accessModes``.",
	"size": "The size of storage requested by the PVC that will be\nprovisioned. For example, ``'5Gi'``. Corresponds to\n" +
		"`PersistentVolumeClaim.spec.resources.requests.storage\n" +
		"<https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/#PersistentVolumeClaimSpec>`_.",
	"pvc_name": "Name of the PVC. Corresponds to\n`PersistentVolumeClaim.metadata.name\n" +
		"<https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/#PersistentVolumeClaim>`_.\n" +
		"Only one of ``pvc_name`` and ``pvc_name_suffix`` can be provided.",
	"pvc_name_suffix": "Prefix to use for a dynamically generated name, which\nwill take the form ``<argo-workflow-name>-<pvc_name_suffix>``. Only\n" +
		"one of ``pvc_name`` and ``pvc_name_suffix`` can be provided.",
	"storage_class_name": "Name of StorageClass from which to provision the PV\nto back the PVC. ``None`` indicates to use the cluster's default\n" +
		"storage_class_name. Set to ``''`` for a statically specified PVC.",
	"volume_name": "Pre-existing PersistentVolume that should back the\nprovisioned PersistentVolumeClaim. Used for statically\nspecified PV only. Corresponds to\n" +
		"`PersistentVolumeClaim.spec.volumeName\n" +
		"<https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/#PersistentVolumeClaimSpec>`_.",
	"annotations": "Annotations for the PVC's metadata. Corresponds to\n`PersistentVolumeClaim.metadata.annotations\n" +
		"<https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/#PersistentVolumeClaim>`_.",
	"data_source": "Specifies the data source for the PVC. This can be used to\ncreate a PVC from a VolumeSnapshot or to clone an existing PVC.\n" +
		"Should be a dictionary with ``'apiGroup'``, ``'kind'``, and\n``'name'`` keys. For example:\n" +
		"``{'apiGroup': 'snapshot.storage.k8s.io', 'kind': 'VolumeSnapshot', 'name': 'my-snapshot'}``.\n" +
		"Corresponds to `PersistentVolumeClaim.spec.dataSource\n" +
		"<https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/#PersistentVolumeClaimSpec>`_.",
}

// withDescriptions sets input descriptions on a component's interface
// (too long for struct tags).
func withDescriptions[In, Out any](c *dsl.Component[In, Out], desc map[string]string) *dsl.Component[In, Out] {
	var comp *ir.Component = c.IR()
	for _, in := range comp.Inputs {
		if d, ok := desc[in.Name]; ok {
			in.Description = d
		}
	}
	return c
}
