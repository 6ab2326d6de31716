package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	w, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("train: loss curve: %w", err)
	}
	// Written beside the target and renamed, so that a viewer never shows
	// half a picture.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".loss-*.png")
	if err != nil {
		return fmt.Errorf("train: loss curve: %w", err)
	}
	// CreateTemp makes the file private; the result is an ordinary output.
	merr := tmp.Chmod(0o644)
	_, werr := w.WriteTo(tmp)
	cerr := tmp.Close()
	if err := errors.Join(merr, werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("train: loss curve: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("train: loss curve: %w", err)
	}
	return nil
}
