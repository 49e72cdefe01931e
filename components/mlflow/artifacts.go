package mlflow

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// ArtifactsPrefix is the root of the artifact proxy that `mlflow server`
// serves by default (--serve-artifacts): PUT <prefix>/<path> uploads a
// file, GET <prefix>/<path> downloads it and GET <prefix>?path=<dir> lists a
// directory (mlflow/server/handlers.py _upload_artifact, _download_artifact,
// _list_artifacts_mlflow_artifacts; mlflow/protos/mlflow_artifacts.proto).
// Paths are relative to the server's --artifacts-destination.
const ArtifactsPrefix = "/api/2.0/mlflow-artifacts/artifacts"

// FileInfo is one entry of an artifact listing (service.proto FileInfo):
// Path is the entry's base name as the mlflow-artifacts list answers it,
// FileSize is in bytes and set only for files.
type FileInfo struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir,omitempty"`
	FileSize int64  `json:"file_size,omitempty"`
}

// ProxiedArtifactPath returns the path below ArtifactsPrefix of a run's
// artifact URI when the server proxies it, as MLflow's server resolves it
// (mlflow/server/handlers.py _get_proxied_run_artifact_destination_path):
// "mlflow-artifacts:/1/<run>/artifacts" and
// "mlflow-artifacts://host:5000/1/<run>/artifacts" give
// "1/<run>/artifacts"; an http(s) URI gives what follows
// "/api/2.0/mlflow-artifacts/artifacts/". Any other URI (s3://, gs://,
// file:///, a plain path) is not proxied: ok is false.
func ProxiedArtifactPath(artifactURI string) (p string, ok bool) {
	u, err := url.Parse(artifactURI)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "mlflow-artifacts":
		p = u.Path
		if u.Opaque != "" {
			p = u.Opaque
		}
		return strings.TrimLeft(p, "/"), true
	case "http", "https":
		_, after, found := strings.Cut(u.Path, ArtifactsPrefix+"/")
		if !found {
			return "", false
		}
		return strings.TrimLeft(after, "/"), true
	}
	return "", false
}

// checkArtifactPath refuses what MLflow's validate_path_is_safe refuses
// (mlflow/utils/uri.py): an empty path, '#', a backslash, a ".." segment
// or an absolute path. The server answers those with 400
// INVALID_PARAMETER_VALUE "Invalid path"; checking first gives a clearer
// error and sends nothing.
func checkArtifactPath(p string) error {
	if p == "" || strings.ContainsAny(p, "#\\") || strings.HasPrefix(p, "/") || strings.Contains(p, "\x00") {
		return fmt.Errorf("artifact path %q is not a relative path (MLflow refuses '#', '\\', NUL and absolute paths)", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return fmt.Errorf("artifact path %q contains '..' (MLflow refuses paths that leave the artifact root)", p)
		}
	}
	return nil
}

// UploadArtifact sends one file to the artifact proxy: PUT
// ArtifactsPrefix/<artifactPath> with the raw bytes (Content-Length size).
// open is called once per attempt and must return the file from its start;
// the body streams from it and is never held in memory. The upload is
// idempotent (the server overwrites the file), so it is retried on
// connection errors, 429 and 5xx like a read. A server started with
// --no-serve-artifacts answers 503 with a plain-text hint, which the
// returned *Error carries.
func (c *Client) UploadArtifact(ctx context.Context, artifactPath string, open func() (io.ReadCloser, error), size int64) error {
	if err := checkArtifactPath(artifactPath); err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodPut, prefix: ArtifactsPrefix, path: "/" + artifactPath, upload: open, size: size}, nil)
}

// ListArtifacts lists the directory dir ("" for the root) of the artifact
// proxy: GET ArtifactsPrefix?path=<dir>. Entries carry base names; a
// missing directory lists as empty, as MLflow's local artifact repository
// answers.
func (c *Client) ListArtifacts(ctx context.Context, dir string) ([]FileInfo, error) {
	q := url.Values{}
	if dir != "" {
		if err := checkArtifactPath(dir); err != nil {
			return nil, err
		}
		q.Set("path", dir)
	}
	var out struct {
		Files []FileInfo `json:"files"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, prefix: ArtifactsPrefix, query: q}, &out); err != nil {
		return nil, err
	}
	return out.Files, nil
}

// WalkArtifacts lists every file below dir of the artifact proxy, with
// paths relative to dir ("a/b.bin") and sizes in bytes.
func (c *Client) WalkArtifacts(ctx context.Context, dir string) ([]FileInfo, error) {
	var out []FileInfo
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := c.ListArtifacts(ctx, path.Join(dir, rel))
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := path.Join(rel, path.Base(e.Path))
			if e.IsDir {
				if err := walk(p); err != nil {
					return err
				}
				continue
			}
			out = append(out, FileInfo{Path: p, FileSize: e.FileSize})
		}
		return nil
	}
	return out, walk("")
}

// DownloadArtifact copies the file artifactPath of the artifact proxy into
// w: GET ArtifactsPrefix/<artifactPath>.
func (c *Client) DownloadArtifact(ctx context.Context, artifactPath string, w io.Writer) error {
	if err := checkArtifactPath(artifactPath); err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodGet, prefix: ArtifactsPrefix, path: "/" + artifactPath, download: w}, nil)
}
