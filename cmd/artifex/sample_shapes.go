package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// shapeWriter writes one drawn sample in a file format (an extension
// without the dot).
type shapeWriter func(w io.Writer, format string) error

// shapeModel is a model of 3-D shapes whose samples are written as files,
// one per sample: what they are, the formats allowed (the default first)
// and how to draw n of them.
type shapeModel struct {
	what    string
	formats []string
	draw    func(n int, so sampleOptions, rngs *tensor.Rngs) ([]shapeWriter, error)
}

// shapeModelOf returns how the samples of m are written, and false when m
// is not a model of shapes: protein structures go to PDB files, point
// clouds and graphs to PLY, meshes to OBJ, OFF or PLY.
func shapeModelOf(m models.Model) (shapeModel, bool) {
	switch m := m.(type) {
	case *protein.Adapted:
		return shapeModel{what: "protein backbones", formats: []string{"pdb"}, draw: structureDraw(m)}, true
	case *geometric.PointCloudModel:
		return shapeModel{what: "point clouds", formats: []string{"ply"}, draw: func(n int, _ sampleOptions, rngs *tensor.Rngs) ([]shapeWriter, error) {
			return cloudWriters(m.Sample(n, rngs), m.Settings().Points), nil
		}}, true
	case *geometric.GraphModel:
		if m.Settings().Coords != 3 {
			return shapeModel{}, false
		}
		return shapeModel{what: "graphs (node coordinates)", formats: []string{"ply"}, draw: func(n int, _ sampleOptions, rngs *tensor.Rngs) ([]shapeWriter, error) {
			x := m.Sample(n, rngs)
			s := m.Settings()
			return cloudWriters(tensor.Narrow(x, 2, 0, 3), s.Nodes), nil
		}}, true
	case *geometric.MeshModel:
		return shapeModel{what: "meshes", formats: []string{"obj", "off", "ply"}, draw: func(n int, _ sampleOptions, rngs *tensor.Rngs) ([]shapeWriter, error) {
			var out []shapeWriter
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
	return shapeModel{}, false
}

// structureDraw draws protein structures, with the sampling options of a
// wrapped diffusion model.
func structureDraw(a *protein.Adapted) func(n int, so sampleOptions, rngs *tensor.Rngs) ([]shapeWriter, error) {
	return func(n int, so sampleOptions, rngs *tensor.Rngs) ([]shapeWriter, error) {
		opts := diffusion.SampleOptions{Eta: -1}
		if so.diffusionSet() {
			d := a.Diffusion()
			if d == nil {
				return nil, fmt.Errorf("sample: --sampler, --steps and --eta choose how a diffusion model samples; model %s is not a diffusion model", describe(a))
			}
			var err error
			if opts, err = so.ddpm(d); err != nil {
				return nil, err
			}
		}
		structures, err := a.SampleStructures(n, opts, rngs)
		if err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
		out := make([]shapeWriter, len(structures))
		for i, s := range structures {
			out[i] = func(w io.Writer, _ string) error { return protein.WritePDB(w, s) }
		}
		return out, nil
	}
}

// cloudWriters splits point sets [n, points, 3] into PLY writers.
func cloudWriters(x *tensor.Tensor, points int) []shapeWriter {
	var out []shapeWriter
	for _, pts := range geometric.PointsOf(x.Data(), points) {
		out = append(out, func(w io.Writer, _ string) error { return geometric.WritePLY(w, &geometric.Mesh{Vertices: pts}) })
	}
	return out
}

// sampleShapes draws n samples of a model of shapes and writes them, one
// file per sample, where out says (see shapePaths).
func sampleShapes(cmd *cobra.Command, c *train.Checkpointed, sm shapeModel, n int, seed uint64, out string, so sampleOptions) error {
	if n <= 0 {
		return fmt.Errorf("sample: number of samples must be > 0, got %d", n)
	}
	if so.temperatureSet {
		return fmt.Errorf("sample: --temperature applies to flows, VAEs and language models; model %s draws %s", describe(c.Model), sm.what)
	}
	if so.diffusionSet() && sm.formats[0] != "pdb" {
		return fmt.Errorf("sample: --sampler, --steps and --eta choose how a diffusion model samples; model %s is not a diffusion model", describe(c.Model))
	}
	paths, format, err := shapePaths(out, n, sm.formats)
	if err != nil {
		return err
	}
	writers, err := sm.draw(n, so, tensor.NewRngs(seed))
	if err != nil {
		return err
	}
	for i, write := range writers {
		if err := writeSampleFile(paths[i], func(w io.Writer) error { return write(w, format) }); err != nil {
			return err
		}
	}
	where := paths[0]
	if n > 1 {
		where = fmt.Sprintf("%s ... %s", paths[0], filepath.Base(paths[n-1]))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d %s of %s (step %d) written as %s files: %s\n", n, sm.what, c.Config.Name, c.Checkpoint.Step, strings.ToUpper(format), where)
	return nil
}

// shapePaths names n sample files. out is a directory, created if need
// be, that receives sample_001.EXT ... in the default format; or a file
// name whose extension is one of formats, which picks the format and is
// numbered NAME_001.EXT ... (used as it is when n is 1).
func shapePaths(out string, n int, formats []string) ([]string, string, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	format, dir, stem := formats[0], out, "sample"
	if ext != "" {
		if !slices.Contains(formats, ext) {
			return nil, "", fmt.Errorf("sample: --out %s: this model's samples are written as %s files; name a directory or a file ending in .%s", out, strings.ToUpper(strings.Join(formats, ", ")), strings.Join(formats, ", ."))
		}
		format, dir, stem = ext, filepath.Dir(out), strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", fmt.Errorf("sample: %w", err)
	}
	if ext != "" && n == 1 {
		return []string{out}, format, nil
	}
	paths := make([]string, n)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("%s_%03d.%s", stem, i+1, format))
	}
	return paths, format, nil
}

// writeSampleFile creates path and writes it with write.
func writeSampleFile(path string, write func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("sample: writing %s: %w", path, err)
	}
	return f.Close()
}
