// Package factory creates every generative model from a
// config.ModelConfiguration: the single entry point of the seed's
// "centralized factory system".
//
// CreateModel detects the model family from ModelClass (DetectModelType),
// finds the family's Builder in a Registry, checks the configuration
// against what the builder declares (Describer), builds the model and, if
// asked with WithModality, hands it to a registered Modality adapter.
//
// Families and modalities come into DefaultRegistry through one list in
// builtin.go. Family and modality packages never import this package: the
// builders beside builtin.go import them, and the Model interface they
// share lives below both, in package models.
package factory

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/internal/suggest"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Model is what CreateModel returns; see models.Model. Its Config method
// returns the effective configuration, defaults included.
type Model = models.Model

// Builder builds the models of one family. Build receives a copy of the
// configuration that it may change; it must keep every user parameter and
// only fill in missing ones (see WithDefaults), and the model's Config must
// return the result.
type Builder interface {
	Build(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error)
}

// BuilderFunc adapts a function to the Builder interface.
type BuilderFunc func(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error)

// Build calls f.
func (f BuilderFunc) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error) {
	return f(cfg, rngs, opts...)
}

// Describer is implemented by builders that declare, before building,
// which classes they build and which parameters each class reads. The
// factory then rejects an unknown class (listing the family's classes) and
// unknown parameters (listing the known ones) in Validate and CreateModel.
// A builder that does not implement it is trusted to check for itself.
type Describer interface {
	// Classes returns the bare class names the builder builds ("VAE",
	// "BetaVAE", ...).
	Classes() []string
	// ParameterSchema returns the parameters that class reads; it is only
	// called with a name from Classes.
	ParameterSchema(class string) config.ParameterSchema
}

// UnknownTypeError is returned when no builder is registered for the
// family a configuration's model class names.
type UnknownTypeError struct {
	Type      string   // the detected type, "unknown" if none
	Available []string // registered types, in registration order
}

// Error gives the seed's text.
func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("No builder registered for type '%s'. Available types: %s", e.Type, strings.Join(e.Available, ", "))
}

// Registry maps model types ("vae", "gan", ...) to builders and modality
// names to adapters. The zero value is not usable; call NewRegistry. A
// Registry is safe for concurrent use.
type Registry struct {
	mu         sync.RWMutex
	types      []string
	builders   map[string]Builder
	modules    map[string]string // module name → type, besides the types' own names
	patterns   []typePattern     // class-name patterns, in registration order
	modalities map[string]Modality
	backbones  map[string]backboneEntry
}

// NewRegistry returns an empty registry: no families, detection rules,
// modalities or backbones. DefaultRegistry holds the built-in ones.
func NewRegistry() *Registry {
	return &Registry{
		builders: map[string]Builder{}, modules: map[string]string{},
		modalities: map[string]Modality{}, backbones: map[string]backboneEntry{},
	}
}

// Register adds the builder for a model type. Registering a type twice,
// an empty name or a nil builder is an error.
func (r *Registry) Register(name string, b Builder) error {
	if name == "" {
		return errors.New("factory: register: empty type name")
	}
	if b == nil {
		return fmt.Errorf("factory: register %q: nil builder", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.builders[name]; dup {
		return fmt.Errorf("factory: register %q: a builder for this type is already registered", name)
	}
	if strings.ContainsAny(name, "./") {
		return fmt.Errorf("factory: register %q: a type name is one module name (no '.' or '/'), since it also selects the type from a model class path", name)
	}
	r.builders[name] = b
	r.types = append(r.types, name)
	return nil
}

// Builder returns the builder registered for a model type.
func (r *Registry) Builder(name string) (Builder, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.builders[name]
	return b, ok
}

// Types returns the registered model types in registration order.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.types)
}

// Validate checks cfg as CreateModel would, without building: the
// configuration itself (config.ModelConfiguration.Validate), that a builder
// is registered for its family, and, when the builder is a Describer, that
// the class and every parameter are known to it.
func (r *Registry) Validate(cfg config.ModelConfiguration) error {
	_, _, err := r.resolve(cfg)
	return err
}

// resolve validates cfg and returns its type and builder.
func (r *Registry) resolve(cfg config.ModelConfiguration) (string, Builder, error) {
	if strings.TrimSpace(cfg.ModelClass) == "" {
		return "", nil, config.ErrMissingModelClass
	}
	if err := cfg.Validate(); err != nil {
		return "", nil, fmt.Errorf("factory: configuration %q: %w", cfg.Name, err)
	}
	typ := r.DetectModelType(cfg.ModelClass)
	b, ok := r.Builder(typ)
	if !ok {
		return typ, nil, &UnknownTypeError{Type: typ, Available: r.Types()}
	}
	if d, ok := b.(Describer); ok {
		class := ClassName(cfg.ModelClass)
		classes := d.Classes()
		if !slices.Contains(classes, class) {
			sorted := slices.Sorted(slices.Values(classes))
			hint := ""
			if close := suggest.Closest(class, sorted); len(close) > 0 {
				hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(close, ", "))
			}
			return typ, nil, fmt.Errorf("factory: configuration %q: unknown %s class %q%s; %s classes: %s",
				cfg.Name, typ, class, hint, typ, strings.Join(sorted, ", "))
		}
		if err := d.ParameterSchema(class).Check(cfg.Parameters); err != nil {
			return typ, nil, fmt.Errorf("factory: configuration %q: %w", cfg.Name, err)
		}
	}
	return typ, b, nil
}

// CreateModel validates cfg (see Validate), builds the model with the
// builder of its family and, with WithModality, adapts it to the modality.
// The builder gets a copy of cfg, so the caller's maps are never changed.
func (r *Registry) CreateModel(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error) {
	typ, b, err := r.resolve(cfg)
	if err != nil {
		return nil, err
	}
	if rngs == nil {
		return nil, fmt.Errorf("factory: configuration %q: rngs must not be nil (use nn.NewRngs(seed))", cfg.Name)
	}
	o := ApplyOptions(opts...)
	var mod Modality
	if o.Modality != "" {
		if mod, err = r.lookupModality(o.Modality); err != nil {
			return nil, err
		}
	}
	m, err := buildBounded(b, cfg.Clone(), rngs, opts...)
	if err != nil {
		return nil, fmt.Errorf("factory: building %s model %q (%s): %w", typ, cfg.Name, cfg.ModelClass, err)
	}
	if m == nil {
		return nil, fmt.Errorf("factory: building %s model %q (%s): builder returned no model", typ, cfg.Name, cfg.ModelClass)
	}
	if mod != nil {
		var adapted Model
		if dm, ok := mod.(DataModality); ok {
			adapted, err = dm.AdaptData(m, typ, o.DataDir)
		} else {
			adapted, err = mod.Adapt(m, typ)
		}
		if err != nil {
			return nil, &ModalityError{Name: o.Modality, Err: err}
		}
		m = adapted
	}
	return m, nil
}

// buildBounded runs a builder, turning a tensor over tensor.MaxElements
// (a configuration asking for more memory than the machine has) into an
// error instead of a crash.
func buildBounded(b Builder, cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (m Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*tensor.SizeError)
			if !ok {
				panic(r)
			}
			m, err = nil, fmt.Errorf("the configuration's sizes are too large: %w; lower hidden_dims, input_dim or output_dim", se)
		}
	}()
	return b.Build(cfg, rngs, opts...)
}

// CreateModel builds a model with DefaultRegistry; see
// Registry.CreateModel.
func CreateModel(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error) {
	return DefaultRegistry().CreateModel(cfg, rngs, opts...)
}

// Validate checks cfg against DefaultRegistry; see Registry.Validate.
func Validate(cfg config.ModelConfiguration) error {
	return DefaultRegistry().Validate(cfg)
}

// Register adds a builder for a model type to DefaultRegistry; see
// Registry.Register.
func Register(name string, b Builder) error {
	return DefaultRegistry().Register(name, b)
}

// ParameterSchema returns the parameters the builder of modelClass's
// family declares for that class (see Describer); false when no builder is
// registered for it, the builder does not declare its parameters, or the
// class is not one of its classes.
func (r *Registry) ParameterSchema(modelClass string) (config.ParameterSchema, bool) {
	b, ok := r.Builder(r.DetectModelType(modelClass))
	if !ok {
		return config.ParameterSchema{}, false
	}
	d, ok := b.(Describer)
	if !ok || !slices.Contains(d.Classes(), ClassName(modelClass)) {
		return config.ParameterSchema{}, false
	}
	return d.ParameterSchema(ClassName(modelClass)), true
}
