package mlflow

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// splitTopLevel cuts a block-style meta.yaml (as PyYAML's safe_dump writes
// it) into its top-level entries, keyed by the entry's key, each with its
// raw text: the "key: value" line and its continuation lines (indented
// lines, and "- " list items, which PyYAML writes at column 0 below their
// key). ok is false when the text is not of that shape.
func splitTopLevel(b []byte) (map[string]string, bool) {
	out := map[string]string{}
	var cur strings.Builder
	flush := func() bool {
		if cur.Len() == 0 {
			return true
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(cur.String()), &m); err != nil || len(m) != 1 {
			return false
		}
		for k := range m {
			out[k] = cur.String()
		}
		cur.Reset()
		return true
	}
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		top := line[0] != ' ' && line[0] != '\t' && !strings.HasPrefix(line, "- ") && strings.TrimSpace(line) != "-"
		if top && !flush() {
			return nil, false
		}
		cur.WriteString(line)
	}
	if !flush() {
		return nil, false
	}
	return out, true
}

// writeMetaKeeping writes m as dir/meta.yaml and keeps, byte for byte, the
// top-level keys of the meta.yaml already there that m does not set and
// drop does not name: keys a newer MLflow wrote survive a rewrite by this
// store. A file that is not block-style YAML is replaced by m alone.
func writeMetaKeeping(dir string, m yamlMap, drop ...string) error {
	name := filepath.Join(dir, fsMeta)
	old, err := os.ReadFile(name)
	if err != nil {
		return writeFileAtomic(name, marshalPyYAML(m))
	}
	kept, ok := splitTopLevel(old)
	if !ok {
		return writeFileAtomic(name, marshalPyYAML(m))
	}
	for _, k := range drop {
		delete(kept, k)
	}
	for k := range m {
		delete(kept, k)
	}
	if len(kept) == 0 {
		return writeFileAtomic(name, marshalPyYAML(m))
	}
	chunks := map[string]string{}
	for k, v := range kept {
		chunks[k] = v
	}
	for k, v := range m {
		chunks[k] = string(marshalPyYAML(yamlMap{k: v}))
	}
	keys := make([]string, 0, len(chunks))
	for k := range chunks {
		keys = append(keys, k)
	}
	sort.Strings(keys) // PyYAML sorts keys by code point, as Go sorts UTF-8
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(chunks[k])
	}
	return writeFileAtomic(name, []byte(b.String()))
}
