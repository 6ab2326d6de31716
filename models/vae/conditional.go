package vae

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// ConditionalVAE is the class-conditional VAE of Sohn et al. (2015): the
// one-hot label is concatenated to the encoder's input (as constant extra
// channels for a cnn encoder) and to the latent code the decoder sees, so
// it models p(x|y). Its methods are VAE's with the labels added.
type ConditionalVAE struct {
	*VAE
}

// NewConditionalVAE builds a conditional VAE over numClasses classes; see
// NewVAE.
func NewConditionalVAE(cfg config.ModelConfiguration, o Options, klWeight float64, numClasses int, rngs *nn.Rngs) (*ConditionalVAE, error) {
	if numClasses < 1 {
		return nil, fmt.Errorf("parameter %q must be >= 1, got %d", "num_classes", numClasses)
	}
	if !(klWeight >= 0) {
		return nil, fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "kl_weight", klWeight)
	}
	v, err := newGaussian(cfg, o, Schedule{Beta: klWeight}, numClasses, rngs)
	if err != nil {
		return nil, err
	}
	return &ConditionalVAE{v}, nil
}

// NumClasses returns the number of classes the model is conditioned on.
func (c *ConditionalVAE) NumClasses() int { return c.classes }

// onehot checks the labels and returns them one-hot [len(labels), K].
func (c *ConditionalVAE) onehot(labels []int, n int) *tensor.Tensor {
	if len(labels) != n {
		panic(fmt.Sprintf("vae: ConditionalVAE needs one label per example: %d labels for %d examples", len(labels), n))
	}
	for i, l := range labels {
		if l < 0 || l >= c.classes {
			panic(fmt.Sprintf("vae: ConditionalVAE: label %d of example %d outside [0, %d)", l, i, c.classes))
		}
	}
	return tensor.OneHot(labels, c.classes)
}

// Encode returns the posterior's mean and log-variance for a batch and
// its labels.
func (c *ConditionalVAE) Encode(x *tensor.Tensor, labels []int) (mu, logvar *tensor.Tensor) {
	return c.encode(x, c.onehot(labels, x.Dim(0)))
}

// Decode maps latents and labels to the likelihood's parameters.
func (c *ConditionalVAE) Decode(z *tensor.Tensor, labels []int) *tensor.Tensor {
	return c.decode(z, c.onehot(labels, z.Dim(0)))
}

// Loss returns the loss terms of a labelled batch.
func (c *ConditionalVAE) Loss(x *tensor.Tensor, labels []int, rngs *tensor.Rngs) Losses {
	return c.loss(x, c.onehot(labels, x.Dim(0)), rngs)
}

// TrainLoss implements models.Trainable; the batch must carry labels.
func (c *ConditionalVAE) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	return c.trainLoss(batch.Images, c.onehot(batch.Labels, batch.Images.Dim(0)), rngs)
}

// Sample draws one example of each label from the prior scaled by
// temperature; see VAE.Sample.
func (c *ConditionalVAE) Sample(labels []int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor {
	return c.sample(len(labels), temperature, c.onehot(labels, len(labels)), rngs)
}

// RowIndependent implements models.RowSampler: false, since the classes
// of SampleImages follow the samples' places in the batch.
func (c *ConditionalVAE) RowIndependent() bool { return false }

// SampleImages implements models.ImageSampler with labels 0, 1, ..., K-1,
// 0, 1, ... so that a grid K wide shows one class per column.
func (c *ConditionalVAE) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return c.SampleImagesAt(n, 1, rngs)
}

// SampleImagesAt is SampleImages at the given temperature.
func (c *ConditionalVAE) SampleImagesAt(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % c.classes
	}
	return c.asImages(c.Sample(labels, temperature, rngs))
}

// Reconstruct returns the means decoded from the posterior means of a
// labelled batch.
func (c *ConditionalVAE) Reconstruct(x *tensor.Tensor, labels []int) *tensor.Tensor {
	return c.reconstruct(x, c.onehot(labels, x.Dim(0)))
}

// Interpolate decodes steps points between the posterior means of two
// examples of the same label; see VAE.Interpolate.
func (c *ConditionalVAE) Interpolate(x1, x2 *tensor.Tensor, label, steps int) *tensor.Tensor {
	return c.interpolate(x1, x2, steps, c.onehot([]int{label}, 1))
}

// LatentTraversal varies one latent dimension of a labelled example; see
// VAE.LatentTraversal.
func (c *ConditionalVAE) LatentTraversal(x *tensor.Tensor, label, dim int, values []float32) *tensor.Tensor {
	return c.traverse(x, dim, values, c.onehot([]int{label}, 1))
}
