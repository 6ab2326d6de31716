package factory

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// typePattern is a class-name pattern and the model type it selects.
type typePattern struct {
	re  *regexp.Regexp
	typ string
}

// RegisterPattern adds a class-name pattern (a Go regular expression,
// e.g. `.*MyModel$`) that selects modelType when a model class's path
// names no registered module (the seed's step 3, "Add Model Type
// Detection"). Patterns are tried in the order they were registered, after
// the module-name rule, so a built-in family's pattern is tried before a
// user's. modelType must already have a builder.
func (r *Registry) RegisterPattern(pattern, modelType string) error {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fmt.Errorf("factory: register pattern %q: %w", pattern, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.builders[modelType]; !ok {
		return fmt.Errorf("factory: register pattern %q: no builder registered for type %q; register the builder first", pattern, modelType)
	}
	r.patterns = append(r.patterns, typePattern{re: re, typ: modelType})
	return nil
}

// RegisterModule adds a module name that selects modelType when it
// appears in a model class's path, besides the type's own name ("energy"
// for "ebm": "...models.energy.EBM"). modelType must already have a
// builder; a module name can select one type only.
func (r *Registry) RegisterModule(module, modelType string) error {
	if module == "" || strings.ContainsAny(module, "./") {
		return fmt.Errorf("factory: register module %q: a module name is one path element", module)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.builders[modelType]; !ok {
		return fmt.Errorf("factory: register module %q: no builder registered for type %q; register the builder first", module, modelType)
	}
	if other, dup := r.modules[module]; dup {
		return fmt.Errorf("factory: register module %q: already selects type %q", module, other)
	}
	if _, isType := r.builders[module]; isType && module != modelType {
		return fmt.Errorf("factory: register module %q: it is the name of type %q", module, module)
	}
	r.modules[module] = modelType
	return nil
}

// DetectModelType returns the model type (family) a model class names, as
// the seed describes: first a module name in the path, reading from the
// class name towards the root (a registered type's name, or a module
// registered with RegisterModule: "artifex.generative_models.models.vae.VAE"
// and "vae.VAE" → "vae", "...models.energy.EBM" → "ebm",
// "...models.my_model.Anything" → "my_model" once "my_model" is
// registered); then the registered class-name patterns in order ("DCGAN" →
// "gan", "RealNVP" → "flow"); otherwise "unknown". Paths may use "." or
// "/".
func (r *Registry) DetectModelType(modelClass string) string {
	parts := splitClass(modelClass)
	if len(parts) == 0 {
		return "unknown"
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, module := range slices.Backward(parts[:len(parts)-1]) {
		if _, ok := r.builders[module]; ok {
			return module
		}
		if typ, ok := r.modules[module]; ok {
			return typ
		}
	}
	class := parts[len(parts)-1]
	for _, p := range r.patterns {
		if p.re.MatchString(class) {
			return p.typ
		}
	}
	return "unknown"
}

// DetectModelType returns the model type DefaultRegistry detects for a
// model class; see Registry.DetectModelType.
func DetectModelType(modelClass string) string {
	return DefaultRegistry().DetectModelType(modelClass)
}

// ClassName returns the bare class name of a model class path: its last
// "." or "/" separated element ("artifex.generative_models.models.gan.DCGAN"
// → "DCGAN").
func ClassName(modelClass string) string {
	parts := splitClass(modelClass)
	if len(parts) == 0 {
		return ""
	}
	return parts[len(parts)-1]
}

func splitClass(modelClass string) []string {
	return strings.FieldsFunc(strings.TrimSpace(modelClass), func(r rune) bool { return r == '.' || r == '/' })
}

// RegisterPattern adds a class-name pattern to DefaultRegistry; see
// Registry.RegisterPattern.
func RegisterPattern(pattern, modelType string) error {
	return DefaultRegistry().RegisterPattern(pattern, modelType)
}
