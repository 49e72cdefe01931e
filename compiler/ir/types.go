package ir

// ParamType is a KFP parameter type (pipelinespec ParameterType_ParameterTypeEnum).
type ParamType int

// The KFP parameter types. ParamNone marks an artifact-typed value.
const (
	ParamNone ParamType = iota
	ParamString
	ParamInt
	ParamDouble
	ParamBool
	ParamList
	ParamStruct
	// ParamTaskFinalStatus is KFP's TASK_FINAL_STATUS, the type of a
	// PipelineTaskFinalStatus input of an exit task.
	ParamTaskFinalStatus
)

// String returns the IR enum name (STRING, NUMBER_INTEGER, …).
func (t ParamType) String() string {
	switch t {
	case ParamString:
		return "STRING"
	case ParamInt:
		return "NUMBER_INTEGER"
	case ParamDouble:
		return "NUMBER_DOUBLE"
	case ParamBool:
		return "BOOLEAN"
	case ParamList:
		return "LIST"
	case ParamStruct:
		return "STRUCT"
	case ParamTaskFinalStatus:
		return "TASK_FINAL_STATUS"
	}
	return "PARAMETER_TYPE_ENUM_UNSPECIFIED"
}

// ArtifactType is an artifact's schema: KFP's ArtifactTypeSchema
// schemaTitle (e.g. "system.Dataset") and schemaVersion (e.g. "0.0.1").
type ArtifactType struct {
	SchemaTitle   string
	SchemaVersion string
}

// Type is the type of an input, an output or a value: either a parameter
// type (Artifact nil) or an artifact type, possibly a list of artifacts.
type Type struct {
	Param    ParamType
	Artifact *ArtifactType
	// List marks a list of artifacts (KFP isArtifactList).
	List bool
}

// IsArtifact reports whether t is an artifact (or artifact list) type.
func (t Type) IsArtifact() bool { return t.Artifact != nil }

// String renders t for error messages, e.g. "NUMBER_INTEGER",
// "artifact system.Model@0.0.1" or "list of artifact system.Dataset@0.0.1".
func (t Type) String() string {
	if t.Artifact == nil {
		return t.Param.String()
	}
	s := "artifact " + t.Artifact.SchemaTitle + "@" + t.Artifact.SchemaVersion
	if t.List {
		s = "list of " + s
	}
	return s
}

// GenericArtifactTitle is the schema title of KFP's generic artifact, which
// accepts any other artifact kind.
const GenericArtifactTitle = "system.Artifact"

// Assignable reports whether a value of type from may feed an input of type
// to, by KFP's rule: parameter types must match exactly; artifact types
// match by schema title and major version, and the generic system.Artifact
// matches any artifact in either direction.
func Assignable(from, to Type) bool {
	if from.IsArtifact() != to.IsArtifact() {
		return false
	}
	if !from.IsArtifact() {
		return from.Param == to.Param
	}
	if from.List != to.List {
		return false
	}
	if from.Artifact.SchemaTitle == GenericArtifactTitle || to.Artifact.SchemaTitle == GenericArtifactTitle {
		return true
	}
	return from.Artifact.SchemaTitle == to.Artifact.SchemaTitle &&
		majorVersion(from.Artifact.SchemaVersion) == majorVersion(to.Artifact.SchemaVersion)
}

func majorVersion(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] == '.' {
			return v[:i]
		}
	}
	return v
}
