package featurestore

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/spaolacci/murmur3"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ValueType is Feast's feast.types.ValueType.Enum (protos/feast/types/Value.proto).
type ValueType uint32

// The scalar value types kfpgo writes and reads, with their Feast enum numbers.
const (
	ValueTypeInvalid       ValueType = 0
	ValueTypeBytes         ValueType = 1
	ValueTypeString        ValueType = 2
	ValueTypeInt32         ValueType = 3
	ValueTypeInt64         ValueType = 4
	ValueTypeDouble        ValueType = 5
	ValueTypeFloat         ValueType = 6
	ValueTypeBool          ValueType = 7
	ValueTypeUnixTimestamp ValueType = 8
	ValueTypeNull          ValueType = 19
)

// Field numbers of the oneof "val" of feast.types.Value (Value.proto).
const (
	fieldBytes         protowire.Number = 1
	fieldString        protowire.Number = 2
	fieldInt32         protowire.Number = 3
	fieldInt64         protowire.Number = 4
	fieldDouble        protowire.Number = 5
	fieldFloat         protowire.Number = 6
	fieldBool          protowire.Number = 7
	fieldUnixTimestamp protowire.Number = 8
	fieldNull          protowire.Number = 19
)

// UnixTimestamp is a Feast UNIX_TIMESTAMP value: whole seconds since the
// Unix epoch (feast.types.Value.unix_timestamp_val, as Feast's Python SDK
// converts datetimes). [EncodeValue] also accepts time.Time and truncates
// it to seconds.
type UnixTimestamp int64

// Null is Feast's explicit NULL value (feast.types.Value.null_val). A Go
// nil encodes as an empty Value (no field set), which is what Feast writes
// for a missing feature value.
type Null struct{}

// EncodeValue serializes v as a feast.types.Value protobuf message (the
// bytes Feast stores in a Redis hash field). Accepted Go types and the
// oneof field they set: nil → none (empty message), Null → null_val,
// []byte → bytes_val, string → string_val, int32 → int32_val, int64 and int
// → int64_val, float64 → double_val, float32 → float_val, bool → bool_val,
// UnixTimestamp and time.Time → unix_timestamp_val (seconds).
//
// Errors: any other type.
func EncodeValue(v any) ([]byte, error) {
	return AppendValue(nil, v)
}

// AppendValue is [EncodeValue] appending to b.
func AppendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return b, nil
	case Null:
		b = protowire.AppendTag(b, fieldNull, protowire.VarintType)
		return protowire.AppendVarint(b, 0), nil
	case []byte:
		b = protowire.AppendTag(b, fieldBytes, protowire.BytesType)
		return protowire.AppendBytes(b, x), nil
	case string:
		b = protowire.AppendTag(b, fieldString, protowire.BytesType)
		return protowire.AppendString(b, x), nil
	case int32:
		b = protowire.AppendTag(b, fieldInt32, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(int64(x))), nil
	case int64:
		b = protowire.AppendTag(b, fieldInt64, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(x)), nil
	case int:
		b = protowire.AppendTag(b, fieldInt64, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(int64(x))), nil
	case float64:
		b = protowire.AppendTag(b, fieldDouble, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(x)), nil
	case float32:
		b = protowire.AppendTag(b, fieldFloat, protowire.Fixed32Type)
		return protowire.AppendFixed32(b, math.Float32bits(x)), nil
	case bool:
		b = protowire.AppendTag(b, fieldBool, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeBool(x)), nil
	case UnixTimestamp:
		b = protowire.AppendTag(b, fieldUnixTimestamp, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(int64(x))), nil
	case time.Time:
		b = protowire.AppendTag(b, fieldUnixTimestamp, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(x.Unix())), nil
	}
	return b, fmt.Errorf("feast value: unsupported Go type %T: use nil, string, []byte, int32, int64, float32, float64, bool or time.Time", v)
}

// DecodeValue parses a serialized feast.types.Value into the Go types of
// [EncodeValue]: nil (no field), Null, []byte, string, int32, int64,
// float64, float32, bool, UnixTimestamp. For repeated oneof fields the last
// wins, as in protobuf.
//
// Errors: malformed protobuf, or a list/map/struct value type kfpgo does not
// decode (reported with its field number).
func DecodeValue(b []byte) (any, error) {
	var out any
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("feast value: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var m int
		switch {
		case num == fieldBytes && typ == protowire.BytesType:
			var v []byte
			v, m = protowire.ConsumeBytes(b)
			out = append([]byte(nil), v...)
		case num == fieldString && typ == protowire.BytesType:
			var v string
			v, m = protowire.ConsumeString(b)
			out = v
		case (num == fieldInt32 || num == fieldInt64 || num == fieldBool || num == fieldUnixTimestamp || num == fieldNull) && typ == protowire.VarintType:
			var v uint64
			v, m = protowire.ConsumeVarint(b)
			switch num {
			case fieldInt32:
				out = int32(v)
			case fieldInt64:
				out = int64(v)
			case fieldBool:
				out = protowire.DecodeBool(v)
			case fieldUnixTimestamp:
				out = UnixTimestamp(int64(v))
			case fieldNull:
				out = Null{}
			}
		case num == fieldDouble && typ == protowire.Fixed64Type:
			var v uint64
			v, m = protowire.ConsumeFixed64(b)
			out = math.Float64frombits(v)
		case num == fieldFloat && typ == protowire.Fixed32Type:
			var v uint32
			v, m = protowire.ConsumeFixed32(b)
			out = math.Float32frombits(v)
		default:
			return nil, fmt.Errorf("feast value: field %d (wire type %d) is not a scalar value type kfpgo decodes", num, typ)
		}
		if m < 0 {
			return nil, fmt.Errorf("feast value: %w", protowire.ParseError(m))
		}
		b = b[m:]
	}
	return out, nil
}

// SerializeEntityKey returns Feast's entity key serialization version 3
// (sdk/python/feast/infra/key_encoding_utils.py serialize_entity_key) of
// the entity whose join keys are joinKeys and values values (same length).
// Layout, all integers uint32 little-endian: the number of keys; per join
// key in sorted order: ValueType STRING (2), byte length, UTF-8 bytes; then
// per value in the same order: its ValueType, byte length, bytes, where a
// string is its UTF-8 bytes, []byte itself, int32 4 bytes LE, int64 (and
// int) 8 bytes LE, UnixTimestamp/time.Time 8 bytes LE seconds.
//
// Errors: lengths differ, or a value of another type (Feast supports no
// other entity value types).
func SerializeEntityKey(joinKeys []string, values []any) ([]byte, error) {
	if len(joinKeys) != len(values) {
		return nil, fmt.Errorf("entity key: %d join keys but %d values", len(joinKeys), len(values))
	}
	idx := make([]int, len(joinKeys))
	for i := range idx {
		idx[i] = i
	}
	if len(idx) > 1 {
		sort.SliceStable(idx, func(a, b int) bool { return joinKeys[idx[a]] < joinKeys[idx[b]] })
	}
	le := binary.LittleEndian
	out := le.AppendUint32(nil, uint32(len(joinKeys)))
	for _, i := range idx {
		out = le.AppendUint32(out, uint32(ValueTypeString))
		out = le.AppendUint32(out, uint32(len(joinKeys[i])))
		out = append(out, joinKeys[i]...)
	}
	for _, i := range idx {
		var t ValueType
		var v []byte
		switch x := values[i].(type) {
		case string:
			t, v = ValueTypeString, []byte(x)
		case []byte:
			t, v = ValueTypeBytes, x
		case int32:
			t, v = ValueTypeInt32, le.AppendUint32(nil, uint32(x))
		case int64:
			t, v = ValueTypeInt64, le.AppendUint64(nil, uint64(x))
		case int:
			t, v = ValueTypeInt64, le.AppendUint64(nil, uint64(int64(x)))
		case UnixTimestamp:
			t, v = ValueTypeUnixTimestamp, le.AppendUint64(nil, uint64(int64(x)))
		case time.Time:
			t, v = ValueTypeUnixTimestamp, le.AppendUint64(nil, uint64(x.Unix()))
		default:
			return nil, fmt.Errorf("entity key %q: value type %T is not a Feast entity type: use string, []byte, int32, int64 or time.Time", joinKeys[i], values[i])
		}
		out = le.AppendUint32(out, uint32(t))
		out = le.AppendUint32(out, uint32(len(v)))
		out = append(out, v...)
	}
	return out, nil
}

// RedisKey is the key of an entity's hash in Feast's Redis online store
// (sdk/python/feast/infra/online_stores/helpers.py _redis_key): the
// [SerializeEntityKey] bytes followed by the UTF-8 project name.
func RedisKey(project string, joinKeys []string, values []any) ([]byte, error) {
	k, err := SerializeEntityKey(joinKeys, values)
	if err != nil {
		return nil, err
	}
	return append(k, project...), nil
}

// FeatureField is the hash field of one feature in Feast's Redis online
// store (helpers.py _mmh3): the 4-byte little-endian murmur3_32 (seed 0) of
// "<feature_view>:<feature>".
func FeatureField(view, feature string) string {
	h := murmur3.Sum32([]byte(view + ":" + feature))
	return string(binary.LittleEndian.AppendUint32(nil, h))
}

// TimestampField is the hash field holding a feature view's event time in
// Feast's Redis online store: "_ts:<feature_view>".
func TimestampField(view string) string { return "_ts:" + view }

// EncodeTimestamp serializes t as a google.protobuf.Timestamp (seconds and
// nanos, as Feast's online_write_batch stores it since it keeps nanos).
// The Unix epoch itself encodes as zero bytes, as proto3 omits zero fields.
func EncodeTimestamp(t time.Time) []byte {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(timestamppb.New(t))
	return b
}

// DecodeTimestamp parses a serialized google.protobuf.Timestamp into a UTC
// time.Time.
//
// Errors: malformed protobuf.
func DecodeTimestamp(b []byte) (time.Time, error) {
	var ts timestamppb.Timestamp
	if err := proto.Unmarshal(b, &ts); err != nil {
		return time.Time{}, fmt.Errorf("feast event timestamp: %w", err)
	}
	return ts.AsTime().UTC(), nil
}
