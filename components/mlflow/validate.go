package mlflow

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Name rules of MLflow's stores (mlflow/utils/validation.py), checked
// before any file is touched so that a name can never escape the store's
// directory.
var (
	// _RUN_ID_REGEX
	runIDRe = regexp.MustCompile(`^[a-zA-Z0-9][\w\-]{0,255}$`)
	// _EXPERIMENT_ID_REGEX
	experimentIDRe = regexp.MustCompile(`^[a-zA-Z0-9][\w\-]{0,63}$`)
	// _VALID_PARAM_AND_METRIC_NAMES, also used for tag keys
	entityNameRe = regexp.MustCompile(`^[/\w.\- :]*$`)
	// _validate_model_alias_name: word characters and dashes
	aliasRe = regexp.MustCompile(`^[\w\-]*$`)
	// reserved version aliases ("v1", "V12")
	versionAliasRe = regexp.MustCompile(`^[vV]\d+$`)
)

// MaxAliasLength is MLflow's limit on alias names (MAX_REGISTERED_MODEL_ALIAS_LENGTH).
const MaxAliasLength = 255

func invalidParam(where, format string, args ...any) *Error {
	return &Error{Method: "file", Path: where, ErrorCode: ErrInvalidParameterValue, Message: fmt.Sprintf(format, args...)}
}

// validEntityName applies MLflow's rule for param, metric and tag keys:
// the allowed characters, and a path that normalizes to itself (no "..",
// no leading "/", no "./").
func validEntityName(kind, name string) error {
	if !entityNameRe.MatchString(name) || path.Clean(name) != name || strings.HasPrefix(name, "/") || name == "." || strings.HasPrefix(name, "../") || name == ".." {
		return invalidParam(kind, "Invalid %s name: '%s'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/), and must be a normalized relative path", kind, name)
	}
	return nil
}

// ValidateModelName applies the file store's rule for registered model
// names (mlflow/store/model_registry/file_store.py _validate_model_name):
// non-empty, no path separator, no '%'.
func ValidateModelName(name string) error {
	switch {
	case name == "":
		return invalidParam("registered model", "Registered model name cannot be empty.")
	case strings.ContainsAny(name, `/\`) || name == "." || name == "..":
		return invalidParam("registered model", "Invalid name: '%s'. Registered model name cannot contain path separator", name)
	case strings.Contains(name, "%"):
		return invalidParam("registered model", "Invalid name: '%s'. Registered model name cannot contain '%%' character", name)
	}
	return nil
}

// ValidateAlias applies MLflow's alias rules, with its messages
// (_validate_model_alias_name in mlflow/utils/validation.py): not empty,
// word characters and dashes, at most 255 characters, not "latest" (any
// case) and not a version reference like "v3".
func ValidateAlias(alias string) error {
	switch {
	case alias == "":
		return invalidParam("alias", "Registered model alias name cannot be empty.")
	case !aliasRe.MatchString(alias):
		return invalidParam("alias", "Invalid alias name: '%s'. Names may only contain alphanumerics, underscores (_), and dashes (-).", alias)
	case len(alias) > MaxAliasLength:
		return invalidParam("alias", "Registered model alias name '%s' had length %d, which exceeded length limit of %d", alias[:250], len(alias), MaxAliasLength)
	case strings.EqualFold(alias, "latest"):
		return invalidParam("alias", "'%s' alias name (case insensitive) is reserved.", alias)
	case versionAliasRe.MatchString(alias):
		return invalidParam("alias", "Version alias name '%s' is reserved.", alias)
	}
	return nil
}
