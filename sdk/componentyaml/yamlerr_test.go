package componentyaml_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

// TestInvalidYAMLHints checks that each way a document cannot be read
// gives its own fix.
func TestInvalidYAMLHints(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	tests := []struct {
		name, yaml, msg, hint string
	}{
		{"alias bomb", bomb, "more than a million nodes", "aliases (*name) repeat their anchor"},
		{"too deep", "a: " + strings.Repeat("[", 1100) + strings.Repeat("]", 1100) + "\n", "nesting deeper than 1000 levels", "flatten the document"},
		{"duplicate key", "name: a\nname: b\n", `line 2: key "name" is set twice`, "each key may appear once per mapping"},
		{"list key", "? [a]\n: 1\n", "mapping keys must be plain names", "plain name"},
		{"merge key", "base: &b {image: i}\nname: a\nimplementation: {container: {<<: *b}}\n", "merge keys (<<) are not supported", "write the merged keys out"},
		{"not a number", "name: a\nx: .nan\n", "is not a JSON number", "finite number"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := componentyaml.Load("bad.yaml", []byte(tt.yaml))
			var e *componentyaml.Error
			require.True(t, errors.As(err, &e), "want *componentyaml.Error, got %v", err)
			assert.Equal(t, "document 1", e.Path)
			assert.Contains(t, e.Msg, "invalid YAML: ")
			assert.Contains(t, e.Msg, tt.msg)
			assert.Contains(t, e.Hint, tt.hint)
			if prev, dup := seen[e.Hint]; dup {
				t.Errorf("%s gives the same hint as %s: %s", tt.name, prev, e.Hint)
			}
			seen[e.Hint] = tt.name
		})
	}
}
