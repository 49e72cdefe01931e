package kfpyaml_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/kfpyaml"
)

// TestYAML12Scalars: PyYAML (yaml.dump, as kfp.compiler writes) quotes the
// YAML 1.1 booleans yes/no/on/off/true/false but leaves y and n plain; KFP's
// API server reads YAML 1.2, where only true and false are booleans. A plain
// timestamp becomes RFC 3339 text, as the server's yaml.v3 decoder gives it
// (PyYAML quotes strings that look like timestamps).
func TestYAML12Scalars(t *testing.T) {
	j, err := kfpyaml.ToJSON([]byte("a: n\nb: y\nc: no\nd: on\ne: off\nf: yes\ng: true\nh: False\ni: 3\nj: 2.5\nk: ~\nl: 2024-01-02\nm: [n, y]\n"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"n","b":"y","c":"no","d":"on","e":"off","f":"yes","g":true,"h":false,"i":3,"j":2.5,"k":null,"l":"2024-01-02T00:00:00Z","m":["n","y"]}`, string(j))
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a: 1\na: 2\n", "already defined"},
		{"a: [\n", "did not find expected"},
		{"{1: a}\n", "not a string"},
		{"a: 1\n---\nb: 2\n", "more than one YAML document"},
	} {
		_, err := kfpyaml.ToJSON([]byte(tc.in))
		assert.ErrorContains(t, err, tc.want, tc.in)
	}
}
