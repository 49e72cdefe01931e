package registermodel

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kfpgo/kfpgo/components/mlflow"
)

// ModelArtifactPath is the run artifact path a local model is uploaded to,
// so that the version's source is what
// mlflow.register_model("runs:/<run_id>/model", …) sends.
const ModelArtifactPath = "model"

// ProgressInterval is how often an upload logs its progress line.
const ProgressInterval = 2 * time.Second

// IsLocalURI reports whether a model URI names a file on this machine: a
// plain path or a file: URI without a remote host. MLflow's server treats
// the same URIs as local (mlflow/utils/uri.py is_local_uri) and accepts
// them as a version source only inside the run's artifact directory.
func IsLocalURI(uri string) bool {
	if uri == "" {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil {
		return !strings.Contains(uri, "://")
	}
	if len(u.Scheme) == 1 { // a Windows drive letter
		return true
	}
	if h := u.Hostname(); h != "" && h != "localhost" && h != "127.0.0.1" {
		return false
	}
	return u.Scheme == "" || u.Scheme == "file"
}

// NotProxiedError says the tracking server reported a run artifact
// location that this client cannot write: only the server's
// mlflow-artifacts proxy is reachable over HTTP.
type NotProxiedError struct {
	// RunID and ArtifactURI are the run and the location the server reported.
	RunID, ArtifactURI string
}

// hideUserInfo replaces the user information of a URI ("s3://key:secret@host/…")
// with "[REDACTED]", by position (the text before the first "@" of the
// authority), without parsing the URI.
func hideUserInfo(uri string) string {
	i := strings.Index(uri, "://")
	if i < 0 {
		return uri
	}
	auth := uri[i+3:]
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return uri
	}
	return uri[:i+3] + "[REDACTED]" + uri[i+3+at:]
}

// Error names the location (without user information) and the two fixes.
func (e *NotProxiedError) Error() string {
	return fmt.Sprintf("register-model: the tracking server keeps the artifacts of run %s at %q, which this client cannot write "+
		"(it uploads a local model through the server's mlflow-artifacts proxy only). Either (1) serve artifacts through the server: "+
		"`mlflow server --serve-artifacts --artifacts-destination <s3://bucket/path or a directory>` (the default since MLflow 2.0) "+
		"and log to an experiment whose artifact location is mlflow-artifacts:/… (an experiment created with an explicit "+
		"artifact_location keeps it); or (2) put the model where the server can read it (s3://, gs://, minio://, oci://, hf://) "+
		"and pass that URI as the model, which is registered by reference", e.RunID, hideUserInfo(e.ArtifactURI))
}

// localFile is one regular file of a local model.
type localFile struct {
	abs, rel string // rel uses '/'
	size     int64
}

// listModel returns the regular files under root (or root itself), sorted
// by relative path. Symlinks are followed by os.Stat; anything that is not
// a regular file or directory is refused.
func listModel(root string) ([]localFile, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if st.Mode().IsRegular() {
		return []localFile{{abs: root, rel: filepath.Base(root), size: st.Size()}}, nil
	}
	var files []localFile
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file (a model is uploaded file by file)", p)
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, localFile{abs: p, rel: filepath.ToSlash(rel), size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no files", root)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	return files, nil
}

// countingReader counts the bytes read through it into n.
type countingReader struct {
	f *os.File
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	k, err := c.f.Read(p)
	c.n.Add(int64(k))
	return k, err
}

func (c countingReader) Close() error { return c.f.Close() }

// progress logs an upload's bytes, rate and ETA.
type progress struct {
	log        *slog.Logger
	total      int64
	files      int
	start      time.Time
	done       atomic.Int64 // bytes of finished files
	cur        atomic.Int64 // bytes of the file being sent
	filesDone  atomic.Int64
	lastLogged time.Time
}

func (p *progress) line(ctx context.Context, msg string) {
	sent := p.done.Load() + p.cur.Load()
	el := time.Since(p.start)
	rate := 0.0
	if el > 0 {
		rate = float64(sent) / el.Seconds()
	}
	args := []any{"files", fmt.Sprintf("%d/%d", p.filesDone.Load(), p.files), "bytes", fmt.Sprintf("%d/%d", sent, p.total),
		"rate", humanRate(rate), "elapsed", el.Round(time.Millisecond).String()}
	if rate > 0 && sent < p.total {
		args = append(args, "eta", time.Duration(float64(p.total-sent)/rate*float64(time.Second)).Round(time.Second).String())
	}
	p.log.InfoContext(ctx, msg, args...)
}

// humanRate formats bytes per second in binary units ("3.2 MiB/s").
func humanRate(bps float64) string {
	units := []string{"B/s", "KiB/s", "MiB/s", "GiB/s"}
	i := 0
	for bps >= 1024 && i < len(units)-1 {
		bps /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", bps, units[i])
}

// uploadModel sends every file of the local model to the run's artifact
// directory through the server's artifact proxy, as MLflow's client logs
// a model (PUT /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/
// model/<file>), then lists what the server stored and checks each size.
// It returns the version source MLflow's client would send:
// "<run artifact_uri>/model".
func uploadModel(ctx context.Context, as mlflow.ArtifactStore, log *slog.Logger, runID, artifactURI, modelDir string) (string, error) {
	base, ok := mlflow.ProxiedArtifactPath(artifactURI)
	if !ok {
		return "", &NotProxiedError{RunID: runID, ArtifactURI: artifactURI}
	}
	files, err := listModel(modelDir)
	if err != nil {
		return "", fmt.Errorf("register-model: reading the model at %s: %w", modelDir, err)
	}
	dest := strings.TrimSuffix(base, "/") + "/" + ModelArtifactPath
	p := &progress{log: log, files: len(files), start: time.Now()}
	for _, f := range files {
		p.total += f.size
	}
	p.line(ctx, "register-model: uploading the model to the run's artifacts")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.line(ctx, "register-model: uploading")
			}
		}
	}()
	for _, f := range files {
		open := func() (io.ReadCloser, error) {
			p.cur.Store(0)
			fh, err := os.Open(f.abs)
			if err != nil {
				return nil, err
			}
			return countingReader{f: fh, n: &p.cur}, nil
		}
		if err := as.UploadArtifact(ctx, dest+"/"+f.rel, open, f.size); err != nil {
			return "", fmt.Errorf("register-model: uploading %s to the artifacts of run %s: %w", f.rel, runID, err)
		}
		if got := p.cur.Load(); got != f.size {
			return "", fmt.Errorf("register-model: %s changed while it was uploaded (%d bytes sent, %d expected): re-run when the trainer has finished writing it", f.abs, got, f.size)
		}
		p.done.Add(f.size)
		p.cur.Store(0)
		p.filesDone.Add(1)
	}
	p.line(ctx, "register-model: uploaded")

	stored, err := as.WalkArtifacts(ctx, dest)
	if err != nil {
		return "", fmt.Errorf("register-model: listing the uploaded model of run %s: %w", runID, err)
	}
	sizes := make(map[string]int64, len(stored))
	for _, s := range stored {
		sizes[s.Path] = s.FileSize
	}
	for _, f := range files {
		got, ok := sizes[f.rel]
		switch {
		case !ok:
			return "", fmt.Errorf("register-model: after the upload the server lists no %s under %s: check the server's artifact store (--artifacts-destination)", f.rel, dest)
		case got != f.size:
			return "", fmt.Errorf("register-model: after the upload the server holds %d bytes of %s, %d were sent: check the server's artifact store (--artifacts-destination)", got, f.rel, f.size)
		}
	}
	return strings.TrimSuffix(artifactURI, "/") + "/" + ModelArtifactPath, nil
}
