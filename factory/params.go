package factory

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
)

// WithDefaults returns the parameters a builder should use: a new map
// holding every entry of params, plus the entries of defaults whose keys
// params lacks. User parameters always win; neither input is changed.
// This is the seed's clean parameter pattern:
//
//	cfg.Parameters = factory.WithDefaults(cfg.Parameters, map[string]any{
//		"encoder_type": "mlp",
//		"kl_weight":    1.0,
//	})
func WithDefaults(params, defaults map[string]any) map[string]any {
	out := make(map[string]any, len(params)+len(defaults))
	maps.Copy(out, defaults)
	maps.Copy(out, params)
	return out
}

// GetInt returns the integer parameter name, or def when params lacks it.
// Any integer type is accepted, and a float or JSON number with no
// fractional part (YAML and JSON readers differ in how they give numbers);
// anything else is an error naming the parameter and the value.
func GetInt(params map[string]any, name string, def int) (int, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	if i, ok := toInt(v); ok {
		return i, nil
	}
	return 0, badParam(name, "an integer", v)
}

// GetFloat returns the numeric parameter name as a float64, or def when
// params lacks it. Any integer or float type is accepted, and a string
// holding a finite number: YAML reads an exponent without a decimal point
// (1e-4) as a string.
func GetFloat(params map[string]any, name string, def float64) (float64, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	if f, ok := toFloat(v); ok {
		return f, nil
	}
	return 0, badParam(name, "a number", v)
}

// GetBool returns the boolean parameter name, or def when params lacks
// it.
func GetBool(params map[string]any, name string, def bool) (bool, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, badParam(name, "true or false", v)
}

// GetString returns the string parameter name, or def when params lacks
// it.
func GetString(params map[string]any, name string, def string) (string, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", badParam(name, "a string", v)
}

// GetInts returns the integer-list parameter name, or def when params
// lacks it. A list of integers in any numeric form is accepted, and a
// single integer stands for a one-element list.
func GetInts(params map[string]any, name string, def []int) ([]int, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	if i, ok := toInt(v); ok {
		return []int{i}, nil
	}
	var items []any
	switch x := v.(type) {
	case []int:
		return append([]int(nil), x...), nil
	case []any:
		items = x
	case []float64:
		for _, f := range x {
			items = append(items, f)
		}
	default:
		return nil, badParam(name, "a list of integers", v)
	}
	out := make([]int, len(items))
	for i, e := range items {
		n, ok := toInt(e)
		if !ok {
			return nil, fmt.Errorf("parameter %q must be a list of integers, got %s at index %d", name, describe(e), i)
		}
		out[i] = n
	}
	return out, nil
}

func badParam(name, want string, v any) error {
	return fmt.Errorf("parameter %q must be %s, got %s", name, want, describe(v))
}

// describe names a value and its type for an error message.
func describe(v any) string {
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
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

func toInt(v any) (int, bool) {
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
		return floatInt(float64(x))
	case float64:
		return floatInt(x)
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 0); err == nil {
			return int(i), true
		}
		if f, err := x.Float64(); err == nil {
			return floatInt(f)
		}
	}
	return 0, false
}

func floatInt(f float64) (int, bool) {
	if f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return 0, false
	}
	return int(f), true
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	if i, ok := toInt(v); ok {
		return float64(i), true
	}
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint:
		return float64(x), true
	}
	return 0, false
}
