package checkpoint

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Format is the value of the "format" metadata key of training checkpoints.
const Format = "artifex-checkpoint/1"

// Checkpoint is everything needed to resume training exactly. In the file,
// model tensors are named "model/<path>", optimizer buffers
// "optim/<buffer>/<path>", EMA averages "ema/<path>" (all F32) and random
// stream states "rng/<stream>" (U8); the step, the configuration, the
// optimizer's and EMA's scalars and the data position are JSON in the
// metadata under "step", "config", "optim", "ema" and "data".
type Checkpoint struct {
	// Step is the training step the checkpoint was taken after.
	Step int64
	// Model is the model's tensors, as returned by nn.State(model).
	Model []nn.Param
	// Optim is the optimizer's state (Optimizer.State()), or nil.
	Optim *optim.State
	// EMA is the parameter average's state (EMA.State()), or nil.
	EMA *optim.State
	// RNG is the position of the random streams (tensor.Rngs.State()).
	RNG map[string][]byte
	// Data is the data iterator's position, as named counters (epoch,
	// batch, ...).
	Data map[string]int64
	// Config is the model's configuration as JSON (config.ModelConfiguration
	// marshalled), or nil.
	Config json.RawMessage
	// Metadata holds further string metadata; the keys above are reserved.
	Metadata map[string]string
	// Weights is the element type of the model's parameters when the
	// checkpoint was read from a weights-only file (SaveWeights, read by
	// ReadModel): F32, F16 or BF16. It is empty for a training checkpoint.
	Weights DType

	path string // the file it was read from, for error messages
}

var reserved = []string{"format", "step", "config", "optim", "ema", "data"}

// Save writes the checkpoint to path atomically.
func (c *Checkpoint) Save(path string) error {
	meta, err := c.metadata(path, Format)
	if err != nil {
		return err
	}
	tensors := Params("model/", c.Model)
	for _, part := range []struct {
		key   string
		state *optim.State
	}{{"optim", c.Optim}, {"ema", c.EMA}} {
		if part.state == nil {
			continue
		}
		scalars, err := json.Marshal(part.state.Scalars)
		if err != nil {
			return fmt.Errorf("checkpoint: %s: %s scalars: %w", path, part.key, err)
		}
		meta[part.key] = string(scalars)
		tensors = append(tensors, Params(part.key+"/", part.state.Tensors)...)
	}
	for _, name := range slices.Sorted(maps.Keys(c.RNG)) {
		tensors = append(tensors, Bytes("rng/"+name, c.RNG[name]))
	}
	if c.Data != nil {
		data, _ := json.Marshal(c.Data) // a map of int64 always marshals
		meta["data"] = string(data)
	}
	return Save(path, tensors, meta)
}

// metadata returns the file metadata of c in the given format: the
// format, the step, the configuration and c.Metadata.
func (c *Checkpoint) metadata(path, format string) (map[string]string, error) {
	meta := map[string]string{"format": format, "step": strconv.FormatInt(c.Step, 10)}
	for k, v := range c.Metadata {
		if slices.Contains(reserved, k) {
			return nil, fmt.Errorf("checkpoint: %s: metadata key %q is reserved", path, k)
		}
		meta[k] = v
	}
	if c.Config != nil {
		if !json.Valid(c.Config) {
			return nil, fmt.Errorf("checkpoint: %s: config is not valid JSON", path)
		}
		meta["config"] = string(c.Config)
	}
	return meta, nil
}

// Read loads a training checkpoint written by Save. A weights-only file
// (SaveWeights) is refused: it cannot resume training. ReadModel reads
// both.
func Read(path string) (*Checkpoint, error) {
	c, err := ReadModel(path)
	if err == nil && c.Weights != "" {
		return nil, fmt.Errorf("checkpoint: %s holds exported weights only (no optimizer state, random streams or data position): it can be sampled and evaluated, not resumed", path)
	}
	return c, err
}

// ReadModel loads a training checkpoint (Save) or a weights-only file
// (SaveWeights), as its format says. Weights stored as F16 or BF16 come
// back as float32 tensors, and c.Weights names their stored type.
func ReadModel(path string) (*Checkpoint, error) {
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	return fromFile(f, path)
}

// fromFile builds the checkpoint that the safetensors file f read from
// path holds.
func fromFile(f *File, path string) (*Checkpoint, error) {
	var err error
	fail := func(format string, args ...any) (*Checkpoint, error) {
		return nil, fmt.Errorf("checkpoint: %s: "+format, append([]any{path}, args...)...)
	}
	format := f.Metadata["format"]
	if format != Format && format != WeightsFormat {
		return fail("format %q, want %q (a training checkpoint) or %q (exported weights)", format, Format, WeightsFormat)
	}
	c := &Checkpoint{path: path, Metadata: map[string]string{}}
	if c.Step, err = strconv.ParseInt(f.Metadata["step"], 10, 64); err != nil {
		return fail("step: %v", err)
	}
	for k, v := range f.Metadata {
		if !slices.Contains(reserved, k) {
			c.Metadata[k] = v
		}
	}
	if s, ok := f.Metadata["config"]; ok {
		c.Config = json.RawMessage(s)
	}
	if s, ok := f.Metadata["data"]; ok {
		if err := json.Unmarshal([]byte(s), &c.Data); err != nil {
			return fail("data position: %v", err)
		}
	}
	for _, part := range []struct {
		key   string
		state **optim.State
	}{{"optim", &c.Optim}, {"ema", &c.EMA}} {
		if s, ok := f.Metadata[part.key]; ok {
			*part.state = &optim.State{}
			if err := json.Unmarshal([]byte(s), &(*part.state).Scalars); err != nil {
				return fail("%s scalars: %v", part.key, err)
			}
		}
	}
	if format == WeightsFormat {
		if err := c.weightsFrom(f); err != nil {
			return fail("%v", err)
		}
		return c, nil
	}
	for _, t := range f.Tensors {
		prefix, name, _ := strings.Cut(t.Name, "/")
		if prefix == "rng" {
			if t.DType != U8 {
				return fail("%s: dtype %s in file, want U8", t.Name, t.DType)
			}
			if c.RNG == nil {
				c.RNG = map[string][]byte{}
			}
			c.RNG[name] = t.Data
			continue
		}
		var dst *[]nn.Param
		switch {
		case prefix == "model":
			dst = &c.Model
		case prefix == "optim" && c.Optim != nil:
			dst = &c.Optim.Tensors
		case prefix == "ema" && c.EMA != nil:
			dst = &c.EMA.Tensors
		default:
			return fail("%s: unexpected tensor", t.Name)
		}
		if t.DType != F32 {
			return fail("%s: dtype %s in file, want F32", t.Name, t.DType)
		}
		v, _ := t.ToTensor()
		*dst = append(*dst, nn.Param{Name: name, Tensor: v})
	}
	return c, nil
}

// RestoreModel copies the checkpoint's model tensors into model. Every
// tensor of nn.State(model) must be in the checkpoint with the same shape,
// and the checkpoint must hold no others; on error model is unchanged.
func (c *Checkpoint) RestoreModel(model nn.Module) error {
	where := "checkpoint: "
	if c.path != "" {
		where += c.path + ": "
	}
	saved := make(map[string]*tensor.Tensor, len(c.Model))
	for _, p := range c.Model {
		saved[p.Name] = p.Tensor
	}
	want := nn.State(model)
	for _, p := range want {
		s, ok := saved[p.Name]
		if !ok {
			return fmt.Errorf("%smodel/%s: missing from the checkpoint", where, p.Name)
		}
		if !tensor.SameShape(s.Shape(), p.Tensor.Shape()) {
			return fmt.Errorf("%smodel/%s: shape %v in file, model expects %v", where, p.Name, s.Shape(), p.Tensor.Shape())
		}
	}
	if len(saved) > len(want) {
		expected := make(map[string]bool, len(want))
		for _, p := range want {
			expected[p.Name] = true
		}
		for _, p := range c.Model {
			if !expected[p.Name] {
				return fmt.Errorf("%smodel/%s: in the checkpoint but not in the model", where, p.Name)
			}
		}
	}
	for _, p := range want {
		copy(p.Tensor.Data(), saved[p.Name].Data())
	}
	return nil
}
