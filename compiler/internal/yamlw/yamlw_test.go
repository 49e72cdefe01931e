package yamlw

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// tricky strings a YAML reader could misread if written plain.
var tricky = []string{
	"", " ", "true", "False", "yes", "no", "on", "off", "null", "~", "y", "n", "1", "1.0", "-1", "+1", "0x1F", "0o17", "1e3",
	"1_000", "12:30", "2024-01-01", ".inf", "-.inf", ".nan", "2.1.0", "a: b", "a #b", "#x", "- x", "-x", "? x", ": x",
	"x:", "'quoted'", `"dq"`, "{a}", "[a]", "a,b", "*ref", "&anchor", "!tag", "%dir", "@at", "`tick`", "|", ">",
	"line\nbreak", "tab\there", "trailing ", " leading", "ünïcode", "{{$.inputs.parameters['x']}}", `{"Concat": ["a", "b"]}`,
	"C:\\path", "a\\b", "\x01ctrl", "\u0085nel", "--executor_input", "/ko-app/x", "python:3.11", "exec-echo",
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alphabet := []rune("ab01 :#-'\"\\\n\t{}[],.&*!|>%@`?~_/=+$^;()ü")
	strs := append([]string(nil), tricky...)
	for i := 0; i < 2000; i++ {
		n := r.Intn(8)
		rs := make([]rune, n)
		for j := range rs {
			rs[j] = alphabet[r.Intn(len(alphabet))]
		}
		strs = append(strs, string(rs))
	}
	items := make([]any, len(strs))
	for i, s := range strs {
		items[i] = s
	}
	doc := map[string]any{"list": items, "map": map[string]any{"k": "v", "n": 1.5, "i": float64(3), "maxRetryCount": float64(3), "b": true, "e": map[string]any{}, "l": []any{}},
		"nested": []any{map[string]any{"a": "1", "b": []any{"x"}}, []any{"y", "z"}}}
	for _, s := range strs {
		doc["map"].(map[string]any)["key "+s] = s
	}
	b, err := Marshal("# header\n", doc)
	require.NoError(t, err)

	var viaK8s map[string]any
	require.NoError(t, yaml.Unmarshal(b, &viaK8s))
	var viaV3 map[string]any
	require.NoError(t, yamlv3.Unmarshal(b, &viaV3))
	for i, s := range strs {
		assert.Equal(t, s, viaK8s["list"].([]any)[i], "sigs.k8s.io/yaml reading %q", s)
		assert.Equal(t, s, viaV3["list"].([]any)[i], "yaml.v3 reading %q", s)
	}
	m := viaK8s["map"].(map[string]any)
	assert.Equal(t, 1.5, m["n"])
	assert.Equal(t, float64(3), m["i"])
	assert.Equal(t, true, m["b"])
	assert.Contains(t, string(b), "maxRetryCount: 3\n")
	assert.Contains(t, string(b), "  i: 3.0\n")

	b2, err := Marshal("# header\n", doc)
	require.NoError(t, err)
	assert.Equal(t, b, b2, "output must be deterministic")
}

func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{1: "1.0", 0.5: "0.5", 0.268435456: "0.268435456", 1e-05: "1.0e-05", 100: "100.0", -2: "-2.0"} {
		assert.Equal(t, want, PyFloat(f))
	}
}

// TestSimplePlainAgrees checks the shortcut against the full rule: every
// string it passes through is one the full rule writes plain.
func TestSimplePlainAgrees(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	alphabet := []byte("aZy0_-./:# eElLnNoOtTfFsSuU")
	strs := append([]string(nil), tricky...)
	strs = append(strs, "TRUE", "No", "Off", "NULL", "comp-concat-2", "a.b/c", "x_1", "inputs")
	passed := 0
	for i := 0; i < 20000; i++ {
		b := make([]byte, 1+r.Intn(7))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		strs = append(strs, string(b))
	}
	for _, s := range strs {
		if simplePlain(s) {
			passed++
			assert.Equal(t, s, quoteFull(s), "shortcut writes %q plain", s)
		}
		assert.Equal(t, quoteFull(s), quote(s))
	}
	assert.Greater(t, passed, 1000)
}
