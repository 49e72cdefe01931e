package launcher

import (
	"fmt"
	"path/filepath"
	"strings"
)

// remoteSchemes are the URI schemes KFP's launcher maps to a local mount
// folder (launcher_v2.go LocalPathForURI), lower case as KFP matches them.
var remoteSchemes = [...]struct{ scheme, dir string }{{"gs://", "gcs"}, {"s3://", "s3"}, {"minio://", "minio"}}

// SplitURI splits an artifact URI by KFP's launcher convention
// (launcher_v2.go LocalPathForURI) into the mount folder its objects appear
// under (gcs, s3, minio, or oci for a model-car image) and the cleaned key
// below it: gs://b/k → ("b/k", "gcs"); oci://reg/repo:tag →
// ("reg_repo:tag/models", "oci"). For a local path or file:// URI dir is ""
// and rel is the cleaned path; an empty URI gives ("", "", nil). Errors: a
// key whose ".." elements leave the mount folder, an OCI URI without an
// image, and any other scheme (upper-case GS:// included).
func SplitURI(uri string) (rel, dir string, err error) {
	if uri == "" {
		return "", "", nil
	}
	for _, m := range remoteSchemes {
		rest, ok := strings.CutPrefix(uri, m.scheme)
		if !ok {
			continue
		}
		rel := filepath.Clean(filepath.FromSlash(rest))
		if rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			return "", "", fmt.Errorf("artifact URI %q escapes the %s mount folder %q: its key resolves to %q; use a bucket/key URI without leading \"/\" or \"..\" elements", uri, m.scheme, m.dir, rel)
		}
		return rel, m.dir, nil
	}
	if image, ok := strings.CutPrefix(uri, "oci://"); ok {
		// A model-car image, which KFP mounts from the image: the model is
		// at /oci/<image with "/" as "_">/models (launcher_v2.go).
		if image == "" || strings.Contains(image, "..") {
			return "", "", fmt.Errorf("artifact URI %q names no usable OCI image; write oci://registry/repository:tag", uri)
		}
		return filepath.Join(strings.ReplaceAll(image, "/", "_"), "models"), "oci", nil
	}
	if path, ok := strings.CutPrefix(uri, "file://"); ok {
		return filepath.Clean(path), "", nil
	}
	if scheme, _, ok := strings.Cut(uri, "://"); ok {
		return "", "", fmt.Errorf("unsupported artifact URI scheme %q in %q: KFP's launcher maps gs://, s3://, minio://, oci:// (and local paths); write the URI in lower case with one of those schemes, or use a local path", scheme+"://", uri)
	}
	return filepath.Clean(uri), "", nil
}
