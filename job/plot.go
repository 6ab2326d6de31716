package job

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/artifex-go/artifex/train"
)

// PlotLossCurve draws a metrics log against the step and writes it as a
// PNG at path: the training loss with the validation loss beside it, then
// one panel per value the model logs (a GAN's generator and discriminator
// losses, a VAE's reconstruction and KL terms, the gradient norm). The
// records of a resumed run join up, since the log holds the whole
// training.
func PlotLossCurve(records []train.Record, title, path string) error {
	var train, val plotter.XYs
	terms := map[string]plotter.XYs{}
	for _, r := range records {
		if r.Validation {
			val = append(val, plotter.XY{X: float64(r.Step), Y: r.ValLoss})
			continue
		}
		train = append(train, plotter.XY{X: float64(r.Step), Y: r.Loss})
		for k, v := range r.Logs {
			terms[k] = append(terms[k], plotter.XY{X: float64(r.Step), Y: v})
		}
	}
	if len(train) == 0 {
		return errors.New("job: loss curve: no metrics records")
	}
	loss := plot.New()
	loss.Title.Text = title
	loss.Y.Label.Text = "loss"
	if err := addLine(loss, train, "training", 0); err != nil {
		return err
	}
	if len(val) > 0 {
		if err := addLine(loss, val, "validation (held-out split)", 1); err != nil {
			return err
		}
		loss.Legend.Top = true
	}
	plots := []*plot.Plot{loss}
	for _, k := range slices.Sorted(maps.Keys(terms)) {
		p := plot.New()
		p.Y.Label.Text = k
		if err := addLine(p, terms[k], "", 0); err != nil {
			return err
		}
		plots = append(plots, p)
	}
	plots[len(plots)-1].X.Label.Text = "step"
	const width, height = 8 * vg.Inch, 2.6 * vg.Inch
	img := vgimg.New(width, height*vg.Length(len(plots)))
	rows := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		rows[i] = []*plot.Plot{p}
	}
	canvases := plot.Align(rows, draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(6)}, draw.New(img))
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	return writeAtomically(vgimg.PngCanvas{Canvas: img}, path)
}

// addLine adds a line of pts to p, named in the legend unless name is
// empty, in the i-th colour of the plotutil palette.
func addLine(p *plot.Plot, pts plotter.XYs, name string, i int) error {
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(pts)
	if err != nil {
		return fmt.Errorf("job: loss curve: %w", err)
	}
	line.Color = plotutil.Color(i)
	p.Add(line)
	if name != "" {
		p.Legend.Add(name, line)
	}
	return nil
}
