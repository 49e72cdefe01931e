package executor

import (
	"os"
	"path/filepath"

	"github.com/kfpgo/kfpgo/sdk/launcher"
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

// ResolveLocalPath returns the local file path of an artifact URI by KFP's
// launcher convention (launcher_v2.go LocalPathForURI, artifact_types.py
// _get_path):
//
//	gs://bucket/key     → <root>/gcs/bucket/key
//	s3://bucket/key     → <root>/s3/bucket/key
//	minio://bucket/key  → <root>/minio/bucket/key
//	oci://reg/repo:tag  → <root>/oci/reg_repo:tag/models (a model-car image)
//	file:///abs/path    → /abs/path
//	/abs/path, rel/path → the path, cleaned
//
// where <root> is $KFPGO_MOUNT_ROOT or "/". The path is cleaned; an empty
// URI gives "". Errors: a remote key whose ".." elements leave the
// scheme's mount folder ("artifact URI … escapes …"), and any other
// scheme, including upper-case GS:// ("unsupported artifact URI scheme
// …"), which KFP's launcher would neither download nor upload.
func ResolveLocalPath(uri string) (string, error) {
	root := os.Getenv(MountRootEnv)
	if root == "" {
		root = "/"
	}
	rel, dir, err := launcher.SplitURI(uri)
	if err != nil || dir == "" {
		return rel, err
	}
	return filepath.Join(root, dir, rel), nil
}

// LocalPath is ResolveLocalPath without the error: it returns the mapped
// path, or, for a URI ResolveLocalPath refuses, the URI unchanged (what
// KFP's Python executor does with a scheme it does not map). The runtime
// uses ResolveLocalPath and refuses such URIs; LocalPath stays for callers
// that only display a path.
func LocalPath(uri string) string {
	p, err := ResolveLocalPath(uri)
	if err != nil {
		return uri
	}
	return p
}

// artifactPath is ResolveLocalPath plus KFP's workspace rule: a remote
// artifact whose metadata holds "_kfp_workspace": true lives under
// /kfp-workspace/.artifacts/<mount folder>/<key>.
func artifactPath(uri string, metadata map[string]any) (string, error) {
	p, err := ResolveLocalPath(uri)
	if err != nil {
		return "", err
	}
	if ws, _ := metadata["_kfp_workspace"].(bool); ws {
		rel, dir, _ := launcher.SplitURI(uri)
		if dir != "" && dir != "oci" {
			return filepath.Join(WorkspaceMountPath, ".artifacts", dir, rel), nil
		}
	}
	return p, nil
}
