package train

import (
	"encoding/csv"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// DefaultValidationLimit is how many held-out examples the validation
// loss is measured on at the end of each epoch.
const DefaultValidationLimit = 1000

// validationSet returns the first ValidationLimit examples of val (nil
// stays nil), so that every epoch measures the same examples without
// cutting them again.
func validationSet(val *data.Dataset, limit int) (*data.Dataset, error) {
	if limit <= 0 {
		limit = DefaultValidationLimit
	}
	if val == nil || val.Len() <= limit {
		return val, nil
	}
	head, _, err := val.Split(limit)
	if err != nil {
		return nil, fmt.Errorf("train: validation: %w", err)
	}
	return head, nil
}

// validationLoss is the mean training loss of the model on the first
// examples of t.opts.Validation, measured without recording gradients,
// in evaluation mode (dropout off, batch norm on its running statistics)
// and with random streams of its own, the same at every epoch, so that
// the values of successive epochs are comparable and training draws are
// not disturbed. ok is false when there is nothing to measure: no
// validation set, or a model without a single loss (a GAN).
func (t *Trainer) validationLoss() (loss float64, ok bool, err error) {
	tm, trainable := t.model.(models.Trainable)
	if t.opts.Validation == nil || !trainable || !t.par.lead() {
		return 0, false, nil
	}
	t.arena.Clear()          // the held-out batches need their own memory
	val := t.opts.Validation // cut to ValidationLimit by New
	rngs := t.rngs.Fork("validation")
	it, err := data.NewIterator(val, data.BatchOptions{Size: t.settings.BatchSize, Transform: t.settings.Transform(rngs)})
	if err != nil {
		return 0, false, fmt.Errorf("train: validation: %w", err)
	}
	nn.SetTraining(t.model, false)
	defer nn.SetTraining(t.model, true)
	var sum float64
	var n int
	tensor.NoGrad(func() {
		for {
			b, more := it.Next()
			if !more {
				break
			}
			l, _ := tm.TrainLoss(b, rngs)
			rows := b.Images.Dim(0)
			sum += float64(l.Item()) * float64(rows)
			n += rows
		}
	})
	if n == 0 {
		return 0, false, nil
	}
	return sum / float64(n), true, nil
}

// writeMetricsCSV writes the records as a CSV table beside the JSON log,
// for spreadsheets: one row per record, a column per field and per value
// the model logs.
func writeMetricsCSV(records []Record, path string) error {
	keys := map[string]bool{}
	for _, r := range records {
		for k := range r.Logs {
			keys[k] = true
		}
	}
	logs := slices.Sorted(maps.Keys(keys))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	w := csv.NewWriter(f)
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	header := []string{"step", "epoch", "loss", "val_loss", "lr", "seconds", "images_per_sec"}
	for _, k := range logs {
		if slices.Contains(header[:7], k) {
			k = "logs." + k // a model value named like a field keeps its own column
		}
		header = append(header, k)
	}
	w.Write(header)
	for _, r := range records {
		row := []string{strconv.FormatInt(r.Step, 10), strconv.Itoa(r.Epoch), "", "", "", num(r.Seconds), ""}
		if r.Validation {
			row[3] = num(r.ValLoss)
		} else {
			row[2], row[4], row[6] = num(r.Loss), num(r.LR), num(r.ImagesPerSec)
		}
		for _, k := range logs {
			v, ok := r.Logs[k]
			cell := ""
			if ok {
				cell = num(v)
			}
			row = append(row, cell)
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("train: %s: %w", path, err)
	}
	return f.Close()
}
