package factory

import (
	"errors"
	"fmt"
	"sync"

	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/modality/multimodal"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/modality/text"
	"github.com/artifex-go/artifex/models/geometric"
)

// builtinFamily is a model family DefaultRegistry holds: its type name,
// its builder, the class-name patterns that select it (the seed's
// detection table) and the module names besides its own.
type builtinFamily struct {
	name     string
	builder  Builder
	patterns []string
	modules  []string
}

// builtinFamilies are the families of DefaultRegistry, in the order Types
// reports them (and the "Available types" error lists them). Each is
// registered with the public calls a user's family uses (Register,
// RegisterPattern, RegisterModule), so a user's type joins the same
// tables; its builder lives beside this file (factory/vae.go, ...).
func builtinFamilies(r *Registry) []builtinFamily {
	return []builtinFamily{
		{"vae", vaeBuilder{}, []string{`VAE$`}, nil},
		{"gan", ganBuilder{}, []string{`GAN$`}, nil},
		{"diffusion", diffusionBuilder{reg: r}, []string{`DDPM|DDIM|Diffusion|Score`}, nil},
		{"flow", flowBuilder{}, []string{`RealNVP|Glow|MAF|IAF|Flow`}, nil},
		{"ebm", ebmBuilder{}, []string{`EBM|Energy`}, []string{"energy"}},
		{"autoregressive", autoregressiveBuilder{}, []string{`PixelCNN|Transformer|WaveNet|^GPT$`}, nil},
		{"geometric", geometricBuilder{}, []string{`PointCloud|Mesh|Graph`}, nil},
	}
}

// builtinModalities are the modality adapters DefaultRegistry holds; a
// modality package lands with one line here, e.g. image.Modality{}.
var builtinModalities = []Modality{image.Modality{}, text.Modality{}, audio.Modality{}, tabular.Modality{}, multimodal.Modality{}, protein.Modality{}}

// builtinDataSets register, with data.Load, the data sets that packages
// above data read: PDB folders (protein), synthetic shapes (geometric), the
// scikit-learn tables (tabular) and folders of speech WAVs (audio). Each
// is idempotent.
var builtinDataSets = []func() error{
	protein.RegisterDataSets, geometric.RegisterDataSets, tabular.RegisterDataSets, audio.RegisterDataSets,
}

// RegisterDataSets makes the built-in families' and modalities' data sets
// known to data.Load by name, like MNIST. DefaultRegistry, job.Run and
// the CLI call it; calling it again does nothing.
func RegisterDataSets() error {
	var errs []error
	for _, register := range builtinDataSets {
		errs = append(errs, register())
	}
	return errors.Join(errs...)
}

// registerBuiltins fills r with the built-in families, modalities and
// diffusion backbones.
func registerBuiltins(r *Registry) error {
	for _, f := range builtinFamilies(r) {
		if err := r.Register(f.name, f.builder); err != nil {
			return err
		}
		for _, p := range f.patterns {
			if err := r.RegisterPattern(p, f.name); err != nil {
				return err
			}
		}
		for _, m := range f.modules {
			if err := r.RegisterModule(m, f.name); err != nil {
				return err
			}
		}
	}
	for _, m := range builtinModalities {
		if err := r.RegisterModality(m); err != nil {
			return err
		}
	}
	for _, b := range builtinBackbones {
		if err := r.RegisterBackbone(b.name, b.build, b.params...); err != nil {
			return err
		}
	}
	return nil
}

var defaultRegistry = sync.OnceValue(func() *Registry {
	r := NewRegistry()
	if err := errors.Join(registerBuiltins(r), RegisterDataSets()); err != nil {
		panic(fmt.Sprintf("factory: built-in registrations: %v", err))
	}
	return r
})

// DefaultRegistry returns the registry CreateModel, Validate and
// DetectModelType use, holding every built-in family, detection rule,
// modality and backbone. Programs register their own in it, with the same
// calls.
func DefaultRegistry() *Registry { return defaultRegistry() }
