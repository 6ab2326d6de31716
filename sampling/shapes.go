package sampling

import (
	"fmt"
	"io"

	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/tensor"
)

// ShapeWriter writes one drawn shape in a file format (an extension
// without the dot, one of ShapeModel.Formats).
type ShapeWriter func(w io.Writer, format string) error

// ShapeModel is a model of 3-D shapes whose samples are files, one per
// sample: what they are, the formats allowed (the default first) and how
// to draw n of them.
type ShapeModel struct {
	What    string
	Formats []string
	draw    func(n int, o Options, rngs *tensor.Rngs) ([]ShapeWriter, error)
}

// ShapesOf returns how the samples of m are written, and false when m is
// not a model of shapes: protein structures go to PDB files, point clouds
// and graphs to PLY, meshes to OBJ, OFF or PLY.
func ShapesOf(m models.Model) (ShapeModel, bool) {
	switch m := m.(type) {
	case *protein.Adapted:
		return ShapeModel{What: "protein backbones", Formats: []string{"pdb"}, draw: structureDraw(m)}, true
	case *geometric.PointCloudModel:
		return ShapeModel{What: "point clouds", Formats: []string{"ply"}, draw: func(n int, _ Options, rngs *tensor.Rngs) ([]ShapeWriter, error) {
			return cloudWriters(m.Sample(n, rngs), m.Settings().Points), nil
		}}, true
	case *geometric.GraphModel:
		if m.Settings().Coords != 3 {
			return ShapeModel{}, false
		}
		return ShapeModel{What: "graphs (node coordinates)", Formats: []string{"ply"}, draw: func(n int, _ Options, rngs *tensor.Rngs) ([]ShapeWriter, error) {
			x := m.Sample(n, rngs)
			s := m.Settings()
			return cloudWriters(tensor.Narrow(x, 2, 0, 3), s.Nodes), nil
		}}, true
	case *geometric.MeshModel:
		return ShapeModel{What: "meshes", Formats: []string{"obj", "off", "ply"}, draw: func(n int, _ Options, rngs *tensor.Rngs) ([]ShapeWriter, error) {
			var out []ShapeWriter
			for _, mesh := range m.Sample(n, rngs) {
				out = append(out, func(w io.Writer, format string) error {
					switch format {
					case "off":
						return geometric.WriteOFF(w, mesh)
					case "ply":
						return geometric.WritePLY(w, mesh)
					}
					return geometric.WriteOBJ(w, mesh)
				})
			}
			return out, nil
		}}, true
	}
	return ShapeModel{}, false
}

// Validate checks n and the options before anything is drawn: only a
// diffusion model of structures takes any (sampler, steps, eta).
func (sm ShapeModel) Validate(m models.Model, n int, o Options) error {
	if n <= 0 {
		return fmt.Errorf("sampling: number of samples must be > 0, got %d", n)
	}
	if o.Temperature != nil {
		return fmt.Errorf("sampling: temperature applies to flows, VAEs and language models; model %s draws %s", Describe(m), sm.What)
	}
	if o.Diffusion() && sm.Formats[0] != "pdb" {
		return fmt.Errorf("sampling: sampler, steps and eta choose how a diffusion model samples; model %s is not a diffusion model", Describe(m))
	}
	return nil
}

// Draw draws n shapes of model m as the options say (see Validate).
func (sm ShapeModel) Draw(m models.Model, n int, o Options, rngs *tensor.Rngs) ([]ShapeWriter, error) {
	if err := sm.Validate(m, n, o); err != nil {
		return nil, err
	}
	var out []ShapeWriter
	var err error
	tensor.NoGrad(func() { out, err = sm.draw(n, o, rngs) })
	return out, err
}

// structureDraw draws protein structures, with the sampling options of a
// wrapped diffusion model.
func structureDraw(a *protein.Adapted) func(n int, o Options, rngs *tensor.Rngs) ([]ShapeWriter, error) {
	return func(n int, o Options, rngs *tensor.Rngs) ([]ShapeWriter, error) {
		opts := diffusion.SampleOptions{Eta: -1, Check: o.Check}
		if o.Diffusion() {
			d := a.Diffusion()
			if d == nil {
				return nil, fmt.Errorf("sampling: sampler, steps and eta choose how a diffusion model samples; model %s is not a diffusion model", Describe(a))
			}
			var err error
			if opts, err = o.ddpm(d); err != nil {
				return nil, err
			}
		}
		structures, err := a.SampleStructures(n, opts, rngs)
		if err != nil {
			return nil, fmt.Errorf("sampling: %w", err)
		}
		out := make([]ShapeWriter, len(structures))
		for i, s := range structures {
			out[i] = func(w io.Writer, _ string) error { return protein.WritePDB(w, s) }
		}
		return out, nil
	}
}

// cloudWriters splits point sets [n, points, 3] into PLY writers.
func cloudWriters(x *tensor.Tensor, points int) []ShapeWriter {
	var out []ShapeWriter
	for _, pts := range geometric.PointsOf(x.Data(), points) {
		out = append(out, func(w io.Writer, _ string) error { return geometric.WritePLY(w, &geometric.Mesh{Vertices: pts}) })
	}
	return out
}
