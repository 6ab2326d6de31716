// Package sampling draws a trained model's samples and encodes them in the
// formats its modality calls for: image tensors for grids, points, PDB
// structures, PLY point clouds, OBJ meshes, FASTA sequences. `artifex
// sample` writes them to files and `artifex serve` into HTTP responses,
// both through this package, so that the same model, options and seed give
// the same samples either way.
//
// What a model draws is asked of the model (KindOf), not set by its
// family: a model of protein structures and a model of images may both be
// diffusion models.
package sampling

import (
	"fmt"

	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Kind is what a model's samples are.
type Kind string

// The kinds of samples, in the order KindOf tries them.
const (
	Table        Kind = "table"        // rows of a table (tabular.Sampler): CSV
	Shapes       Kind = "shapes"       // 3-D shapes, one file each (ShapesOf): PDB, PLY, OBJ, OFF
	Sequences    Kind = "sequences"    // protein sequences (protein.SequenceSampler): FASTA
	Text         Kind = "text"         // text (models.TextSampler)
	Audio        Kind = "audio"        // audio clips (audio.ClipSampler): WAV
	Points       Kind = "points"       // points in R^D (models.PointSampler with PointDim > 0)
	Translations Kind = "translations" // translations of test images (Translator)
	Images       Kind = "images"       // images (models.ImageSampler), and every other model
)

// KindOf returns what m's samples are. A model that draws none of the
// others is Images, whose drawing says so when it cannot draw images.
func KindOf(m models.Model) Kind {
	switch {
	case is[tabular.Sampler](m):
		return Table
	case isShapes(m):
		return Shapes
	case is[protein.SequenceSampler](m):
		return Sequences
	case is[models.TextSampler](m):
		return Text
	case is[audio.ClipSampler](m):
		return Audio
	case isPoints(m):
		return Points
	case is[Translator](m):
		return Translations
	}
	return Images
}

func is[T any](m models.Model) bool {
	_, ok := m.(T)
	return ok
}

func isShapes(m models.Model) bool {
	_, ok := ShapesOf(m)
	return ok
}

func isPoints(m models.Model) bool {
	_, ok := PointModel(m)
	return ok
}

// Translator is a model that translates images between two domains
// (CycleGAN): Translations returns rows of sources and translations.
type Translator interface {
	Translations(x *tensor.Tensor) (*tensor.Tensor, error)
}

// Describe names a model for an error message: its name and class.
func Describe(m models.Model) string {
	return fmt.Sprintf("%q (%s)", m.Config().Name, m.Config().ModelClass)
}

// PointModel returns the model as a models.PointSampler when its data are
// points rather than images (PointDim > 0).
func PointModel(m models.Model) (models.PointSampler, bool) {
	ps, ok := m.(models.PointSampler)
	if !ok || ps.PointDim() <= 0 {
		return nil, false
	}
	return ps, true
}

// SampleImages draws n images from a model that can, with training-mode
// layers switched off and no gradient recorded.
func SampleImages(m models.Model, n int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	s, ok := m.(models.ImageSampler)
	if _, points := PointModel(m); points {
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("sampling: model %s does not draw images", Describe(m))
	}
	if n <= 0 {
		return nil, fmt.Errorf("sampling: number of samples must be > 0, got %d", n)
	}
	nn.SetTraining(m, false)
	var images *tensor.Tensor
	tensor.NoGrad(func() { images = s.SampleImages(n, rngs) })
	return images, nil
}

// SamplePoints draws n points [n, D] from a model of points, with
// training-mode layers switched off and no gradient recorded.
func SamplePoints(m models.Model, n int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	ps, ok := PointModel(m)
	if !ok {
		return nil, fmt.Errorf("sampling: model %s does not draw points", Describe(m))
	}
	if n <= 0 {
		return nil, fmt.Errorf("sampling: number of samples must be > 0, got %d", n)
	}
	nn.SetTraining(m, false)
	var points *tensor.Tensor
	tensor.NoGrad(func() { points = ps.SamplePoints(n, rngs) })
	return points, nil
}
