package factory

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/internal/suggest"
	"github.com/artifex-go/artifex/models/backbone"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Backbone is the network a diffusion model wraps: Forward maps a noisy
// batch x and its timesteps t to a tensor of x's shape. Any type with this
// method satisfies it, so backbone packages need not import factory. A
// backbone that is a struct of layers (exported fields, as nn layers are)
// has its parameters found, trained and saved with the model's.
type Backbone interface {
	Forward(x, t *tensor.Tensor) *tensor.Tensor
}

// BackboneFunc adapts a function to the Backbone interface. A function
// has no parameters the model can see: give a network with weights as a
// struct of layers instead.
type BackboneFunc func(x, t *tensor.Tensor) *tensor.Tensor

// Forward calls f.
func (f BackboneFunc) Forward(x, t *tensor.Tensor) *tensor.Tensor { return f(x, t) }

// BackboneFn is the seed's backbone_fn: it maps a noisy batch x and the
// sinusoidal embedding of its timesteps [B, time_embedding_dim] to a
// tensor of x's shape, with the model's random streams at hand.
type BackboneFn func(x, timeEmb *tensor.Tensor, rngs *nn.Rngs) *tensor.Tensor

// BackboneSpec is what a BackboneConstructor builds a backbone for.
type BackboneSpec struct {
	// Shape is one example as tensors hold it: [C, H, W] for images,
	// [L, D] for sequences, [D] for vectors.
	Shape []int
	// Config is the diffusion model's configuration: hidden_dims,
	// activation and the parameters the backbone reads.
	Config config.ModelConfiguration
	// NumClasses > 0 asks for a class-conditional backbone, one that also
	// implements diffusion.LabelBackbone (ForwardLabels).
	NumClasses int
}

// BackboneConstructor builds a named backbone (see RegisterBackbone).
type BackboneConstructor func(spec BackboneSpec, rngs *nn.Rngs) (Backbone, error)

// backboneEntry is a registered backbone: its constructor and the
// parameters it reads beyond the diffusion model's own.
type backboneEntry struct {
	build  BackboneConstructor
	params []string
}

// Backbone names recorded in an effective configuration for networks
// given in code rather than by name: a WithBackbone value is recorded as
// userBackbonePrefix + its Go type, a WithBackboneFn function as
// backboneFnName.
const (
	userBackbonePrefix = "user:"
	backboneFnName     = "backbone_fn"
)

// RegisterBackbone adds a diffusion backbone under name, so that a
// configuration selects it with parameters.backbone: name, the effective
// configuration records it, and a checkpoint rebuilds it. parameters are
// the names of the configuration parameters the backbone reads beyond the
// diffusion model's own; the diffusion builders then accept them. The
// built-in backbones (unet, mlp, transformer) are registered the same way.
func (r *Registry) RegisterBackbone(name string, newBackbone BackboneConstructor, parameters ...string) error {
	if name == "" || strings.HasPrefix(name, userBackbonePrefix) || name == backboneFnName {
		return fmt.Errorf("factory: register backbone %q: the name must be non-empty and not %q or start with %q (both are recorded for backbones given in code)", name, backboneFnName, userBackbonePrefix)
	}
	if newBackbone == nil {
		return fmt.Errorf("factory: register backbone %q: nil constructor", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.backbones[name]; dup {
		return fmt.Errorf("factory: register backbone %q: already registered", name)
	}
	r.backbones[name] = backboneEntry{build: newBackbone, params: slices.Clone(parameters)}
	return nil
}

// RegisterBackbone adds a backbone to DefaultRegistry; see
// Registry.RegisterBackbone.
func RegisterBackbone(name string, newBackbone BackboneConstructor, parameters ...string) error {
	return DefaultRegistry().RegisterBackbone(name, newBackbone, parameters...)
}

// Backbones returns the registered backbone names, sorted.
func (r *Registry) Backbones() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.backbones))
}

// backboneParameters returns the parameters every registered backbone
// reads, sorted, without repeats.
func (r *Registry) backboneParameters() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var all []string
	for _, e := range r.backbones {
		all = append(all, e.params...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// hasBackbone reports whether a backbone is registered under name.
func (r *Registry) hasBackbone(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.backbones[name]
	return ok
}

// buildBackbone builds the backbone registered under name.
func (r *Registry) buildBackbone(name string, spec BackboneSpec, rngs *nn.Rngs) (Backbone, error) {
	if strings.HasPrefix(name, userBackbonePrefix) || name == backboneFnName {
		return nil, fmt.Errorf("configuration %q was built with a backbone given in code (%s); pass the same network again with factory.WithBackbone (or WithBackboneFn), or register its constructor with factory.RegisterBackbone and name it in parameters.backbone",
			spec.Config.Name, name)
	}
	r.mu.RLock()
	e, ok := r.backbones[name]
	r.mu.RUnlock()
	if !ok {
		names := r.Backbones()
		hint := ""
		if close := suggest.Closest(name, names); len(close) > 0 {
			hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(close, ", "))
		}
		return nil, fmt.Errorf("unknown backbone %q%s; registered backbones: %s (factory.RegisterBackbone adds one)", name, hint, strings.Join(names, ", "))
	}
	b, err := e.build(spec, rngs)
	if err != nil {
		return nil, fmt.Errorf("backbone %s: %w", name, err)
	}
	if b == nil {
		return nil, fmt.Errorf("backbone %s: constructor returned no backbone", name)
	}
	return b, nil
}

// builtinBackbone is a backbone DefaultRegistry holds.
type builtinBackbone struct {
	name   string
	build  BackboneConstructor
	params []string
}

// builtinBackbones are the backbones DefaultRegistry holds, with the
// parameters each reads.
var builtinBackbones = []builtinBackbone{
	{"unet", newUNetBackbone, []string{"num_res_blocks", "attention_resolutions", "time_embedding_dim", "num_heads", "num_groups", "dropout_rate", "gradient_checkpointing"}},
	{"mlp", newMLPBackbone, []string{"time_embedding_dim"}},
	{"transformer", newTransformerBackbone, []string{"num_layers", "num_heads", "dropout_rate", "gradient_checkpointing"}},
}

// builtinBackboneParams are the parameters only built-in backbones read:
// a configuration that gives them to a model with a user backbone is told
// they go unused.
func builtinBackboneParams() []string {
	var all []string
	for _, b := range builtinBackbones {
		all = append(all, b.params...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

func newUNetBackbone(s BackboneSpec, rngs *nn.Rngs) (Backbone, error) {
	if len(s.Shape) != 3 {
		return nil, fmt.Errorf("needs an image input_dim ([H, W, C] or [C, H, W]), got %v", []int(s.Config.InputDim))
	}
	p := s.Config.Parameters
	var e paramErrors
	uc := backbone.UNetConfig{
		InChannels: s.Shape[0], OutChannels: s.Shape[0], Height: s.Shape[1], Width: s.Shape[2],
		Channels: s.Config.HiddenDims, NumResBlocks: e.int(GetInt(p, "num_res_blocks", 2)),
		AttentionResolutions: e.ints(GetInts(p, "attention_resolutions", nil)),
		TimeEmbeddingDim:     e.int(GetInt(p, "time_embedding_dim", 0)),
		Heads:                e.int(GetInt(p, "num_heads", 0)),
		Groups:               e.int(GetInt(p, "num_groups", 0)),
		Dropout:              float32(e.float(GetFloat(p, "dropout_rate", 0))),
		NumClasses:           s.NumClasses, Activation: s.Config.Activation,
		GradientCheckpointing: e.bool(GetBool(p, "gradient_checkpointing", false)),
	}
	if e.err != nil {
		return nil, e.err
	}
	return backbone.NewUNet(rngs, uc)
}

func newMLPBackbone(s BackboneSpec, rngs *nn.Rngs) (Backbone, error) {
	if len(s.Shape) != 1 {
		return nil, fmt.Errorf("needs a vector input_dim [D], got %v", []int(s.Config.InputDim))
	}
	tdim, err := GetInt(s.Config.Parameters, "time_embedding_dim", 0)
	if err != nil {
		return nil, err
	}
	return backbone.NewMLP(rngs, backbone.MLPConfig{Dim: s.Shape[0], Hidden: s.Config.HiddenDims, TimeEmbeddingDim: tdim, NumClasses: s.NumClasses, Activation: s.Config.Activation})
}

func newTransformerBackbone(s BackboneSpec, rngs *nn.Rngs) (Backbone, error) {
	hidden := s.Config.HiddenDims
	if len(s.Shape) != 2 || len(hidden) == 0 {
		return nil, fmt.Errorf("needs a sequence input_dim [L, D] and hidden_dims [width], got %v and %v", []int(s.Config.InputDim), hidden)
	}
	p := s.Config.Parameters
	var e paramErrors
	tc := backbone.TransformerConfig{
		Length: s.Shape[0], Dim: s.Shape[1], Width: hidden[0],
		Layers: e.int(GetInt(p, "num_layers", 4)), Heads: e.int(GetInt(p, "num_heads", 0)),
		Dropout: float32(e.float(GetFloat(p, "dropout_rate", 0))), NumClasses: s.NumClasses, Activation: s.Config.Activation,
		GradientCheckpointing: e.bool(GetBool(p, "gradient_checkpointing", false)),
	}
	if e.err != nil {
		return nil, e.err
	}
	return backbone.NewTransformer(rngs, tc)
}

// seedBackbone runs a BackboneFn on the sinusoidal embedding of the
// timesteps.
type seedBackbone struct {
	fn   BackboneFn
	dim  int
	rngs *nn.Rngs
}

// Forward implements Backbone.
func (b seedBackbone) Forward(x, t *tensor.Tensor) *tensor.Tensor {
	return b.fn(x, nn.SinusoidalEmbedding(t.Data(), b.dim), b.rngs)
}
