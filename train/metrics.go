package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// Record is one line of the metrics log (metrics.jsonl): the means over
// the steps since the previous record.
type Record struct {
	// Step is the number of optimisation steps done.
	Step int64 `json:"step"`
	// Epoch is the epoch the step belongs to, counted from 1.
	Epoch int `json:"epoch"`
	// Loss is the mean training loss of the steps since the last record.
	Loss float64 `json:"loss"`
	// LR is the learning rate of the last step.
	LR float64 `json:"lr"`
	// Seconds is the training time so far, earlier runs of a resumed
	// training included.
	Seconds float64 `json:"seconds"`
	// ImagesPerSec is the throughput since the last record.
	ImagesPerSec float64 `json:"images_per_sec"`
	// Logs are the means of the model's named values (a VAE's
	// reconstruction and KL terms, the gradient norm ...). They are kept
	// apart from the fields above so that no model value can shadow one.
	Logs map[string]float64 `json:"logs,omitempty"`
	// Validation marks a record of the loss on the held-out split
	// (ValLoss), written at the end of each epoch; its training fields
	// are zero.
	Validation bool    `json:"validation,omitempty"`
	ValLoss    float64 `json:"val_loss,omitempty"`
}

// ReadMetrics reads a metrics log written by the Trainer.
func ReadMetrics(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var out []Record
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("train: %s:%d: %w", path, i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// metricsLog appends records to a metrics file. A nil log writes
// nothing.
type metricsLog struct {
	f *os.File
	w *bufio.Writer
}

// openMetrics opens the metrics log for appending. A fresh run starts it
// empty; a resumed one keeps only the records up to the checkpoint's step,
// since the steps after it are about to be run again.
func openMetrics(path string, resume bool, upTo int64) (*metricsLog, error) {
	if !resume {
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		return &metricsLog{f: f, w: bufio.NewWriter(f)}, nil
	}
	if err := truncateMetrics(path, upTo); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return &metricsLog{f: f, w: bufio.NewWriter(f)}, nil
}

// truncateMetrics drops the records after step upTo, replacing the file
// atomically. Unparseable lines (a record cut short by a crash) go too.
func truncateMetrics(path string, upTo int64) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	var kept bytes.Buffer
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		var r struct {
			Step *int64 `json:"step"`
		}
		if json.Unmarshal(line, &r) == nil && r.Step != nil && *r.Step <= upTo {
			kept.Write(line)
			kept.WriteByte('\n')
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".metrics-*.tmp")
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	// CreateTemp makes the file private; the result is an ordinary output.
	merr := tmp.Chmod(0o644)
	_, werr := tmp.Write(kept.Bytes())
	cerr := tmp.Close()
	if err := errors.Join(merr, werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("train: rewriting %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// write appends one record and flushes it, so that the log is complete up
// to the last step whatever ends the process.
func (l *metricsLog) write(r Record) error {
	if l == nil { // a rank that writes no outputs
		return nil
	}
	r.Loss = finiteOr(r.Loss)
	for k, v := range r.Logs {
		r.Logs[k] = finiteOr(v)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("train: metrics record: %w", err)
	}
	l.w.Write(b)
	l.w.WriteByte('\n')
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("train: writing metrics: %w", err)
	}
	return nil
}

func (l *metricsLog) close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}

// finiteOr maps NaN and infinities, which JSON cannot hold, to the
// largest float of their sign (NaN to +max), so that a diverging run's
// last record still parses.
func finiteOr(v float64) float64 {
	switch {
	case math.IsNaN(v), math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

// meter accumulates the values logged between two records.
type meter struct {
	steps  int
	images int
	loss   float64
	logs   map[string]float64
	counts map[string]int // steps that logged each value
}

func (m *meter) add(loss float64, logs map[string]float64, images int) {
	m.steps++
	m.images += images
	m.loss += loss
	if m.logs == nil {
		m.logs, m.counts = map[string]float64{}, map[string]int{}
	}
	for k, v := range logs {
		m.logs[k] += v
		m.counts[k]++
	}
}

// means returns the mean loss and logs and resets the meter. A value
// logged on only some steps (a GAN's generator loss with several critic
// steps per generator step) is averaged over the steps that logged it.
func (m *meter) means() (float64, map[string]float64, int) {
	n := float64(max(m.steps, 1))
	logs := make(map[string]float64, len(m.logs))
	for k, v := range m.logs {
		logs[k] = v / float64(m.counts[k])
	}
	loss, images := m.loss/n, m.images
	*m = meter{}
	return loss, logs, images
}
