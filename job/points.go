package job

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/artifex-go/artifex/tensor"
)

// PlotPoints draws points [n, D] as a scatter plot of their first two
// coordinates (the second is 0 for D = 1) and writes it as a PNG at path.
func PlotPoints(points *tensor.Tensor, title, path string) error {
	if points == nil || points.NDim() != 2 || points.Dim(0) == 0 {
		var shape []int
		if points != nil {
			shape = points.Shape()
		}
		return fmt.Errorf("job: scatter plot: points of shape %v, want [n, D]", shape)
	}
	n, d := points.Dim(0), points.Dim(1)
	v := points.Data()
	xys := make(plotter.XYs, n)
	for i := range xys {
		xys[i].X = float64(v[i*d])
		if d > 1 {
			xys[i].Y = float64(v[i*d+1])
		}
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "x₁"
	p.Y.Label.Text = "x₂"
	p.Add(plotter.NewGrid())
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("job: scatter plot: %w", err)
	}
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Radius = vg.Points(1.2)
	sc.GlyphStyle.Color = color.RGBA{R: 31, G: 90, B: 160, A: 255}
	p.Add(sc)
	return writePlot(p, 6*vg.Inch, 6*vg.Inch, path)
}

// writePlot writes p as a PNG beside path and renames it into place, so
// that a viewer never shows half a picture.
func writePlot(p *plot.Plot, w, h vg.Length, path string) error {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return fmt.Errorf("job: plot: %w", err)
	}
	return writeAtomically(wt, path)
}

// writeAtomically writes wt to a temporary file beside path and renames
// it, so that a reader never sees half a picture.
func writeAtomically(wt io.WriterTo, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plot-*.png")
	if err != nil {
		return fmt.Errorf("job: plot: %w", err)
	}
	// CreateTemp makes the file private; the result is an ordinary output.
	merr := tmp.Chmod(0o644)
	_, werr := wt.WriteTo(tmp)
	cerr := tmp.Close()
	if err := errors.Join(merr, werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("job: plot %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("job: plot: %w", err)
	}
	return nil
}
