package factory

import (
	"fmt"
	"sync"

	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/modality/multimodal"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/modality/text"
)

// builtinFamilies are the model families DefaultRegistry holds, in the
// order Types reports them (and the "Available types" error lists them).
// A family lands with one line here, e.g.
//
//	{"vae", vaeBuilder{}},
//
// where vaeBuilder lives beside this file (factory/vae.go), imports
// models/vae, and implements Builder and, to have its classes and
// parameters checked before building, Describer. The intended order is
// vae, gan, diffusion, flow, ebm, autoregressive, geometric.
var builtinFamilies = []struct {
	name    string
	builder Builder
}{
	{"vae", vaeBuilder{}},
	{"gan", ganBuilder{}},
	{"diffusion", diffusionBuilder{}},
	{"flow", flowBuilder{}},
	{"ebm", ebmBuilder{}},
	{"autoregressive", autoregressiveBuilder{}},
	{"geometric", geometricBuilder{}},
}

// builtinModalities are the modality adapters DefaultRegistry holds; a
// modality package lands with one line here, e.g. image.Modality{}.
var builtinModalities = []Modality{image.Modality{}, text.Modality{}, audio.Modality{}, tabular.Modality{}, multimodal.Modality{}, protein.Modality{}}

var defaultRegistry = sync.OnceValue(func() *Registry {
	r := NewRegistry()
	for _, f := range builtinFamilies {
		if err := r.Register(f.name, f.builder); err != nil {
			panic(fmt.Sprintf("factory: builtin families: %v", err))
		}
	}
	for _, m := range builtinModalities {
		if err := r.RegisterModality(m); err != nil {
			panic(fmt.Sprintf("factory: builtin modalities: %v", err))
		}
	}
	return r
})

// DefaultRegistry returns the registry CreateModel and Validate use,
// holding every built-in family and modality. Programs may register their
// own builders and modalities in it.
func DefaultRegistry() *Registry { return defaultRegistry() }
