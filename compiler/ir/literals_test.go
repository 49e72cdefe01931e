package ir_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

func TestLiteralProblem(t *testing.T) {
	ok := []any{
		nil, "s", true, int64(1) << 53, -(int64(1) << 53), int64(1) << 62, int64(math.MinInt64),
		1.5, math.MaxFloat64, -math.SmallestNonzeroFloat64,
		[]any{int64(3), map[string]any{"a": 2.5}},
	}
	for _, v := range ok {
		assert.Empty(t, ir.LiteralProblem(v, "value"), "%#v", v)
	}
	bad := map[string]any{
		"value: NaN has no JSON form":                        math.NaN(),
		"value: +Inf has no JSON form":                       math.Inf(1),
		"value.a[1]: -Inf has no JSON form":                  map[string]any{"a": []any{1.0, math.Inf(-1)}},
		"value: the integer 9007199254740993 cannot be held": int64(1)<<53 + 1,
		"value: the integer 9223372036854775807 cannot be":   int64(math.MaxInt64),
		"value[0]: the integer 18446744073709551615 cannot":  []any{uint64(math.MaxUint64)},
		"value.x: a thing":                                   map[string]any{"x": ir.BadValue{Err: "a thing"}},
	}
	for want, v := range bad {
		assert.Contains(t, ir.LiteralProblem(v, "value"), want)
	}
}
