// Package models defines what every generative model has in common. The
// families live in its subpackages (models/vae, models/gan, ...); the
// factory builds them and modality adapters wrap them, both through the
// Model interface declared here, below all of them, so that neither a
// family nor a modality needs to import the factory.
package models

import (
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Model is the interface every built model satisfies. Config returns the
// effective configuration the model was built from: the user's
// configuration with every default the builder applied filled in, so the
// defaults in use can be read back.
//
// A model's parameters are found by walking it (nn.Parameters), so models
// are plain structs of layers and need no method for that; family
// interfaces (a VAE's Encode/Decode, a GAN's Generate, ...) add the rest.
type Model interface {
	Config() config.ModelConfiguration
}

// Trainable is a model trained by minimising one loss per batch (VAEs,
// flows, autoregressive models, diffusion). TrainLoss returns the scalar
// loss to differentiate and the named values worth logging (in the loss's
// units: nats, bits/dim ...). Families with several objectives (GANs)
// provide their own step instead.
type Trainable interface {
	Model
	TrainLoss(batch data.Batch, rngs *tensor.Rngs) (loss *tensor.Tensor, logs map[string]float64)
}

// ImageSampler draws n images [n, C, H, W] with values in [0, 1].
type ImageSampler interface {
	SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor
}

// Evaluator computes the family's test metrics (e.g. IWAE negative
// log-likelihood in nats, bits/dim) on a data set.
type Evaluator interface {
	Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error)
}

// Stepper is a model that performs its own parameter update per batch with
// optimizers it owns, because its objectives cannot be one loss (GANs:
// alternating discriminator and generator steps). The trainer runs the
// same loop, checkpointing and logging for it; Optimizers names the
// optimizers so their state is saved ("generator", "discriminator").
type Stepper interface {
	Model
	TrainStep(batch data.Batch, rngs *tensor.Rngs) (logs map[string]float64, err error)
	Optimizers() map[string]optim.Optimizer
}

// ForwardRecycler is a Stepper whose TrainStep reads no tensor of a
// differentiated forward pass after the Backward that walked it (its logs
// are taken before). The trainer then lets Backward recycle each op's
// result as soon as its backward rule has run
// (tensor.Arena.RecycleForward), as it does for a loss; a step that read
// such a tensor afterwards would read another's values.
type ForwardRecycler interface {
	Stepper
	RecyclesForward() bool
}

// Averager is a model that keeps an exponential moving average of its own
// parameters and samples with it (a diffusion model's EMA weights). EMA
// returns it, nil when the model keeps none; the trainer updates it after
// every optimizer step, saves it in checkpoints and restores it on resume
// and reload.
type Averager interface {
	EMA() *optim.EMA
}

// FileSampler is a model whose samples are files of a kind of their own,
// such as an audio model's WAV clips: the trainer writes one at the end of
// a run, named SampleFile() in its output directory. A SampleFile of ""
// means this model writes none (a protein sequence model).
type FileSampler interface {
	SampleFile() string
	// WriteSample draws one sample from the streams of rngs and writes it
	// to path.
	WriteSample(path string, rngs *tensor.Rngs) error
}

// PointSampler is a model of points in R^D (a 2-D density) rather than of
// images. PointDim returns D, or 0 when the model's data are images (a
// family whose models can be either reports which); SamplePoints draws n
// points [n, D]. Samples of a point model are drawn as a scatter plot.
type PointSampler interface {
	PointDim() int
	SamplePoints(n int, rngs *tensor.Rngs) *tensor.Tensor
}

// Noter is a model with remarks on how it was built that its user should
// read, such as configuration fields that nothing in the model reads (a
// diffusion model given a backbone of the user's ignores hidden_dims).
// The trainer prints them when a run starts.
type Noter interface {
	Notes() []string
}

// RowSampler is a model whose samples can be drawn for several callers in
// one batch. RowIndependent reports whether, as configured, each sample it
// draws depends only on the parameters and on its own row of every random
// tensor its sampler draws, and whether that sampler draws nothing else
// (no scalar, nothing that depends on a sample's place in the batch, as a
// class-conditional model drawing classes 0, 1, 2, ... in turn does).
// Drawn with streams split by rows (tensor.RowRngs), such a model gives
// each caller the very values it would have drawn alone.
type RowSampler interface {
	RowIndependent() bool
}
