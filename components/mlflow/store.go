package mlflow

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/redact"
)

// Store is the part of MLflow that register-model uses: experiments, runs
// and the model registry. *Client implements it over the REST API and
// *FileStore writes MLflow's file-store layout; Open picks one from a
// tracking URI. Errors are *Error values with MLflow's error codes in both.
type Store interface {
	// GetExperimentByName returns the active experiment called name, or an
	// error with RESOURCE_DOES_NOT_EXIST.
	GetExperimentByName(ctx context.Context, name string) (*Experiment, error)
	// CreateExperiment creates an experiment and returns its ID; an
	// existing name is RESOURCE_ALREADY_EXISTS.
	CreateExperiment(ctx context.Context, name, artifactLocation string, tags []Tag) (string, error)
	// CreateRun starts a RUNNING run.
	CreateRun(ctx context.Context, req CreateRunRequest) (*Run, error)
	// GetRun returns a run; a missing one is RESOURCE_DOES_NOT_EXIST.
	GetRun(ctx context.Context, runID string) (*Run, error)
	// FindRuns returns the active runs of an experiment carrying all tags.
	FindRuns(ctx context.Context, experimentID string, tags map[string]string) ([]Run, error)
	// LogBatch logs metrics, params and tags to a run.
	LogBatch(ctx context.Context, runID string, metrics []Metric, params []Param, tags []Tag) error
	// UpdateRun sets a run's status and end time (ms).
	UpdateRun(ctx context.Context, runID, status string, endTime int64) error
	// CreateRegisteredModel creates a registered model; an existing name is
	// RESOURCE_ALREADY_EXISTS.
	CreateRegisteredModel(ctx context.Context, name, description string, tags []Tag) (*RegisteredModel, error)
	// CreateModelVersion adds the next version of a registered model.
	CreateModelVersion(ctx context.Context, req CreateModelVersionRequest) (*ModelVersion, error)
	// GetModelVersion returns a version; a missing one is
	// RESOURCE_DOES_NOT_EXIST.
	GetModelVersion(ctx context.Context, name, version string) (*ModelVersion, error)
	// FindModelVersions returns the versions of name carrying all tags.
	FindModelVersions(ctx context.Context, name string, tags map[string]string) ([]ModelVersion, error)
	// SetRegisteredModelAlias points alias at version.
	SetRegisteredModelAlias(ctx context.Context, name, alias, version string) error
}

// ArtifactStore is the artifact proxy of a tracking server (the
// mlflow-artifacts API); *Client implements it. register-model uploads a
// local model through it.
type ArtifactStore interface {
	// UploadArtifact streams one file to path (relative to the proxy root).
	UploadArtifact(ctx context.Context, path string, open func() (io.ReadCloser, error), size int64) error
	// WalkArtifacts lists the files below dir with sizes.
	WalkArtifacts(ctx context.Context, dir string) ([]FileInfo, error)
}

// Compile-time checks that both stores implement Store.
var (
	_ Store         = (*Client)(nil)
	_ Store         = (*FileStore)(nil)
	_ ArtifactStore = (*Client)(nil)
)

// Open returns the Store for a tracking URI, chosen by scheme as MLflow's
// tracking registry does (mlflow/tracking/_tracking_service/utils.py):
// "http"/"https" give a REST *Client built from opts (opts.TrackingURI is
// replaced by uri); "file:" URIs ("file:///abs/dir", "file:rel/dir") and
// plain paths give a *FileStore rooted there, created if missing. Other
// schemes (databricks, sqlite, postgresql…) are refused with a hint.
func Open(uri string, opts Options) (Store, error) {
	if uri == "" {
		return nil, fmt.Errorf("MLflow tracking URI is empty: set %s to http(s)://<server> or file:<dir>", EnvTrackingURI)
	}
	scheme := ""
	if i := strings.Index(uri, ":"); i > 1 { // i == 1 is a Windows drive letter
		scheme = strings.ToLower(uri[:i])
	}
	switch scheme {
	case "http", "https":
		opts.TrackingURI = uri
		return New(opts)
	case "", "file":
		dir, err := LocalPath(uri)
		if err != nil {
			return nil, err
		}
		return OpenFileStore(dir)
	default:
		return nil, fmt.Errorf("MLflow tracking URI scheme %q is not supported here: use http(s)://<mlflow server> for a tracking server or file:<dir> for a local file store", scheme)
	}
}

// LocalPath turns a file: URI or a plain path into an absolute directory,
// as MLflow's local_file_uri_to_path does ("file:///a/b" and "file:a/b"
// and "a/b" are accepted; a remote host in the URI is refused).
func LocalPath(uri string) (string, error) {
	p := uri
	if strings.HasPrefix(strings.ToLower(uri), "file:") {
		u, err := url.Parse(uri)
		if err != nil {
			return "", fmt.Errorf("tracking URI %q is not a valid file: URI: %w", redactURL(uri), redact.Error(err))
		}
		if u.Host != "" && u.Host != "localhost" {
			return "", fmt.Errorf("tracking URI %q names host %q: a file: store must be local (file:///abs/dir or file:rel/dir)", redactURL(uri), u.Host)
		}
		p = u.Path
		if u.Opaque != "" {
			p = u.Opaque
		}
	}
	if p == "" {
		return "", fmt.Errorf("tracking URI %q has no path", uri)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolving %q: %w", p, err)
	}
	return abs, nil
}

// FileURI returns the file: URI of an absolute local path in the form
// Python's pathlib.Path.as_uri writes it ("file:///abs/path", percent-encoded),
// which MLflow's path_to_local_file_uri uses for artifact locations.
func FileURI(path string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	s := u.String()
	if !strings.HasPrefix(s, "file:///") {
		s = "file://" + strings.TrimPrefix(s, "file:")
	}
	return s
}
