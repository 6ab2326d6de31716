package train

import (
	"errors"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// PlotLossCurve draws the training loss of a metrics log against the step
// and writes it as a PNG at path. The records of a resumed run join up,
// since the log holds the whole training.
func PlotLossCurve(records []Record, title, path string) error {
	if len(records) == 0 {
		return errors.New("train: loss curve: no metrics records")
	}
	pts := make(plotter.XYs, len(records))
	for i, r := range records {
		pts[i].X, pts[i].Y = float64(r.Step), r.Loss
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = "training loss"
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(pts)
	if err != nil {
		return fmt.Errorf("train: loss curve: %w", err)
	}
	p.Add(line)
	return writePlot(p, 8*vg.Inch, 5*vg.Inch, path)
}
