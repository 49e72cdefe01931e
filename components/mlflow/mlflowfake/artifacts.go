package mlflowfake

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/components/mlflow"
)

// experimentLocation is the artifact location of e: its own, else the
// server's ArtifactRoot joined with its ID, as MLflow's stores derive it
// from --default-artifact-root.
func (s *Server) experimentLocation(e *mlflow.Experiment) string {
	if e.ArtifactLocation != "" {
		return e.ArtifactLocation
	}
	root := s.ArtifactRoot
	if strings.HasSuffix(root, "/") {
		return root + e.ExperimentID
	}
	return root + "/" + e.ExperimentID
}

// noServe answers as _disable_unless_serve_artifacts
// (mlflow/server/handlers.py): 503, plain text.
func (s *Server) noServe(w http.ResponseWriter, r *http.Request) bool {
	if !s.NoServeArtifacts {
		return false
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, "Endpoint: %s disabled due to the mlflow server running with `--no-serve-artifacts`. To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`", r.URL.Path)
	return true
}

func invalidPath(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, mlflow.ErrInvalidParameterValue, "Invalid path")
}

// uploadArtifact is PUT /api/2.0/mlflow-artifacts/artifacts/<path>
// (_upload_artifact): the body, streamed, becomes the file; an existing
// file is replaced. The answer is an empty UploadArtifact.Response "{}".
func (s *Server) uploadArtifact(w http.ResponseWriter, r *http.Request) {
	if s.noServe(w, r) {
		return
	}
	p := r.PathValue("path")
	if !checkArtifactPath(p) {
		invalidPath(w)
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, mlflow.ErrInternalError, "reading the upload: "+err.Error())
		return
	}
	s.mu.Lock()
	s.artifacts[path.Clean(p)] = data
	s.mu.Unlock()
	writeJSON(w, struct{}{})
}

// downloadArtifact is GET /api/2.0/mlflow-artifacts/artifacts/<path>
// (_download_artifact): the file's bytes. A missing file fails inside the
// artifact repository's download_artifacts, which MLflow reports as an
// MlflowException with its default INTERNAL_ERROR (500).
func (s *Server) downloadArtifact(w http.ResponseWriter, r *http.Request) {
	if s.noServe(w, r) {
		return
	}
	p := r.PathValue("path")
	if !checkArtifactPath(p) {
		invalidPath(w)
		return
	}
	s.mu.Lock()
	data, ok := s.artifacts[path.Clean(p)]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusInternalServerError, mlflow.ErrInternalError, fmt.Sprintf("The following failures occurred while downloading one or more artifacts from %s: ##### File %s #####\n[Errno 2] No such file or directory", s.ArtifactRoot, p))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment; filename="+path.Base(p))
	w.Write(data)
}

// listArtifacts is GET /api/2.0/mlflow-artifacts/artifacts?path=<dir>
// (_list_artifacts_mlflow_artifacts): the direct children of dir with base
// names, file_size for files only; a missing directory lists as empty
// ({"files" omitted, as protobuf JSON omits an empty repeated field).
func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request) {
	if s.noServe(w, r) {
		return
	}
	dir := r.URL.Query().Get("path")
	if dir != "" && !checkArtifactPath(dir) {
		invalidPath(w)
		return
	}
	prefix := ""
	if dir != "" {
		prefix = path.Clean(dir) + "/"
	}
	s.mu.Lock()
	entries := map[string]mlflow.FileInfo{}
	for p, data := range s.artifacts {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		name, _, isDir := strings.Cut(rest, "/")
		if isDir {
			entries[name] = mlflow.FileInfo{Path: name, IsDir: true}
		} else {
			entries[name] = mlflow.FileInfo{Path: name, FileSize: int64(len(data))}
		}
	}
	s.mu.Unlock()
	out := map[string]any{}
	if len(entries) > 0 {
		files := make([]mlflow.FileInfo, 0, len(entries))
		for _, k := range sortedKeys(entries) {
			files = append(files, entries[k])
		}
		out["files"] = files
	}
	writeJSON(w, out)
}

// Artifact returns the bytes stored at path (relative to the artifact
// proxy root) and whether it exists.
func (s *Server) Artifact(p string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.artifacts[path.Clean(p)]
	return b, ok
}

// ArtifactPaths returns every stored artifact path, sorted.
func (s *Server) ArtifactPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.artifacts)
}

// PutArtifact stores bytes at p, as an earlier upload would have.
func (s *Server) PutArtifact(p string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.artifacts[path.Clean(p)] = data
}

// DeleteRun marks a run deleted, as POST runs/delete does: it keeps
// answering runs/get (lifecycle_stage "deleted") but refuses logging and
// updates, and runs/search no longer lists it.
func (s *Server) DeleteRun(runID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.runs[runID]; r != nil {
		r.info.LifecycleStage = "deleted"
	}
}

// runClauseRe is one comparison of the runs/search filter that this server
// supports: a tag, or the run_name/status attribute, "=" a quoted string.
var runClauseRe = regexp.MustCompile("^\\s*(tags\\.`[^`]+`|tags\\.[\\w.]+|(?:attributes\\.)?(?:run_name|status))\\s*=\\s*'([^']*)'\\s*$")

// searchRuns is POST runs/search: experiment_ids, filter (tag and
// run_name/status equality joined by AND), run_view_type (ACTIVE_ONLY by
// default), max_results (at most 50000, handlers.py _search_runs; default
// 1000) and page_token. Runs come newest start_time first.
func (s *Server) searchRuns(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter"`
		RunViewType   string   `json:"run_view_type"`
		MaxResults    *int     `json:"max_results"`
		PageToken     string   `json:"page_token"`
	}
	if !decode(w, r, &in) {
		return
	}
	max := 1000
	if in.MaxResults != nil {
		if *in.MaxResults > 50000 {
			fail(w, mlflow.ErrInvalidParameterValue, "Invalid value %d for parameter 'max_results' supplied. See the API docs for more information about request parameters.", *in.MaxResults)
			return
		}
		max = *in.MaxResults
	}
	type clause struct{ key, val string }
	var clauses []clause
	if strings.TrimSpace(in.Filter) != "" {
		for _, c := range andRe.Split(in.Filter, -1) {
			m := runClauseRe.FindStringSubmatch(c)
			if m == nil {
				fail(w, mlflow.ErrInvalidParameterValue, "Invalid clause(s) in filter string: '%s'", strings.TrimSpace(c))
				return
			}
			clauses = append(clauses, clause{m[1], m[2]})
		}
	}
	offset := 0
	if in.PageToken != "" {
		n, err := strconv.Atoi(in.PageToken)
		if err != nil || n < 0 {
			fail(w, mlflow.ErrInvalidParameterValue, "Invalid page token, could not base64-decode")
			return
		}
		offset = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]bool{}
	for _, id := range in.ExperimentIDs {
		want[id] = true
	}
	var found []mlflow.Run
	for _, id := range sortedKeys(s.runs) {
		rn := s.runs[id]
		if !want[rn.info.ExperimentID] {
			continue
		}
		switch in.RunViewType {
		case "", "ACTIVE_ONLY":
			if rn.info.LifecycleStage != "active" {
				continue
			}
		case "DELETED_ONLY":
			if rn.info.LifecycleStage != "deleted" {
				continue
			}
		}
		ok := true
		for _, c := range clauses {
			var got string
			switch {
			case strings.HasSuffix(c.key, "run_name"):
				got = rn.info.RunName
			case strings.HasSuffix(c.key, "status"):
				got = rn.info.Status
			default:
				got = rn.tags[strings.Trim(strings.TrimPrefix(c.key, "tags."), "`")]
			}
			if got != c.val {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, s.runView(rn))
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Info.StartTime > found[j].Info.StartTime })
	out := map[string]any{}
	if offset < len(found) {
		end := min(offset+max, len(found))
		out["runs"] = found[offset:end]
		if end < len(found) {
			out["next_page_token"] = strconv.Itoa(end)
		}
	}
	writeJSON(w, out)
}
