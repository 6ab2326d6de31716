// Package models defines what every generative model has in common. The
// families live in its subpackages (models/vae, models/gan, ...); the
// factory builds them and modality adapters wrap them, both through the
// Model interface declared here, below all of them, so that neither a
// family nor a modality needs to import the factory.
package models

import (
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
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
