package kfp

import (
	"fmt"
	"path"
	"strings"
)

// Version is a KFP backend version as major.minor (e.g. {2, 5}).
type Version struct{ Major, Minor int }

// String renders "2.5".
func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v >= o.
func (v Version) AtLeast(o Version) bool {
	return v.Major > o.Major || (v.Major == o.Major && v.Minor >= o.Minor)
}

// ParseVersion parses "2.5" or "v2.5.0" (patch ignored).
func ParseVersion(s string) (Version, error) {
	var v Version
	s = strings.TrimPrefix(s, "v")
	if _, err := fmt.Sscanf(s, "%d.%d", &v.Major, &v.Minor); err != nil {
		return v, fmt.Errorf("target version %q: want major.minor, e.g. 2.5", s)
	}
	return v, nil
}

// DefaultTarget is the KFP backend version compiled for by default.
var DefaultTarget = Version{2, 5}

// Options controls KFP IR emission.
type Options struct {
	// DisableCaching flips the default of task caching to off (KFP's
	// compile-time default is on). Tasks that call SetCaching keep theirs.
	// Optional: defaults to false.
	DisableCaching bool
	// Target is the oldest KFP backend the output must run on; features it
	// cannot run are refused with the minimum version. Optional: defaults
	// to DefaultTarget (KFP 2.5).
	Target Version
	// ImageRepo and ImageTag, when ImageRepo is set, replace every
	// "ko://<import path>" image with "<ImageRepo>/<last path element>:<ImageTag>"
	// (ImageTag defaults to "latest"). Optional: by default ko:// references
	// are written as they are, for `ko resolve -f`.
	ImageRepo string
	ImageTag  string
	// PipelineParameters overrides the defaults of the pipeline's own
	// parameter inputs, as KFP's Compiler.compile(pipeline_parameters=...)
	// does: each value becomes the root inputDefinitions defaultValue (a
	// JSON-compatible value: string, float64/int, bool, []any,
	// map[string]any) and isOptional is left as the input declared it. A
	// name that is not a parameter input of the pipeline is an
	// ir.UnknownInput error. Optional: defaults to no override.
	PipelineParameters map[string]any
}

func (o Options) target() Version {
	if o.Target == (Version{}) {
		return DefaultTarget
	}
	return o.Target
}

// resolveImage rewrites a ko:// reference when an image repository is set.
func (o Options) resolveImage(img string) string {
	if o.ImageRepo == "" || !strings.HasPrefix(img, "ko://") {
		return img
	}
	tag := o.ImageTag
	if tag == "" {
		tag = "latest"
	}
	return strings.TrimSuffix(o.ImageRepo, "/") + "/" + path.Base(strings.TrimPrefix(img, "ko://")) + ":" + tag
}
