package flow

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// NormalizingFlow is a flow model: invertible Layers from data x to z and
// a Base density on z. For images it also owns the pre-processing of
// density estimation, uniform dequantisation and the logit transform, and
// accounts for both in its likelihoods, so that bits/dim are those of the
// 8-bit pixels (see TrainLoss).
//
// Class-conditional flows (Spec.NumClasses > 0) condition the base
// distribution on the label; the layers are shared by all classes.
type NormalizingFlow struct {
	Layers Sequence
	Base   Base

	cfg   config.ModelConfiguration
	spec  Spec
	shape []int // the shape of one sample as the layers see it
}

// Config returns the effective configuration the flow was built from.
func (f *NormalizingFlow) Config() config.ModelConfiguration { return f.cfg }

// Spec returns the architecture the flow was built with.
func (f *NormalizingFlow) Spec() Spec { return f.spec }

// EventShape returns the shape of one sample as the layers see it
// ([C, H, W] for the image flows RealNVP and Glow, [D] otherwise).
func (f *NormalizingFlow) EventShape() []int { return append([]int(nil), f.shape...) }

// dims returns the number of dimensions of one sample.
func (f *NormalizingFlow) dims() int {
	n := 1
	for _, d := range f.shape {
		n *= d
	}
	return n
}

// Forward maps x [N, EventShape...] to z and log|det ∂z/∂x| [N].
func (f *NormalizingFlow) Forward(x *tensor.Tensor) (z, logDet *tensor.Tensor) {
	return f.Layers.Forward(x)
}

// Inverse maps z back to x.
func (f *NormalizingFlow) Inverse(z *tensor.Tensor) *tensor.Tensor { return f.Layers.Inverse(z) }

// LogProb returns log p(x) [N] of x [N, EventShape...] in the space the
// layers see (after any pre-processing); labels are needed by
// class-conditional flows and ignored otherwise.
func (f *NormalizingFlow) LogProb(x *tensor.Tensor, labels []int) *tensor.Tensor {
	z, ld := f.Forward(x)
	return tensor.Add(f.Base.LogProb(z, labels), ld)
}

// Sample draws n samples [n, EventShape...] from the flow with the base's
// spread scaled by temperature (1 is the model's density; lower values give
// smoother, more typical samples). A class-conditional flow draws classes
// 0, 1, ..., K-1, 0, ... in turn. It runs without recording gradients.
func (f *NormalizingFlow) Sample(n int, temperature float32, rngs *tensor.Rngs) *tensor.Tensor {
	var labels []int
	if f.spec.NumClasses > 0 {
		labels = make([]int, n)
		for i := range labels {
			labels[i] = i % f.spec.NumClasses
		}
	}
	return f.sample(n, labels, temperature, rngs)
}

// SampleClass draws one sample per label from a class-conditional flow,
// as Sample does.
func (f *NormalizingFlow) SampleClass(labels []int, temperature float32, rngs *tensor.Rngs) *tensor.Tensor {
	return f.sample(len(labels), labels, temperature, rngs)
}

func (f *NormalizingFlow) sample(n int, labels []int, temperature float32, rngs *tensor.Rngs) *tensor.Tensor {
	var x *tensor.Tensor
	tensor.NoGrad(func() {
		z := f.Base.Sample(append([]int{n}, f.shape...), labels, temperature, rngs.Sample())
		x = f.Inverse(z)
	})
	return x
}

// Preprocess turns a batch of images in [0, 1] (pixels k/255) into what the
// layers see: dequantised to (k+u)/256 with u ~ U[0, 1) drawn from s when
// Spec.Dequantize is set, then mapped by the logit transform when
// Spec.LogitAlpha > 0, and reshaped to [N, EventShape...]. It returns the
// log-determinant [N] of the logit transform (0 without it), which
// LogProb's result needs added to be a density of the dequantised pixels.
func (f *NormalizingFlow) Preprocess(images *tensor.Tensor, s *tensor.Stream) (*tensor.Tensor, []float64, error) {
	n := images.Dim(0)
	if images.Size() != n*f.dims() {
		return nil, nil, fmt.Errorf("flow: batch of shape %v does not hold samples of shape %v", images.Shape(), f.shape)
	}
	x := images
	if f.spec.Dequantize {
		x = data.Dequantize(s)(x)
	}
	ld := make([]float64, n)
	if f.spec.LogitAlpha > 0 {
		var err error
		if ld, err = data.LogitLogDet(x, f.spec.LogitAlpha); err != nil {
			return nil, nil, err
		}
		logit, _ := data.Logit(f.spec.LogitAlpha)
		x = logit(x)
	}
	return tensor.Reshape(x, append([]int{n}, f.shape...)...), ld, nil
}

// Postprocess maps samples of the layers' space back to images in [0, 1]:
// the inverse logit when Spec.LogitAlpha > 0, then clipping.
func (f *NormalizingFlow) Postprocess(x *tensor.Tensor) *tensor.Tensor {
	if f.spec.LogitAlpha > 0 {
		inv, _ := data.InverseLogit(f.spec.LogitAlpha)
		return inv(x)
	}
	return tensor.Clamp(x.Detach(), 0, 1)
}

// nll returns -log p per sample of a pre-processed batch, in nats of the
// data before pre-processing: the logit log-determinant is added and, for
// dequantised 8-bit data, D·log 256 converts the density on [0, 1)^D to one
// on [0, 256)^D, whose negative log bounds the discrete NLL.
func (f *NormalizingFlow) nll(x *tensor.Tensor, preLogDet []float64, labels []int) *tensor.Tensor {
	if f.spec.NumClasses == 0 {
		labels = nil
	}
	return f.nllFrom(f.LogProb(x, labels), preLogDet)
}

// nllFrom is nll given lp = LogProb of the pre-processed batch.
func (f *NormalizingFlow) nllFrom(lp *tensor.Tensor, preLogDet []float64) *tensor.Tensor {
	offset := make([]float32, len(preLogDet))
	for i, v := range preLogDet {
		offset[i] = float32(-v)
		if f.spec.Dequantize {
			offset[i] += float32(float64(f.dims()) * math.Log(256))
		}
	}
	return tensor.Sub(tensor.FromSlice(offset, len(offset)), lp)
}

// TrainLoss returns the negative log-likelihood of the batch in nats per
// dimension, averaged over the batch (nats, so that the learning rate does
// not depend on the image size; bits/dim = loss / ln 2 for dequantised
// images). The logs hold "nll" in nats per sample and, for dequantised
// images, "bits_per_dim". Dequantisation noise comes from rngs' stream
// "dequantize". Batch images must hold samples of the flow's size; a
// mismatch is a programming error and panics.
func (f *NormalizingFlow) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x, ld, err := f.Preprocess(batch.Images, rngs.Stream("dequantize"))
	if err != nil {
		panic(err)
	}
	if f.spec.NumClasses > 0 && len(batch.Labels) != x.Dim(0) {
		panic(fmt.Sprintf("flow: a class-conditional flow needs one label per image, got %d labels for %d images", len(batch.Labels), x.Dim(0)))
	}
	nll := tensor.Mean(f.nll(x, ld, batch.Labels))
	d := float64(f.dims())
	logs := map[string]float64{"nll": float64(nll.Item())}
	if f.spec.Dequantize {
		logs["bits_per_dim"] = float64(nll.Item()) / d / math.Ln2
	}
	return tensor.Scale(nll, float32(1/d)), logs
}

// RowIndependent implements models.RowSampler: an unconditional flow
// inverts each sample's own row of base noise; a class-conditional one
// draws the classes in turn.
func (f *NormalizingFlow) RowIndependent() bool { return f.spec.NumClasses == 0 }

// SampleImages draws n images [n, C, H, W] in [0, 1] at the configured
// sampling temperature (Spec.Temperature).
func (f *NormalizingFlow) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return f.SampleImagesAt(n, f.spec.Temperature, rngs)
}

// SampleImagesAt draws n images [n, C, H, W] in [0, 1] at the given
// temperature. It panics for a flow of vectors (PointDim > 0), which has
// no images to draw: use SamplePointsAt.
func (f *NormalizingFlow) SampleImagesAt(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor {
	if f.spec.Image == nil {
		panic(fmt.Sprintf("flow: this flow models vectors of %d values, not images; draw them with SamplePoints", f.dims()))
	}
	x := f.Postprocess(f.Sample(n, float32(temperature), rngs))
	c, h, w := f.spec.Image[0], f.spec.Image[1], f.spec.Image[2]
	return tensor.Reshape(x, n, c, h, w)
}

// PointDim returns the dimension of a flow of vectors (models.PointSampler),
// and 0 for a flow of images.
func (f *NormalizingFlow) PointDim() int {
	if f.spec.Image != nil {
		return 0
	}
	return f.dims()
}

// SamplePoints draws n vectors [n, D] at the configured temperature.
func (f *NormalizingFlow) SamplePoints(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return f.SamplePointsAt(n, f.spec.Temperature, rngs)
}

// SamplePointsAt draws n vectors [n, D] at the given temperature, in the
// data's space (a vector flow has no pre-processing to undo).
func (f *NormalizingFlow) SamplePointsAt(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor {
	return tensor.Reshape(f.Sample(n, float32(temperature), rngs), n, f.dims())
}

// Evaluate returns the test negative log-likelihood, "nll" in nats per
// sample and, for dequantised images, "bits_per_dim" (for vectors, the
// "log_likelihood" in nats per point too), averaged over the
// whole data set with one dequantisation per image (drawn from rngs'
// stream "dequantize"). With the logit transform it also returns
// "logit_log_likelihood", log p in nats per sample of the logit-space data
// the layers see, the unit of the MAF paper (Papamakarios et al. 2017) and
// RealNVP's, which leave out the transform's log-determinant and the
// dequantisation's D·log 256. The flow is evaluated in evaluation mode and
// put back in training mode.
func (f *NormalizingFlow) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, fmt.Errorf("flow: Evaluate: empty data set")
	}
	if f.spec.NumClasses > 0 && test.Labels() == nil {
		return nil, fmt.Errorf("flow: Evaluate: a class-conditional flow needs a labelled data set")
	}
	it, err := data.NewIterator(test, data.BatchOptions{Size: 500})
	if err != nil {
		return nil, err
	}
	nn.SetTraining(f, false)
	defer nn.SetTraining(f, true)
	s := rngs.Stream("dequantize")
	total, layerLL := 0.0, 0.0
	var evalErr error
	tensor.NoGrad(func() {
		for b, ok := it.Next(); ok; b, ok = it.Next() {
			x, ld, err := f.Preprocess(b.Images, s)
			if err != nil {
				evalErr = err
				return
			}
			labels := b.Labels
			if f.spec.NumClasses == 0 {
				labels = nil
			}
			lp := f.LogProb(x, labels)
			for _, v := range lp.Data() {
				layerLL += float64(v)
			}
			for _, v := range f.nllFrom(lp, ld).Data() {
				total += float64(v)
			}
		}
	})
	if evalErr != nil {
		return nil, evalErr
	}
	nll := total / float64(test.Len())
	out := map[string]float64{"nll": nll, "examples": float64(test.Len())}
	if f.spec.Dequantize {
		out["bits_per_dim"] = nll / float64(f.dims()) / math.Ln2
	}
	if f.spec.Image == nil {
		out["log_likelihood"] = -nll
	}
	if f.spec.LogitAlpha > 0 {
		out["logit_log_likelihood"] = layerLL / float64(test.Len())
	}
	return out, nil
}
