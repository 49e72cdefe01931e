package kfp

import "google.golang.org/protobuf/proto"

// ProtoMapForTest exposes protoMap to the external tests.
func ProtoMapForTest(m proto.Message) map[string]any { return protoMap(m) }

// DurationForTest renders a Duration message as protoMap does.
func DurationForTest(m proto.Message) any { return durationValue(m.ProtoReflect()) }
