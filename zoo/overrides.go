package zoo

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/suggest"
)

// Overrides change a zoo configuration before it is built, as keyword
// arguments do in the seed's zoo.create_model. Each key lands where
// something reads it, and a key nothing reads is an error:
//
//   - a top-level field (name, model_class, type, description, version,
//     input_dim, hidden_dims, output_dim, activation, tags) is replaced;
//   - "parameters" and "metadata" take a map merged into the existing one
//     key by key (shallowly); a dotted key sets one entry inside them
//     ("parameters.kl_weight", "metadata.training_defaults.batch_size");
//   - a parameter of the configuration's class ("beta", "noise_steps"
//     ...) is set in Parameters;
//   - a training setting (config.TrainingSettings: "learning_rate",
//     "batch_size", "epochs", "optimizer" ...) is set in
//     metadata.training_defaults, where the trainer reads it; except that
//     "learning_rate" on a model whose class owns its optimizers (a GAN's
//     generator_lr and discriminator_lr) sets each of those parameters
//     instead, since the trainer's optimizer does not drive it.
type Overrides map[string]any

// fields are the top-level configuration fields an override replaces.
var fields = []string{
	"name", "model_class", "type", "description", "version", "input_dim",
	"hidden_dims", "output_dim", "activation", "tags", "parameters", "metadata",
}

// Apply returns cfg changed by o; cfg itself is not changed. A value of
// the wrong type for its field, or a key that nothing would read, is an
// error naming the key. Parameters are recognised with the schema
// factory.DefaultRegistry declares for the class.
func (o Overrides) Apply(cfg config.ModelConfiguration) (config.ModelConfiguration, error) {
	return o.ApplyWith(factory.DefaultRegistry(), cfg)
}

// ApplyWith is Apply with the parameter schemas of registry r.
func (o Overrides) ApplyWith(r *factory.Registry, cfg config.ModelConfiguration) (config.ModelConfiguration, error) {
	cfg = cfg.Clone()
	// Fields first: a model_class override decides which parameters the
	// other keys can name.
	keys := slices.Sorted(maps.Keys(o))
	isField := func(k string) bool { return slices.Contains(fields, k) }
	var errs []error
	for _, k := range append(filter(keys, isField), filter(keys, func(k string) bool { return !isField(k) })...) {
		if err := o.apply(r, &cfg, k, o[k]); err != nil {
			errs = append(errs, fmt.Errorf("override %q: %w", k, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return config.ModelConfiguration{}, err
	}
	return cfg, nil
}

// filter returns the keys for which keep is true, in order.
func filter(keys []string, keep func(string) bool) []string {
	var out []string
	for _, k := range keys {
		if keep(k) {
			out = append(out, k)
		}
	}
	return out
}

func (o Overrides) apply(r *factory.Registry, cfg *config.ModelConfiguration, key string, v any) error {
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
		if strings.Contains(key, ".") {
			return setPath(cfg, key, v)
		}
		return setElsewhere(r, cfg, key, v)
	}
	return err
}

// setElsewhere puts a key that is not a top-level field where the model
// or the trainer reads it, or says why it cannot.
func setElsewhere(r *factory.Registry, cfg *config.ModelConfiguration, key string, v any) error {
	schema, described := r.ParameterSchema(cfg.ModelClass)
	set := func(k string) {
		if cfg.Parameters == nil {
			cfg.Parameters = map[string]any{}
		}
		cfg.Parameters[k] = v
	}
	if described && slices.Contains(schema.Known, key) {
		set(key)
		return nil
	}
	if config.IsTrainingSetting(key) {
		if key == "learning_rate" && described {
			var own []string
			for _, k := range schema.Known {
				if strings.HasSuffix(k, "_lr") {
					own = append(own, k)
				}
			}
			if len(own) > 0 {
				for _, k := range own {
					set(k)
				}
				return nil
			}
		}
		return setTrainingDefault(cfg, key, v)
	}
	accepted := "the configuration fields (" + strings.Join(fields, ", ") + "), the training settings (" +
		strings.Join(config.TrainingSettings(), ", ") + ")"
	candidates := append(slices.Clone(fields), config.TrainingSettings()...)
	if described {
		known := slices.Sorted(slices.Values(schema.Known))
		accepted += " and the parameters of " + factory.ClassName(cfg.ModelClass) + " (" + strings.Join(known, ", ") + ")"
		candidates = append(candidates, known...)
	}
	hint := ""
	if close := suggest.Closest(key, candidates); len(close) > 0 {
		hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(close, ", "))
	}
	return fmt.Errorf("nothing reads this key%s; an override names one of %s; non-functional notes go in \"metadata\"", hint, accepted)
}

// setTrainingDefault sets metadata.training_defaults[key] = v, keeping the
// other settings.
func setTrainingDefault(cfg *config.ModelConfiguration, key string, v any) error {
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]any{}
	}
	td := map[string]any{}
	if raw, ok := cfg.Metadata[config.TrainingDefaultsKey]; ok {
		m, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("metadata.%s must be a map to hold it, got %s", config.TrainingDefaultsKey, config.Describe(raw))
		}
		td = maps.Clone(m)
	}
	td[key] = v
	cfg.Metadata[config.TrainingDefaultsKey] = td
	return nil
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
