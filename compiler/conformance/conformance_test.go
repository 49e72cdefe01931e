//go:build conformance

package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	goyaml "sigs.k8s.io/yaml/goyaml.v3"

	"github.com/kfpgo/kfpgo/compiler"
)

// corpusDir finds the goldens: $KFPGO_CONFORMANCE_DIR or ../shared/conformance
// beside the repository.
func corpusDir(t *testing.T) string {
	t.Helper()
	tried := []string{}
	if d := os.Getenv("KFPGO_CONFORMANCE_DIR"); d != "" {
		tried = append(tried, d)
	}
	tried = append(tried, filepath.Join("..", "..", "..", "shared", "conformance"))
	for _, d := range tried {
		if st, err := os.Stat(filepath.Join(d, "kfp-ir")); err == nil && st.IsDir() {
			return d
		}
	}
	abs := make([]string, len(tried))
	for i, d := range tried {
		abs[i], _ = filepath.Abs(d)
	}
	t.Fatalf("conformance goldens not found; looked in %s (set KFPGO_CONFORMANCE_DIR to the folder holding kfp-ir/ and kfp-kubernetes/)", strings.Join(abs, ", "))
	return ""
}

// splitDocs parses a YAML stream into generic documents.
func splitDocs(b []byte) ([]any, error) {
	var docs []any
	for _, part := range bytes.Split(b, []byte("\n---\n")) {
		if len(bytes.TrimSpace(part)) == 0 {
			continue
		}
		// YAML 1.2 scalars (goyaml.v3), as PyYAML wrote them: an unquoted key
		// such as `y` is a string, not YAML 1.1's boolean. The JSON round trip
		// gives every number one Go type (float64), so 2 equals 2.0.
		var raw any
		if err := goyaml.Unmarshal(part, &raw); err != nil {
			return nil, err
		}
		js, err := json.Marshal(raw)
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(js, &v); err != nil {
			return nil, err
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
	return docs, nil
}

func goldens(t *testing.T, root, corpus string) []string {
	var out []string
	err := filepath.WalkDir(filepath.Join(root, corpus), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && rel == filepath.Join("kfp-ir", "invalid") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	sort.Strings(out)
	return out
}

func TestConformance(t *testing.T) {
	root := corpusDir(t)
	var summary []string
	for _, corpus := range []string{"kfp-ir", "kfp-kubernetes"} {
		all := goldens(t, root, corpus)
		ok := 0
		var notes []string
		for _, g := range all {
			c, ported := Cases[g]
			if lc, loaded := LoadedCases[g]; loaded && !ported {
				p, err := lc.Build(filepath.Join(root, g))
				if err != nil {
					notes = append(notes, fmt.Sprintf("  unported %s: loading its components: %s", g, firstLine(err.Error())))
					t.Errorf("%s: %v", g, err)
					continue
				}
				c, ported = Case{Golden: g, Pipeline: p, Options: lc.Options}, true
			}
			if !ported {
				notes = append(notes, fmt.Sprintf("  unported %s: not ported yet", g))
				continue
			}
			want, err := os.ReadFile(filepath.Join(root, g))
			require.NoError(t, err)
			wantDocs, err := splitDocs(want)
			require.NoError(t, err, g)
			res, err := compiler.Compile(c.Pipeline, c.Options)
			if err != nil {
				notes = append(notes, fmt.Sprintf("  unported %s: compile error: %s", g, firstLine(err.Error())))
				t.Errorf("%s: compile: %v", g, err)
				continue
			}
			gotDocs, err := splitDocs(res.YAML)
			require.NoError(t, err, g)
			if d := Compare(wantDocs, gotDocs); d != "" {
				notes = append(notes, fmt.Sprintf("  unported %s: differs at %s", g, d))
				t.Errorf("%s: differs at %s", g, d)
				continue
			}
			ok++
		}
		for _, n := range notes {
			fmt.Println(n)
		}
		label := "conformance"
		if corpus == "kfp-kubernetes" {
			label = "kfp-kubernetes conformance"
		}
		summary = append(summary, fmt.Sprintf("%s: %d/%d %s goldens reproduced", label, ok, len(all), corpus))
	}
	for _, s := range summary {
		fmt.Println(strings.Replace(s, " kfp-kubernetes goldens", " goldens", 1))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
