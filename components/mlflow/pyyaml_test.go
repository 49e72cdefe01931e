package mlflow

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/pyyaml_cases.json holds, for each input, the bytes PyYAML 6.0.3
// writes with yaml.dump({"v": input}, default_flow_style=False,
// allow_unicode=True, sort_keys=True, Dumper=yaml.SafeDumper), the call
// MLflow's write_yaml makes; the last entry is a whole meta.yaml with a
// nested alias map, null, integers, an empty list and an empty map.
func TestMarshalPyYAMLMatchesPyYAML(t *testing.T) {
	b, err := os.ReadFile("testdata/pyyaml_cases.json")
	require.NoError(t, err)
	var cases []struct {
		In   string `json:"in"`
		Meta bool   `json:"meta"`
		Out  string `json:"out"`
	}
	require.NoError(t, json.Unmarshal(b, &cases))
	require.Greater(t, len(cases), 50)
	for _, c := range cases {
		if c.Meta {
			got := marshalPyYAML(yamlMap{
				"aliases": map[string]string{"champion": "1", "b-2": "12"}, "creation_timestamp": int64(1704067200000),
				"description": nil, "last_updated_timestamp": int64(1704067201000), "name": "cars-origin",
				"tags": []string{}, "empty": map[string]string{}, "version": 1, "status": 3,
			})
			assert.Equal(t, c.Out, string(got), "meta")
			continue
		}
		got := marshalPyYAML(yamlMap{"v": c.In})
		assert.Equal(t, c.Out, string(got), "input %q", c.In)
	}
}

func TestPyFloat(t *testing.T) {
	for v, want := range map[float64]string{
		1: "1.0", 0.93: "0.93", 0.25: "0.25", 1e-5: "1e-05", 0.0001: "0.0001", 1e16: "1e+16", 1e15: "1000000000000000.0",
		-2.5: "-2.5", 0: "0.0", 123456789.125: "123456789.125", 1.5e-7: "1.5e-07",
	} {
		assert.Equal(t, want, PyFloat(v), "%v", v)
	}
}
