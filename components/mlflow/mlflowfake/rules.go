package mlflowfake

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kfpgo/kfpgo/components/mlflow"
)

// The validation rules below are those of MLflow's tracking server, read
// from its source; each cites where. Error texts follow MLflow's messages.

// Limits of mlflow/utils/validation.py.
const (
	maxEntityKeyLength  = 250  // MAX_ENTITY_KEY_LENGTH
	maxParamValLength   = 6000 // MAX_PARAM_VAL_LENGTH
	maxTagValLength     = 5000 // MAX_TAG_VAL_LENGTH
	maxRegistryTagKey   = 250  // MAX_MODEL_REGISTRY_TAG_KEY_LENGTH
	maxRegistryTagValue = 5000 // MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH
)

// validNameRe is _VALID_PARAM_AND_METRIC_NAMES (mlflow/utils/validation.py).
var validNameRe = regexp.MustCompile(`^[/\w.\- :]*$`)

// checkEntityName is _validate_param_name / _validate_tag_name /
// _validate_metric_name: the allowed characters, then path_not_unique (the
// name must be a normalized relative path).
func checkEntityName(kind, name string) error {
	if !validNameRe.MatchString(name) {
		return fmt.Errorf("Invalid %s name: '%s'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).", kind, name)
	}
	norm := path.Clean(name)
	if name == "" {
		norm = "."
	}
	if norm != name || norm == "." || strings.HasPrefix(norm, "..") || strings.HasPrefix(norm, "/") {
		return fmt.Errorf("Invalid %s name: '%s'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '%s'", kind, name, norm)
	}
	return nil
}

// lengthLimit is _validate_length_limit without truncation: the message
// shows at most the first 250 characters.
func lengthLimit(entity string, limit int, value string) error {
	if len(value) <= limit {
		return nil
	}
	shown := value
	if len(shown) > 250 {
		shown = shown[:250]
	}
	return fmt.Errorf("%s '%s' had length %d, which exceeded length limit of %d", entity, shown, len(value), limit)
}

// truncate applies MLFLOW_TRUNCATE_LONG_VALUES, which defaults to true on
// the server (mlflow/environment_variables.py): param and run tag values
// over their limit are cut, not refused (_validate_param, _validate_tag).
func truncate(v string, limit int) string {
	if len(v) > limit {
		return v[:limit]
	}
	return v
}

// isLocalURI is mlflow/utils/uri.py is_local_uri: no scheme or file:, and
// no host other than localhost, 127.0.0.1 or ".".
func isLocalURI(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return !strings.Contains(uri, "://")
	}
	if h := u.Hostname(); h != "" && h != "." && !strings.HasPrefix(h, "localhost") && !strings.HasPrefix(h, "127.0.0.1") {
		return false
	}
	return u.Scheme == "" || u.Scheme == "file"
}

// localPath is local_file_uri_to_path, made absolute and clean as
// pathlib's resolve() would (symlinks aside).
func localPath(uri string) string {
	p := uri
	if u, err := url.Parse(uri); err == nil && u.Scheme == "file" {
		p = u.Path
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	return abs
}

// checkVersionSource is _validate_source_run of mlflow/server/handlers.py
// for POST model-versions/create without a model_id: a local source (a
// path or file: URI) needs run_id, and must lie inside that run's artifact
// directory, which must itself be local; any other source must pass
// checkNoRelativePaths. runArtifactURI returns the run's artifact URI, or
// an error when the run does not exist (which get_run raises first).
func checkVersionSource(source, runID string, runArtifactURI func(string) (string, error)) (status int, code, msg string) {
	if isLocalURI(source) {
		shown := source
		if runID != "" {
			art, err := runArtifactURI(runID)
			if err != nil {
				return 404, mlflow.ErrResourceDoesNotExist, err.Error()
			}
			src := localPath(source)
			shown = src
			if isLocalURI(art) {
				dir := localPath(art)
				if src == dir || strings.HasPrefix(src, dir+string(filepath.Separator)) {
					return 0, "", ""
				}
			}
		}
		return 400, mlflow.ErrInvalidParameterValue, fmt.Sprintf("Invalid model version source: '%s'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.", shown)
	}
	if msg := checkNoRelativePaths(source); msg != "" {
		return 400, mlflow.ErrInvalidParameterValue, msg
	}
	return 0, "", ""
}

var slashesRe = regexp.MustCompile(`/+`)

// checkNoRelativePaths is _validate_non_local_source_contains_relative_paths
// of mlflow/server/handlers.py: the source is percent-decoded until stable
// (unquote_plus); its URL path, with repeated slashes squeezed and the
// trailing slash dropped, must hold no NUL, no ".." segment, and be what
// resolving it as an absolute path gives. So "s3://b/x/../y", "s3://b/./y"
// and "s3://bucket" (an empty path, which resolves to the server's working
// directory) are all refused.
func checkNoRelativePaths(source string) string {
	for {
		next, err := url.QueryUnescape(source)
		if err != nil || next == source {
			break
		}
		source = next
	}
	msg := fmt.Sprintf("Invalid model version source: '%s'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.", source)
	p := source
	if u, err := url.Parse(source); err == nil {
		p = u.Path
		if u.Opaque != "" {
			p = u.Opaque
		}
	}
	p = slashesRe.ReplaceAllString(strings.TrimRight(p, "/"), "/")
	if strings.Contains(p, "\x00") {
		return msg
	}
	for _, seg := range strings.Split(source, "/") {
		if seg == ".." {
			return msg
		}
	}
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return msg
	}
	return ""
}

// checkArtifactPath is mlflow/utils/uri.py validate_path_is_safe, applied
// by every mlflow-artifacts handler: percent-decoded, no '#', no
// backslash, no ".." segment, not absolute. Refusals are 400
// INVALID_PARAMETER_VALUE "Invalid path".
func checkArtifactPath(p string) bool {
	for {
		next, err := url.PathUnescape(p)
		if err != nil || next == p {
			break
		}
		p = next
	}
	if strings.ContainsAny(p, "#\\") || strings.HasPrefix(p, "/") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return false
		}
	}
	return true
}
