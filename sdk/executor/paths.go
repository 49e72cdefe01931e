package executor

import (
	"os"
	"path/filepath"
	"strings"
)

// MountRootEnv names the environment variable that moves the root under
// which remote artifact URIs map to local paths. Unset or empty means "/",
// KFP's own layout (gs://b/k → /gcs/b/k); set to /tmp/run it gives
// /tmp/run/gcs/b/k, the layout sdk/launcher.LocalPath uses for local runs.
const MountRootEnv = "KFPGO_MOUNT_ROOT"

// WorkspaceMountPath is where KFP mounts the pipeline workspace volume
// (backend/src/v2/component/constants.go); artifacts whose metadata has
// "_kfp_workspace": true live under its ".artifacts" folder.
const WorkspaceMountPath = "/kfp-workspace"

// LocalPath returns the local file path of an artifact URI by KFP's launcher
// convention (launcher_v2.go LocalPathForURI, artifact_types.py _get_path):
//
//	gs://bucket/key     → <root>/gcs/bucket/key
//	s3://bucket/key     → <root>/s3/bucket/key
//	minio://bucket/key  → <root>/minio/bucket/key
//	file:///abs/path    → /abs/path
//	/abs/path           → /abs/path
//
// where <root> is $KFPGO_MOUNT_ROOT or "/". Any other URI is returned
// unchanged, as KFP's Python executor does.
func LocalPath(uri string) string {
	root := os.Getenv(MountRootEnv)
	if root == "" {
		root = "/"
	}
	for _, m := range [...]struct{ scheme, dir string }{{"gs://", "gcs"}, {"s3://", "s3"}, {"minio://", "minio"}} {
		if rest, ok := strings.CutPrefix(uri, m.scheme); ok {
			return filepath.Join(root, m.dir, filepath.FromSlash(rest))
		}
	}
	if rest, ok := strings.CutPrefix(uri, "file://"); ok {
		return rest
	}
	return uri
}

// artifactPath is LocalPath plus KFP's workspace rule: an artifact whose
// metadata holds "_kfp_workspace": true lives under
// /kfp-workspace/.artifacts/<local path>.
func artifactPath(uri string, metadata map[string]any) string {
	p := LocalPath(uri)
	if ws, _ := metadata["_kfp_workspace"].(bool); ws {
		local := "/"
		for _, m := range [...]struct{ scheme, dir string }{{"gs://", "gcs"}, {"s3://", "s3"}, {"minio://", "minio"}} {
			if rest, ok := strings.CutPrefix(uri, m.scheme); ok {
				local = filepath.Join("/", m.dir, filepath.FromSlash(rest))
			}
		}
		if local != "/" {
			return filepath.Join(WorkspaceMountPath, ".artifacts", local)
		}
	}
	return p
}
