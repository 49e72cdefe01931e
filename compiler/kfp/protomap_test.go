package kfp_test

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/kfpgo/kfpgo/compiler/conformance"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/compiler/kfp"
)

// TestDocMatchesProtojson checks that the document written for every ported
// conformance pipeline is what protojson gives for the typed spec (plus the
// documented newer keys, which protojson cannot know).
func TestDocMatchesProtojson(t *testing.T) {
	names := make([]string, 0, len(conformance.Cases))
	for n := range conformance.Cases {
		names = append(names, n)
	}
	sort.Strings(names)
	checked := 0
	for _, n := range names {
		c := conformance.Cases[n]
		g := c.Pipeline.Build()
		if len(ir.Validate(g)) > 0 {
			continue
		}
		res, err := kfp.Emit(g, c.Options)
		if err != nil {
			continue
		}
		b, err := protojson.Marshal(res.Spec)
		require.NoError(t, err)
		var want map[string]any
		require.NoError(t, json.Unmarshal(b, &want))
		got := kfp.ProtoMapForTest(res.Spec)
		assert.Equal(t, want, got, n)
		checked++
	}
	assert.Greater(t, checked, 50)
	for _, d := range []*durationpb.Duration{{Seconds: 3600}, {Seconds: 1, Nanos: 500000000}, {Nanos: 1000}, {Seconds: 2, Nanos: 1}} {
		b, _ := protojson.Marshal(d)
		var want any
		require.NoError(t, json.Unmarshal(b, &want))
		assert.Equal(t, want, kfp.DurationForTest(d))
	}
}
