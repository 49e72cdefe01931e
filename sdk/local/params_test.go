package local_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

func TestCheckParams(t *testing.T) {
	p, err := local.Parse("p.yaml", []byte(`pipelineInfo:
  name: p
root:
  dag:
    tasks: {}
  inputDefinitions:
    parameters:
      epochs:
        parameterType: NUMBER_INTEGER
      rate:
        defaultValue: 0.1
        isOptional: true
        parameterType: NUMBER_DOUBLE
schemaVersion: 2.1.0
`))
	require.NoError(t, err)
	assert.NoError(t, p.CheckParams(map[string]string{"epochs": "3"}))
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"epochs": "3", "epocs": "4"}, `unknown parameter "epocs"`},
		{map[string]string{"epochs": "three"}, `parameter "epochs": "three" is not`},
		{map[string]string{"rate": "0.2"}, `epochs`},
		{map[string]string{"epochs": "3", "rate": "NaN"}, `parameter "rate": "NaN" is not a finite number`},
		{map[string]string{"epochs": "3", "rate": "-Inf"}, `parameter "rate": "-Inf" is not a finite number`},
		{map[string]string{"epochs": "3", "rate": "1e400"}, `parameter "rate": "1e400" is out of range for NUMBER_DOUBLE: a 64-bit float, at most 1.7976931348623157e+308 in magnitude`},
		{map[string]string{"epochs": "73786976294838206464"}, `parameter "epochs": "73786976294838206464" is out of range for NUMBER_INTEGER: KFP carries numbers as 64-bit floats, exact for whole numbers from -9007199254740992 to 9007199254740992 (±2^53): pass --param epochs=<integer>`},
		{map[string]string{"epochs": "NaN"}, `parameter "epochs": "NaN" is not an integer`},
	} {
		err := p.CheckParams(tc.params)
		var ie *local.InputError
		require.True(t, errors.As(err, &ie), "want *local.InputError, got %v", err)
		assert.Contains(t, err.Error(), tc.want)
	}
}
