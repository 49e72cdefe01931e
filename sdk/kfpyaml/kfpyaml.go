// Package kfpyaml reads the YAML files KFP writes (compiled pipelines,
// component YAML) as the KFP API server reads them: YAML 1.2 scalars
// (go.yaml.in/yaml/v3), so that n, y, no, on, off… left unquoted by PyYAML
// stay strings, then JSON for protojson. The API server's reader is
// backend/src/apiserver/template/v2_template.go (NewV2SpecTemplate: a
// yaml.v3 decoder into map[string]interface{}, then encoding/json and
// protojson).
//
// sigs.k8s.io/yaml, by contrast, resolves YAML 1.1 booleans: `value: no`
// becomes false, which protojson then refuses for a string field.
package kfpyaml

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// ToJSON converts one YAML document to JSON with YAML 1.2 scalar rules.
// Empty input gives "null". It returns an error for invalid YAML, more
// than one document, a duplicate key, a mapping key that is not a string,
// or a value JSON cannot hold (NaN, infinities).
func ToJSON(doc []byte) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return []byte("null"), nil
		}
		return nil, err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, errors.New("more than one YAML document")
	}
	v, err := jsonable(v, "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// jsonable checks the decoded tree: yaml.v3 gives mappings with non-string
// keys as map[any]any and keeps timestamps tagged !!timestamp as time.Time;
// the API server's json.Marshal refuses the former, so this does too.
func jsonable(v any, path string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			c, err := jsonable(e, path+"."+k)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
	case map[any]any:
		for k := range x {
			return nil, fmt.Errorf("%s: mapping key %v is a %T, not a string", pathOrRoot(path), k, k)
		}
	case []any:
		for i, e := range x {
			c, err := jsonable(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
	}
	return v, nil
}

func pathOrRoot(p string) string {
	if p == "" {
		return "document"
	}
	return p[1:]
}
