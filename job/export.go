package job

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/train"
)

// WeightsFile is the weights file of a directory Export writes; sample,
// evaluate and LoadCheckpoint take such a directory as they take a run's.
const WeightsFile = "model.safetensors"

// AverageKey is the metadata key of an exported weights file that says
// which average its weights are: "train" (ema_decay, kept by the trainer)
// or "model" (the model's own, a diffusion model's EMA); absent, they are
// the trained weights.
const AverageKey = "average"

// Export writes the weights of a loaded checkpoint into dir, created if
// missing: WeightsFile, holding the weights that c samples with (the
// average when the run kept one) with the parameters stored as dtype
// (F32, F16 or BF16) and the other state as F32, and ConfigFile, the
// configuration with the run's training settings (ExportConfig). The
// optimizer state, random streams and data position are left out: an
// export is sampled and evaluated, not resumed. c is unchanged.
func Export(c *Checkpointed, dir string, dtype checkpoint.DType) error {
	cfg, err := ExportConfig(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("job: export: %w", err)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("job: export: configuration: %w", err)
	}
	meta := maps.Clone(c.Checkpoint.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	if c.Checkpoint.EMA != nil {
		meta[AverageKey] = "train" // LoadCheckpoint put it in the parameters
	}
	var own *optim.EMA
	if a, ok := c.Model.(models.Averager); ok && a.EMA() != nil {
		own = a.EMA()
		meta[AverageKey] = "model"
	}
	params := map[string]bool{}
	for _, p := range nn.Parameters(c.Model) {
		params[p.Name] = true
	}
	w := checkpoint.Checkpoint{Step: c.Checkpoint.Step, Model: nn.State(c.Model), Config: raw, Metadata: meta}
	path := filepath.Join(dir, WeightsFile)
	save := func() error { return w.SaveWeights(path, dtype, func(name string) bool { return params[name] }) }
	if own == nil {
		err = save()
	} else {
		// The model's own average goes into the parameters it was made
		// from (a modality adapter names them differently from the model
		// it wraps) for the save, and back out after it.
		err = own.With(own.Params(), save)
	}
	if err != nil {
		return fmt.Errorf("job: export: %w", err)
	}
	if err := cfg.Save(filepath.Join(dir, train.ConfigFile)); err != nil {
		return fmt.Errorf("job: export: %w", err)
	}
	return nil
}

// ExportConfig returns the configuration of c with the training settings
// of its run in metadata.training_defaults: those it already held, and
// every setting the run changed from them (by a flag or on resuming), so
// that sample and evaluate find the data set in it and `artifex train
// --config` repeats the run's settings. Settings the run left as the
// configuration had them are not written out, so a model that refuses
// some (a GAN, which has its own optimizers) accepts the result.
func ExportConfig(c *Checkpointed) (config.ModelConfiguration, error) {
	cfg := c.Config.Clone()
	base, err := train.SettingsFromConfig(cfg)
	if err != nil {
		return cfg, fmt.Errorf("job: export: %w", err)
	}
	was, now := settingsMap(base), settingsMap(c.Settings)
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]any{}
	}
	td, _ := cfg.Metadata[config.TrainingDefaultsKey].(map[string]any)
	td = maps.Clone(td)
	if td == nil {
		td = map[string]any{}
	}
	for _, k := range slices.Sorted(maps.Keys(now)) {
		if fmt.Sprint(was[k]) != fmt.Sprint(now[k]) {
			td[k] = now[k]
		}
	}
	for k := range was {
		if _, ok := now[k]; !ok {
			delete(td, k) // a setting the run set to its zero value
		}
	}
	cfg.Metadata[config.TrainingDefaultsKey] = td
	// The checkpoint's JSON made every number a float64: whole ones go
	// back to integers, as the configuration wrote them (batch_size: 128,
	// not 128.0).
	cfg.Metadata = wholeNumbers(cfg.Metadata).(map[string]any)
	if _, err := train.SettingsFromConfig(cfg); err != nil {
		return cfg, fmt.Errorf("job: export: the run's settings as training defaults: %w", err)
	}
	return cfg, nil
}

// wholeNumbers returns v with every float64 that holds a whole number
// within int's exact range made an int, in maps and lists at any depth.
func wholeNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x)
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = wholeNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = wholeNumbers(e)
		}
		return out
	}
	return v
}

// settingsMap returns s as its training_defaults keys and JSON values.
func settingsMap(s train.Settings) map[string]any {
	b, _ := json.Marshal(s) // plain fields always marshal
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}
