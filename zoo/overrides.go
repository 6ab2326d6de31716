package zoo

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/artifex-go/artifex/config"
)

// Overrides change a zoo configuration before it is built. Keys naming a
// top-level field (name, model_class, type, description, version,
// input_dim, hidden_dims, output_dim, activation, tags) replace it;
// "parameters" and "metadata" take a map merged into the existing one key
// by key (shallowly); any other key is stored in Metadata, as the seed's
// zoo did (e.g. "learning_rate" for the trainer).
type Overrides map[string]any

// Apply returns cfg changed by o; cfg itself is not changed. A value of
// the wrong type for its field is an error naming the key and the value.
func (o Overrides) Apply(cfg config.ModelConfiguration) (config.ModelConfiguration, error) {
	cfg = cfg.Clone()
	for _, k := range slices.Sorted(maps.Keys(o)) {
		if err := o.apply(&cfg, k, o[k]); err != nil {
			return config.ModelConfiguration{}, fmt.Errorf("override %q: %w", k, err)
		}
	}
	return cfg, nil
}

func (o Overrides) apply(cfg *config.ModelConfiguration, key string, v any) error {
	str := func(dst *string) error {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("must be a string, got %s", config.Describe(v))
		}
		*dst = s
		return nil
	}
	ints := func() ([]int, error) {
		is, bad, ok := config.AsInts(v)
		if ok {
			return is, nil
		}
		if bad >= 0 {
			return nil, fmt.Errorf("must be an integer or a list of integers, got %s at index %d", config.Describe(reflect.ValueOf(v).Index(bad).Interface()), bad)
		}
		return nil, fmt.Errorf("must be an integer or a list of integers, got %s", config.Describe(v))
	}
	merge := func(dst *map[string]any) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%w, got %s", errNotMap, config.Describe(v))
		}
		if *dst == nil {
			*dst = map[string]any{}
		}
		maps.Copy(*dst, m)
		return nil
	}
	var err error
	switch key {
	case "name":
		return str(&cfg.Name)
	case "model_class":
		return str(&cfg.ModelClass)
	case "type":
		return str(&cfg.Type)
	case "description":
		return str(&cfg.Description)
	case "version":
		return str(&cfg.Version)
	case "activation":
		return str(&cfg.Activation)
	case "input_dim":
		cfg.InputDim, err = ints()
	case "output_dim":
		cfg.OutputDim, err = ints()
	case "hidden_dims":
		cfg.HiddenDims, err = ints()
	case "tags":
		cfg.Tags, err = stringList(v)
	case "parameters":
		return merge(&cfg.Parameters)
	case "metadata":
		return merge(&cfg.Metadata)
	default:
		if cfg.Metadata == nil {
			cfg.Metadata = map[string]any{}
		}
		cfg.Metadata[key] = v
	}
	return err
}

func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case []string:
		return slices.Clone(x), nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("must be a list of strings, got %s at index %d", config.Describe(e), i)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a list of strings, got %s", config.Describe(v))
}

// errNotMap is the cause when parameters or metadata is overridden with a
// value that is not a map.
var errNotMap = errors.New("must be a map")
