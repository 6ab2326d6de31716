package checkpoint

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
)

// WeightsFormat is the value of the "format" metadata key of weights-only
// files (SaveWeights): a model's tensors under their own paths (no
// "model/" prefix), with the step, configuration and metadata of the
// checkpoint they came from, and nothing needed to resume training.
const WeightsFormat = "artifex-weights/1"

// SaveWeights writes c's model tensors, step, configuration and metadata
// to path atomically as a weights-only file; its optimizer, average,
// random streams and data position are left out. Tensors for which
// lowPrecision is true are stored as dtype (F32, F16 or BF16), the others
// as F32: a parameter loses little in half precision, while a buffer such
// as a noise schedule or a count would lose what the model relies on.
// The file carries CRC-32C checksums as every file Encode writes does.
func (c *Checkpoint) SaveWeights(path string, dtype DType, lowPrecision func(name string) bool) error {
	if dtype != F32 && dtype != F16 && dtype != BF16 {
		return fmt.Errorf("checkpoint: %s: weights dtype %q, want F32, F16 or BF16", path, dtype)
	}
	meta, err := c.metadata(path, WeightsFormat)
	if err != nil {
		return err
	}
	tensors := make([]Tensor, len(c.Model))
	for i, p := range c.Model {
		switch {
		case dtype == F32 || !lowPrecision(p.Name):
			tensors[i] = Float32(p.Name, p.Tensor)
		case dtype == BF16:
			tensors[i] = BFloat16(p.Name, p.Tensor)
		default:
			if tensors[i], err = Float16(p.Name, p.Tensor); err != nil {
				return fmt.Errorf("%w (export as bfloat16 or float32)", err)
			}
		}
	}
	return Save(path, tensors, meta)
}

// weightsFrom fills c's model tensors from a weights-only file, widening
// F16 and BF16 values to float32; c.Weights becomes the narrowest type
// found.
func (c *Checkpoint) weightsFrom(f *File) error {
	c.Weights = F32
	for _, t := range f.Tensors {
		if t.DType != F32 && t.DType != F16 && t.DType != BF16 {
			return fmt.Errorf("%s: dtype %s in file, want F32, F16 or BF16", t.Name, t.DType)
		}
		if t.DType != F32 {
			c.Weights = t.DType
		}
		v, _ := t.ToTensor()
		c.Model = append(c.Model, nn.Param{Name: t.Name, Tensor: v})
	}
	return nil
}
