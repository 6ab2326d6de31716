// Package config holds ModelConfiguration, the description of a generative
// model that the factory builds from and the zoo ships, with its YAML and
// JSON forms and its validation.
//
// The package depends on nothing else in the project: a configuration can be
// loaded, checked, edited and saved without the tensor engine.
//
// Functional model settings live in Parameters and are the only ones a
// builder reads; Metadata holds everything that does not change the model
// (experiment ids, training defaults, notes).
package config

import "errors"

// ModelConfiguration describes one model: which class to build, its
// architecture dimensions, the family-specific functional Parameters, and
// non-functional Metadata. The zero value is empty and fails Validate
// because it names no model class.
//
// Field order is the order of the YAML form written by Save.
type ModelConfiguration struct {
	// Name identifies the configuration (the zoo uses the file name).
	Name string `yaml:"name" json:"name"`
	// ModelClass names the model to build: an Artifex Python path
	// ("artifex.generative_models.models.vae.VAE"), a short Go form
	// ("vae.VAE") or a bare class name ("VAE").
	ModelClass string `yaml:"model_class" json:"model_class"`
	// Type is the kind of document; zoo files say "model", the only kind
	// there is. Empty is accepted.
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Description is a one-line human description.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Version is the configuration's version, e.g. "1.0.0".
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// InputDim is the shape of one input example (the latent size for a
	// GAN generator).
	InputDim Dims `yaml:"input_dim,omitempty" json:"input_dim,omitempty"`
	// HiddenDims are the widths (or channel counts) of the hidden layers.
	HiddenDims []int `yaml:"hidden_dims,omitempty" json:"hidden_dims,omitempty"`
	// OutputDim is the shape of the output (the latent size for a VAE,
	// the image shape for a GAN generator).
	OutputDim Dims `yaml:"output_dim,omitempty" json:"output_dim,omitempty"`
	// Activation names the hidden activation; see Activations.
	Activation string `yaml:"activation,omitempty" json:"activation,omitempty"`
	// Parameters are the family-specific functional settings, the only
	// model settings builders read.
	Parameters map[string]any `yaml:"parameters,omitempty" json:"parameters,omitempty"`
	// Metadata is non-functional information: training defaults,
	// experiment ids, notes. It never changes the built model.
	Metadata map[string]any `yaml:"metadata,omitempty" json:"metadata,omitempty"`
	// Tags classify the configuration (the zoo lists by tag).
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// ErrMissingModelClass is returned when a configuration names no model
// class. Its text is the one the factory's users match.
var ErrMissingModelClass = errors.New("model_class must be specified in configuration")

// Clone returns a copy of c that shares no slices or maps with it, so the
// copy can be edited freely. Nested values inside Parameters and Metadata
// are copied too.
func (c ModelConfiguration) Clone() ModelConfiguration {
	c.InputDim = cloneSlice(c.InputDim)
	c.HiddenDims = cloneSlice(c.HiddenDims)
	c.OutputDim = cloneSlice(c.OutputDim)
	c.Tags = cloneSlice(c.Tags)
	c.Parameters = cloneMap(c.Parameters)
	c.Metadata = cloneMap(c.Metadata)
	return c
}

func cloneSlice[S ~[]E, E any](s S) S {
	if s == nil {
		return nil
	}
	return append(S(make([]E, 0, len(s))), s...)
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []int:
		return cloneSlice(x)
	case []float64:
		return cloneSlice(x)
	case []string:
		return cloneSlice(x)
	}
	return v
}
