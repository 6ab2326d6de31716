package dist

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// DefaultBucket is the number of float32 values one allreduce of
// GradientAverager moves (16 MiB): large enough that a call's latency is
// small beside its transfer, small enough to bound the copy.
const DefaultBucket = 4 << 20

// GradientAverager replaces the gradients of parameters by their mean
// over the ranks of Comm, packing them into one flat buffer reduced in
// buckets of Bucket values (Horovod's tensor fusion), not one call per
// tensor. The zero value is not usable: set Comm.
type GradientAverager struct {
	Comm   Communicator
	Bucket int // values per allreduce; 0 means DefaultBucket
	buf    []float32
}

// Average makes every rank's gradients the mean of all ranks' gradients,
// and each of values the mean of its ranks' values (a loss to report, in
// the same call: a NaN on any rank makes the mean NaN on all, so the ranks
// agree that a step failed).
// Each rank's loss is the mean over its share of a global batch, so with
// shares of equal size the result is the gradient of the global batch's
// mean loss. A parameter that has a gradient on no rank keeps none (so an
// optimizer skips it, as it would in one process); one that has a
// gradient on some ranks only counts zeros for the others. Every rank
// must pass the same parameters in the same order.
func (g *GradientAverager) Average(params []nn.Param, values []float32) error {
	n := g.Comm.Size()
	if n == 1 {
		return nil
	}
	total := len(params) + len(values)
	for _, p := range params {
		total += p.Tensor.Size()
	}
	if cap(g.buf) < total {
		g.buf = make([]float32, total)
	}
	buf := g.buf[:total]
	// The first len(params) values count the ranks that have each
	// gradient; the gradients follow, in order.
	off := len(params)
	for i, p := range params {
		grad := buf[off : off+p.Tensor.Size()]
		if gt := p.Tensor.Grad(); gt != nil {
			buf[i] = 1
			copy(grad, gt.Data())
		} else {
			buf[i] = 0
			clear(grad)
		}
		off += len(grad)
	}
	copy(buf[off:], values)
	bucket := g.Bucket
	if bucket <= 0 {
		bucket = DefaultBucket
	}
	for lo := 0; lo < total; lo += bucket {
		if err := g.Comm.AllreduceSum(buf[lo:min(lo+bucket, total)]); err != nil {
			return fmt.Errorf("dist: averaging gradients: %w", err)
		}
	}
	scale := 1 / float32(n)
	off = len(params)
	// Autodiff may let two parameters share one gradient tensor; such a
	// tensor is written once in place and the others get fresh ones, so
	// that a step allocates nothing in the usual case.
	written := map[*float32]bool{}
	for i, p := range params {
		size := p.Tensor.Size()
		sum := buf[off : off+size]
		off += size
		if buf[i] == 0 {
			p.Tensor.ZeroGrad()
			continue
		}
		gt := p.Tensor.Grad()
		if gt == nil || len(gt.Data()) == 0 || written[&gt.Data()[0]] {
			gt = tensor.Zeros(p.Tensor.Shape()...)
			p.Tensor.SetGrad(gt)
		}
		d := gt.Data()
		if len(d) > 0 {
			written[&d[0]] = true
		}
		for j, v := range sum {
			d[j] = v * scale
		}
	}
	for i := range values {
		values[i] = buf[off+i] * scale
	}
	return nil
}

// BroadcastParameters makes every rank's parameter values root's, so that
// all ranks start from the same model.
func BroadcastParameters(c Communicator, params []nn.Param, root int) error {
	for _, p := range params {
		if err := BroadcastFloat32(c, p.Tensor.Data(), root); err != nil {
			return fmt.Errorf("dist: broadcasting %s: %w", p.Name, err)
		}
	}
	return nil
}
