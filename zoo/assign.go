package zoo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/artifex-go/artifex/config"
)

// ParseAssignments reads command-line assignments, "key=value" each (the
// CLI's --set, Hydra's overrides), into Overrides. A value is read as
// YAML, so numbers, booleans, lists and maps keep their types:
//
//	hidden_dims=[1024,512]   activation=gelu   learning_rate=1e-4
//	parameters.kl_weight=0.5   metadata.training_defaults.batch_size=64
//
// A key is routed as by Overrides (a field, a class parameter, a training
// setting), or is a dotted path into parameters or metadata. A later
// assignment of the same key wins.
func ParseAssignments(assignments []string) (Overrides, error) {
	o := Overrides{}
	for _, a := range assignments {
		key, text, ok := strings.Cut(a, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, fmt.Errorf("assignment %q: want key=value, e.g. hidden_dims=[1024,512] or parameters.kl_weight=0.5", a)
		}
		if strings.ContainsAny(text, "\n\r") {
			return nil, fmt.Errorf("assignment %q: a value is one line of YAML", key)
		}
		v, err := yamlValue(text)
		if err != nil {
			return nil, fmt.Errorf("assignment %q: %w", key, err)
		}
		o[key] = v
	}
	return o, nil
}

// yamlValue reads one line of YAML with the configuration reader, its
// limits included (size, nesting, aliases).
func yamlValue(text string) (any, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("the value is empty")
	}
	cfg, err := config.Parse([]byte("metadata:\n  v: "+text+"\n"), "value.yaml")
	if err != nil {
		// The reader's position refers to the wrapper document.
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "config: value.yaml:") {
			msg = msg[i+2:]
		}
		return nil, fmt.Errorf("value %q is not YAML: %s", text, msg)
	}
	v := cfg.Metadata["v"]
	// YAML 1.1 reads 1e-4 (an exponent without a decimal point) as a
	// string; on a command line it means the number. A quoted value stays
	// a string.
	if str, ok := v.(string); ok && !strings.HasPrefix(strings.TrimSpace(text), `"`) && !strings.HasPrefix(strings.TrimSpace(text), "'") {
		if f, err := strconv.ParseFloat(str, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, nil
		}
	}
	return v, nil
}

// setPath sets a dotted path ("parameters.kl_weight",
// "metadata.training_defaults.batch_size") in cfg, creating the maps on
// the way.
func setPath(cfg *config.ModelConfiguration, path string, v any) error {
	parts := strings.Split(path, ".")
	var root *map[string]any
	switch parts[0] {
	case "parameters":
		root = &cfg.Parameters
	case "metadata":
		root = &cfg.Metadata
	default:
		return fmt.Errorf("a dotted key starts with parameters or metadata (e.g. parameters.kl_weight); %s is not a map", parts[0])
	}
	for _, p := range parts[1:] {
		if p == "" {
			return fmt.Errorf("empty element in the path")
		}
	}
	if *root == nil {
		*root = map[string]any{}
	}
	m := *root
	for i, p := range parts[1 : len(parts)-1] {
		next, ok := m[p]
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is %s, not a map", strings.Join(parts[:i+2], "."), config.Describe(next))
		}
		m = nm
	}
	m[parts[len(parts)-1]] = v
	return nil
}
