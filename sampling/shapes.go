package sampling

import (
	"fmt"

	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/tensor"
)

// ShapeWriter writes one drawn shape in a file format (an extension
// without the dot, one of ShapeModel.Formats).
type ShapeWriter = models.ShapeWriter

// ShapeModel is a model of 3-D shapes whose samples are files, one per
// sample: what they are, the formats allowed (the default first) and the
// model that draws them.
type ShapeModel struct {
	What    string
	Formats []string
	shapes  models.ShapeSampler
}

// ShapesOf returns how the samples of m are written (models.ShapeSampler),
// and false when m is not a model of shapes: protein structures go to PDB
// files, point clouds and graphs to PLY, meshes to OBJ, OFF or PLY.
func ShapesOf(m models.Model) (ShapeModel, bool) {
	ss, ok := m.(models.ShapeSampler)
	if !ok {
		return ShapeModel{}, false
	}
	what, formats := ss.ShapeFormats()
	if len(formats) == 0 {
		return ShapeModel{}, false
	}
	return ShapeModel{What: what, Formats: formats, shapes: ss}, true
}

// Validate checks n and the options before anything is drawn: only a
// model with samplers (a diffusion model of structures) takes any
// (sampler, steps, eta).
func (sm ShapeModel) Validate(m models.Model, n int, o Options) error {
	if n <= 0 {
		return fmt.Errorf("sampling: number of samples must be > 0, got %d", n)
	}
	if o.Temperature != nil {
		return fmt.Errorf("sampling: temperature applies to flows, VAEs and language models; model %s draws %s", Describe(m), sm.What)
	}
	_, err := o.steps(m)
	return err
}

// Draw draws n shapes of model m as the options say (see Validate).
func (sm ShapeModel) Draw(m models.Model, n int, o Options, rngs *tensor.Rngs) ([]ShapeWriter, error) {
	if err := sm.Validate(m, n, o); err != nil {
		return nil, err
	}
	so, err := o.steps(m)
	if err != nil {
		return nil, err
	}
	var out []ShapeWriter
	tensor.NoGrad(func() { out, err = sm.shapes.SampleShapes(n, so, rngs) })
	if err != nil {
		return nil, fmt.Errorf("sampling: %w", err)
	}
	return out, nil
}
