package models

import (
	"io"

	"github.com/artifex-go/artifex/tensor"
)

// StepOptions choose how a model whose drawing runs a chain of denoising
// steps (a diffusion model, or a model that wraps one) draws. Zero values
// keep the model's configuration.
type StepOptions struct {
	// Sampler is one of the model's Samplers().Names; "" is the
	// configured one.
	Sampler string
	// Steps is the number of denoising steps; 0 is the configured number.
	Steps int
	// Eta is DDIM's η (0 deterministic, 1 the ancestral variance); nil
	// is the configured value.
	Eta *float64
	// Check, when set, is called between steps; an error it returns stops
	// the drawing and is returned (a server cancels requests this way).
	Check func() error
}

// Samplers describes the samplers of a StepSampler.
type Samplers struct {
	Names   []string // the samplers the model has
	Default string   // the configured one
	Eta     []string // those of Names that read StepOptions.Eta
}

// StepSampler is a model whose drawing takes StepOptions. Samplers
// returns no names when this model takes none (a wrapper whose inner
// model is not a diffusion model).
type StepSampler interface {
	Samplers() Samplers
}

// StepImageSampler is a StepSampler of images: SampleImagesStepped draws
// n images [n, C, H, W] in [0, 1] as o says.
type StepImageSampler interface {
	StepSampler
	SampleImagesStepped(n int, o StepOptions, rngs *tensor.Rngs) (*tensor.Tensor, error)
}

// ShapeWriter writes one drawn shape in a file format: an extension
// without the dot, one of the formats its ShapeSampler names.
type ShapeWriter func(w io.Writer, format string) error

// ShapeSampler is a model of 3-D shapes (protein structures, point
// clouds, meshes) whose samples are files, one per sample.
type ShapeSampler interface {
	// ShapeFormats says what the shapes are ("point clouds") and the file
	// formats they are written in, the default first; no formats means
	// this model draws no shapes.
	ShapeFormats() (what string, formats []string)
	// SampleShapes draws n shapes. A model that is also a StepSampler
	// reads o; any other ignores it.
	SampleShapes(n int, o StepOptions, rngs *tensor.Rngs) ([]ShapeWriter, error)
}
