package kfp

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// protoMap converts a message to the generic tree protojson would produce
// (JSON field names, enums as names, int64 as strings, well-known types in
// their JSON form, numbers as float64), walking the message with
// protoreflect instead of printing and re-reading JSON text. Fields at their
// default value are omitted, as protojson does.
func protoMap(m proto.Message) map[string]any {
	v := messageValue(m.ProtoReflect())
	out, ok := v.(map[string]any)
	if !ok {
		panic(fmt.Sprintf("kfp: %T is not an object in JSON", m))
	}
	return out
}

func messageValue(m protoreflect.Message) any {
	switch m.Descriptor().FullName() {
	case "google.protobuf.Struct":
		return structValue(m)
	case "google.protobuf.Value":
		return valueValue(m)
	case "google.protobuf.ListValue":
		return listValue(m)
	case "google.protobuf.Duration":
		return durationValue(m)
	}
	out := map[string]any{}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		out[fd.JSONName()] = fieldValue(fd, v)
		return true
	})
	return out
}

func fieldValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch {
	case fd.IsList():
		l := v.List()
		out := make([]any, l.Len())
		for i := range out {
			out[i] = scalarValue(fd, l.Get(i))
		}
		return out
	case fd.IsMap():
		mp := v.Map()
		out := make(map[string]any, mp.Len())
		mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
			out[k.String()] = scalarValue(fd.MapValue(), mv)
			return true
		})
		return out
	}
	return scalarValue(fd, v)
}

func scalarValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return messageValue(v.Message())
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return float64(v.Enum())
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.BytesKind:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return float64(v.Int())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return float64(v.Uint())
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return "NaN"
		case math.IsInf(f, 1):
			return "Infinity"
		case math.IsInf(f, -1):
			return "-Infinity"
		}
		return f
	}
	return v.Interface()
}

func structValue(m protoreflect.Message) any {
	fd := m.Descriptor().Fields().ByName("fields")
	out := map[string]any{}
	m.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		out[k.String()] = valueValue(v.Message())
		return true
	})
	return out
}

func listValue(m protoreflect.Message) any {
	l := m.Get(m.Descriptor().Fields().ByName("values")).List()
	out := make([]any, l.Len())
	for i := range out {
		out[i] = valueValue(l.Get(i).Message())
	}
	return out
}

func valueValue(m protoreflect.Message) any {
	od := m.Descriptor().Oneofs().ByName("kind")
	fd := m.WhichOneof(od)
	if fd == nil {
		return nil
	}
	v := m.Get(fd)
	switch fd.Name() {
	case "null_value":
		return nil
	case "number_value":
		return v.Float()
	case "string_value":
		return v.String()
	case "bool_value":
		return v.Bool()
	case "struct_value":
		return structValue(v.Message())
	case "list_value":
		return listValue(v.Message())
	}
	return nil
}

// durationValue renders a Duration as protojson does ("3600s", "1.5s").
func durationValue(m protoreflect.Message) any {
	fields := m.Descriptor().Fields()
	secs := m.Get(fields.ByName("seconds")).Int()
	nanos := m.Get(fields.ByName("nanos")).Int()
	if nanos == 0 {
		return strconv.FormatInt(secs, 10) + "s"
	}
	sign := ""
	if secs < 0 || nanos < 0 {
		sign, secs, nanos = "-", -secs, -nanos
	}
	// protojson writes 3, 6 or 9 fractional digits.
	frac := fmt.Sprintf("%09d", nanos)
	for strings.HasSuffix(frac, "000") {
		frac = frac[:len(frac)-3]
	}
	return sign + strconv.FormatInt(secs, 10) + "." + frac + "s"
}
