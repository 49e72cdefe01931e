package preparedata

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/sdk/redact"
)

// timeLayouts are the timestamp text forms accepted, tried in order; forms
// without a zone are UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
	"2006/01/02",
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 8 || s[0] < '0' || s[0] > '9' {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// inferType picks the narrowest type that holds every sampled value
// (nil values are ignored; no values give STRING), and describes any
// widening that loses information, for a warning: integers beyond int64
// become DOUBLE PRECISION (float64 keeps 15–17 significant digits, so
// 18446744073709551616 and 18446744073709551617 load as the same value),
// and values of different kinds become TEXT.
func inferType(vals []any) (fs.Type, string) {
	var t fs.Type
	var bigInt string             // the first integer beyond int64
	first := map[fs.Type]string{} // the first value of each kind seen
	merge := func(u fs.Type, v string) {
		if _, ok := first[u]; !ok {
			first[u] = v
		}
		switch {
		case t == "" || t == u:
			t = u
		case (t == fs.TypeInt64 && u == fs.TypeFloat64) || (t == fs.TypeFloat64 && u == fs.TypeInt64):
			t = fs.TypeFloat64
		default:
			t = fs.TypeString
		}
	}
	isInt := func(s string) bool {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
		return s != "" && strings.Trim(s, "0123456789") == ""
	}
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
		case bool:
			merge(fs.TypeBool, fmt.Sprint(x))
		case json.Number:
			if _, err := x.Int64(); err == nil {
				merge(fs.TypeInt64, x.String())
			} else {
				if bigInt == "" && isInt(x.String()) {
					bigInt = x.String()
				}
				merge(fs.TypeFloat64, x.String())
			}
		case csvText:
			s := strings.TrimSpace(string(x))
			if _, err := strconv.ParseInt(s, 10, 64); err == nil {
				merge(fs.TypeInt64, s)
			} else if _, err := strconv.ParseFloat(s, 64); err == nil {
				if bigInt == "" && isInt(s) {
					bigInt = s
				}
				merge(fs.TypeFloat64, s)
			} else if _, err := strconv.ParseBool(s); err == nil && len(s) > 1 {
				merge(fs.TypeBool, s)
			} else if _, ok := parseTime(s); ok {
				merge(fs.TypeTimestamp, s)
			} else {
				merge(fs.TypeString, s)
			}
		case string:
			if _, ok := parseTime(x); ok {
				merge(fs.TypeTimestamp, x)
			} else {
				merge(fs.TypeString, x)
			}
		case int64:
			merge(fs.TypeInt64, fmt.Sprint(x))
		case float64:
			merge(fs.TypeFloat64, fmt.Sprint(x))
		case time.Time:
			merge(fs.TypeTimestamp, x.String())
		default:
			merge(fs.TypeString, fmt.Sprint(x))
		}
	}
	switch {
	case t == "":
		return fs.TypeString, ""
	case t == fs.TypeString && len(first) > 1:
		kinds := make([]string, 0, len(first))
		for _, k := range []fs.Type{fs.TypeInt64, fs.TypeFloat64, fs.TypeBool, fs.TypeTimestamp, fs.TypeString} {
			if v, ok := first[k]; ok {
				kinds = append(kinds, fmt.Sprintf("%s (e.g. %q)", k, redact.Clip(v, 40)))
			}
		}
		return t, "mixed values " + strings.Join(kinds, ", ") + " make it " + string(fs.TypeString)
	case t == fs.TypeFloat64 && bigInt != "":
		return t, fmt.Sprintf("integer %s is beyond int64, so the column becomes %s and such integers lose digits", redact.Clip(bigInt, 40), fs.TypeFloat64)
	}
	return t, ""
}

// csvText marks CSV fields, whose text may be any type (unlike JSON strings).
type csvText string

// convert turns a source value into the Go value loaded for type t; ok is
// false when the value does not fit.
func convert(v any, t fs.Type) (out any, ok bool) {
	if c, isCSV := v.(csvText); isCSV {
		v = string(c)
	}
	if v == nil {
		return nil, true
	}
	switch t {
	case fs.TypeInt64:
		switch x := v.(type) {
		case int64:
			return x, true
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return i, true
			}
			if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
				return int64(f), true
			}
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), true
			}
		case string:
			if i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return i, true
			}
		}
	case fs.TypeFloat64:
		switch x := v.(type) {
		case float64:
			return x, true
		case int64:
			return float64(x), true
		case json.Number:
			if f, err := x.Float64(); err == nil {
				return f, true
			}
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, true
			}
		}
	case fs.TypeString:
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			return strconv.FormatBool(x), true
		case int64:
			return strconv.FormatInt(x, 10), true
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), true
		case time.Time:
			return x.Format(time.RFC3339Nano), true
		}
	case fs.TypeBool:
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, true
			}
		}
	case fs.TypeTimestamp:
		switch x := v.(type) {
		case time.Time:
			return x, true
		case string:
			if tm, ok := parseTime(x); ok {
				return tm, true
			}
		}
	}
	return nil, false
}

// numeric returns v as float64 for range checks.
func numeric(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
