package config

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AsInt converts a decoded configuration value to an int. YAML and JSON
// readers give numbers in different types, so every integer type is
// accepted, and floats and JSON numbers without a fractional part.
func AsInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int8:
		return int(x), true
	case int16:
		return int(x), true
	case int32:
		return int(x), true
	case int64:
		return int(x), x >= math.MinInt && x <= math.MaxInt
	case uint:
		return int(x), x <= math.MaxInt
	case uint8:
		return int(x), true
	case uint16:
		return int(x), true
	case uint32:
		return int(x), uint64(x) <= math.MaxInt
	case uint64:
		return int(x), x <= math.MaxInt
	case float32:
		return wholeFloat(float64(x))
	case float64:
		return wholeFloat(x)
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 0); err == nil {
			return int(i), true
		}
		if f, err := x.Float64(); err == nil {
			return wholeFloat(f)
		}
	}
	return 0, false
}

func wholeFloat(f float64) (int, bool) {
	if f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return 0, false
	}
	return int(f), true
}

// AsFloat converts a decoded configuration value to a finite float64: any
// number, or a string holding a number (YAML reads an exponent without a
// decimal point, 1e-4, as a string). NaN and the infinities are refused:
// no setting means them, and a YAML .nan or an overflowing 1e400 is a
// mistake to report where the value is read.
func AsFloat(v any) (float64, bool) {
	f, ok := asNumber(v)
	return f, ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	i, ok := AsInt(v)
	return float64(i), ok
}

// AsInts converts a decoded configuration value to a list of ints: a list
// whose elements AsInt accepts, or a single integer standing for a
// one-element list. On failure it returns the index of the bad element,
// or -1 when v is not a list at all.
func AsInts(v any) ([]int, int, bool) {
	if i, ok := AsInt(v); ok {
		return []int{i}, 0, true
	}
	var items []any
	switch x := v.(type) {
	case []int:
		return append([]int(nil), x...), 0, true
	case Dims:
		return append([]int(nil), x...), 0, true
	case []any:
		items = x
	case []float64:
		for _, f := range x {
			items = append(items, f)
		}
	default:
		return nil, -1, false
	}
	out := make([]int, len(items))
	for i, e := range items {
		n, ok := AsInt(e)
		if !ok {
			return nil, i, false
		}
		out[i] = n
	}
	return out, 0, true
}

// Describe names a configuration value and its type for an error message:
// string "x", bool true, 2.5 (float64), a list [...], a map, null.
func Describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", x)
	case bool:
		return fmt.Sprintf("bool %v", x)
	case map[string]any:
		return "a map"
	case []any:
		return fmt.Sprintf("a list %v", x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprintf("%v (not a finite number)", x)
		}
	}
	return fmt.Sprintf("%v (%T)", v, v)
}
