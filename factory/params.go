package factory

import (
	"fmt"
	"maps"
	"reflect"

	"github.com/artifex-go/artifex/config"
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
	if i, ok := config.AsInt(v); ok {
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
	if f, ok := config.AsFloat(v); ok {
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
	ints, bad, ok := config.AsInts(v)
	if ok {
		return ints, nil
	}
	if bad < 0 {
		return nil, badParam(name, "a list of integers", v)
	}
	return nil, fmt.Errorf("parameter %q must be a list of integers, got %s at index %d", name, config.Describe(reflect.ValueOf(v).Index(bad).Interface()), bad)
}

func badParam(name, want string, v any) error {
	return fmt.Errorf("parameter %q must be %s, got %s", name, want, config.Describe(v))
}
