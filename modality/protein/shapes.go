package protein

import (
	"io"

	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/tensor"
)

var (
	_ models.ShapeSampler = (*Adapted)(nil)
	_ models.StepSampler  = (*Adapted)(nil)
)

// ShapeFormats implements models.ShapeSampler: protein backbones, written
// as PDB.
func (a *Adapted) ShapeFormats() (string, []string) { return "protein backbones", []string{"pdb"} }

// Samplers implements models.StepSampler: those of the wrapped DDPM, none
// when the wrapped model is not one.
func (a *Adapted) Samplers() models.Samplers {
	if a.ddpm == nil {
		return models.Samplers{}
	}
	return a.ddpm.Samplers()
}

// SampleShapes implements models.ShapeSampler: n structures drawn as o
// says (the wrapped DDPM's sampler, steps and η).
func (a *Adapted) SampleShapes(n int, o models.StepOptions, rngs *tensor.Rngs) ([]models.ShapeWriter, error) {
	structures, err := a.SampleStructures(n, diffusion.StepSampleOptions(o), rngs)
	if err != nil {
		return nil, err
	}
	out := make([]models.ShapeWriter, len(structures))
	for i, s := range structures {
		out[i] = func(w io.Writer, _ string) error { return WritePDB(w, s) }
	}
	return out, nil
}

// ShapeFormats implements models.ShapeSampler: sequences are not shapes
// (they are written as FASTA, SequenceSampler), whatever the Adapted they
// embed would say.
func (s *Sequences) ShapeFormats() (string, []string) { return "protein sequences", nil }
