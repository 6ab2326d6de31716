package job

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// The pictures Outputs draw in a run's output directory.
const (
	LossCurveFile = "loss.png"    // the loss curves: training and held-out, and every logged term
	SamplesFile   = "samples.png" // a grid of images, or a scatter plot of points
)

// Outputs is the train.Outputs Run gives the loop: the loss curves
// (PlotLossCurve) and the samples, drawn as the model's kind asks: a
// grid of images, a scatter plot of 2-D points, or a file of the model's
// own kind (models.FileSampler: a WAV clip, a PDB structure, ...).
type Outputs struct{}

var _ train.Outputs = Outputs{}

// Samples implements train.Outputs.
func (Outputs) Samples(m models.Model, n int, rngs *tensor.Rngs, dir, base string) (string, error) {
	if fs, ok := m.(models.FileSampler); ok && fs.SampleFile() != "" {
		path := filepath.Join(dir, base+filepath.Ext(fs.SampleFile()))
		return path, fs.WriteSample(path, rngs)
	}
	path := filepath.Join(dir, base+".png")
	if ps, ok := sampling.PointModel(m); ok {
		// A scatter plot needs more points than a grid has images.
		return path, PlotPoints(ps.SamplePoints(max(n, 2000), rngs), m.Config().Name+" samples", path)
	}
	is, ok := m.(models.ImageSampler)
	if !ok {
		return "", nil
	}
	if err := image.SaveGrid(path, is.SampleImages(n, rngs), gridRow(n)); err != nil {
		return "", fmt.Errorf("sample grid: %w", err)
	}
	return path, nil
}

// Metrics implements train.Outputs: the loss curves, LossCurveFile.
func (Outputs) Metrics(cfg config.ModelConfiguration, records []train.Record, dir string) (string, error) {
	path := filepath.Join(dir, LossCurveFile)
	if err := PlotLossCurve(records, cfg.Name+" training loss", path); err != nil {
		return "", err
	}
	return path, nil
}

// gridRow returns the images per row of a near-square grid of n.
func gridRow(n int) int {
	return max(1, int(math.Ceil(math.Sqrt(float64(n)))))
}

// unitOf names what the progress bar counts for model m, from what it
// draws: clouds, backbones, meshes or graphs for models of shapes,
// sequences, clips, rows or points; images and text rows (tokens) are
// left to the trainer's guess from the data.
func unitOf(m models.Model) train.Unit {
	name := ""
	switch sampling.KindOf(m) {
	case sampling.Shapes:
		sm, _ := sampling.ShapesOf(m)
		what, _, _ := strings.Cut(sm.What, " (")
		name = what[strings.LastIndex(what, " ")+1:]
	case sampling.Sequences:
		name = "sequences"
	case sampling.Audio:
		name = "clips"
	case sampling.Table:
		name = "rows"
	case sampling.Points:
		name = "points"
	}
	if name == "" {
		return train.Unit{}
	}
	return train.Unit{Name: name, PerExample: 1}
}
