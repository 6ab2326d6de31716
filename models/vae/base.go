// Package vae holds the variational autoencoder family: VAE, BetaVAE,
// ConditionalVAE and VQVAE, with MLP or convolutional encoders and
// decoders and a Bernoulli, Gaussian or categorical likelihood.
//
// Data layout: a configuration's input_dim [H, W, C] describes images,
// which the models take as NCHW tensors [N, C, H, W] (the layout of
// package data); any other input_dim ([L, K] sequences, [D] vectors) is
// taken as [N, input_dim...]. Inputs flattened to [N, prod(input_dim)]
// are accepted too. output_dim is the latent size.
//
// All losses are in nats per example: the reconstruction term is summed
// over the values of an example, the KL term over latent dimensions, and
// both are averaged over the batch.
package vae

import (
	"fmt"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Encoder and decoder types, the values of encoder_type and decoder_type.
const (
	MLP = "mlp"
	CNN = "cnn"
)

// NetworkTypes lists the encoder and decoder types.
var NetworkTypes = []string{MLP, CNN}

// Options are the settings every class of the family reads. The factory
// fills them from a configuration; the names in comments are the
// configuration's.
type Options struct {
	InputShape         []int   // input_dim: [H, W, C], [L, K] or [D]
	HiddenDims         []int   // hidden_dims: layer widths (mlp) or channel counts (cnn), encoder order
	LatentDim          int     // output_dim
	Activation         string  // activation between hidden layers
	EncoderType        string  // parameters.encoder_type: "mlp" or "cnn"
	DecoderType        string  // parameters.decoder_type: "mlp" or "cnn"
	ReconstructionLoss string  // parameters.reconstruction_loss: "bce", "mse" or "categorical"
	DropoutRate        float64 // parameters.dropout_rate: after hidden layers, training mode only
}

// check reports the first bad option, naming the configuration field.
func (o Options) check() error {
	switch {
	case len(o.InputShape) == 0:
		return fmt.Errorf("input_dim must be given")
	case len(o.HiddenDims) == 0:
		return fmt.Errorf("hidden_dims must hold at least one size")
	case o.LatentDim <= 0:
		return fmt.Errorf("output_dim (the latent size) must be > 0, got %d", o.LatentDim)
	case !slices.Contains(NetworkTypes, o.EncoderType):
		return fmt.Errorf("parameter %q must be one of %s, got %q", "encoder_type", strings.Join(NetworkTypes, ", "), o.EncoderType)
	case !slices.Contains(NetworkTypes, o.DecoderType):
		return fmt.Errorf("parameter %q must be one of %s, got %q", "decoder_type", strings.Join(NetworkTypes, ", "), o.DecoderType)
	case !slices.Contains(Likelihoods, o.ReconstructionLoss):
		return fmt.Errorf("parameter %q must be one of %s, got %q", "reconstruction_loss", strings.Join(Likelihoods, ", "), o.ReconstructionLoss)
	case !(o.DropoutRate >= 0 && o.DropoutRate < 1):
		return fmt.Errorf("parameter %q must be in [0, 1), got %g", "dropout_rate", o.DropoutRate)
	}
	for i, d := range o.InputShape {
		if d <= 0 {
			return fmt.Errorf("input_dim[%d] must be > 0, got %d", i, d)
		}
	}
	for i, d := range o.HiddenDims {
		if d <= 0 {
			return fmt.Errorf("hidden_dims[%d] must be > 0, got %d", i, d)
		}
	}
	for _, t := range []struct{ name, kind string }{{"encoder_type", o.EncoderType}, {"decoder_type", o.DecoderType}} {
		if t.kind == CNN && len(o.InputShape) != 3 {
			return fmt.Errorf("parameter %q cnn needs image input_dim [H, W, C], got %v", t.name, o.InputShape)
		}
	}
	if o.ReconstructionLoss == Categorical && len(o.InputShape) != 2 {
		return fmt.Errorf("parameter %q categorical needs sequence input_dim [L, K] (K classes per position), got %v", "reconstruction_loss", o.InputShape)
	}
	return nil
}

// shape returns the tensor layout of one example.
func (o Options) shape() []int {
	if len(o.InputShape) == 3 {
		h, w, c := o.InputShape[0], o.InputShape[1], o.InputShape[2]
		return []int{c, h, w}
	}
	return slices.Clone(o.InputShape)
}

// Base is what every class shares: the encoder body, the decoder, the
// training step counter and the effective configuration. Its networks are
// walked by nn.Parameters and nn.State like any module.
type Base struct {
	Encoder body
	Decoder decoder
	// Step counts training steps (TrainLoss calls). It is a non-trainable
	// tensor so that it is part of nn.State and a resumed checkpoint
	// continues warm-ups and capacity schedules where they stopped;
	// float32 counts exactly up to 2^24 steps.
	Step *tensor.Tensor

	cfg      config.ModelConfiguration
	opts     Options
	shape    []int // one example, tensor layout
	training bool
}

// newBase builds the encoder body (conditioned on condDim extra inputs)
// and a decoder taking codes of size decIn.
func newBase(cfg config.ModelConfiguration, o Options, rngs *nn.Rngs, condDim, decIn int) (*Base, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	act, err := nn.Activation(o.Activation)
	if err != nil {
		return nil, fmt.Errorf("activation: %w", err)
	}
	b := &Base{cfg: cfg, opts: o, shape: o.shape(), training: true, Step: tensor.Zeros(1)}
	drop := float32(o.DropoutRate)
	if o.EncoderType == CNN {
		b.Encoder = newCNNBody(rngs, b.shape[0], b.shape[1], b.shape[2], condDim, o.HiddenDims, act, drop)
	} else {
		b.Encoder = newMLPBody(rngs, prod(b.shape), condDim, o.HiddenDims, act, drop)
	}
	if o.DecoderType == CNN {
		if b.Decoder, err = newCNNDecoder(rngs, decIn, b.shape[0], b.shape[1], b.shape[2], o.HiddenDims, act, drop); err != nil {
			return nil, fmt.Errorf("decoder_type: %w", err)
		}
	} else {
		b.Decoder = newMLPDecoder(rngs, decIn, o.HiddenDims, b.shape, act, drop)
	}
	return b, nil
}

// Config returns the effective configuration: the user's, with every
// default the builder applied.
func (b *Base) Config() config.ModelConfiguration { return b.cfg.Clone() }

// Options returns the settings the model was built with.
func (b *Base) Options() Options { return b.opts }

// ExampleShape returns the tensor layout of one example ([C, H, W] for
// images).
func (b *Base) ExampleShape() []int { return slices.Clone(b.shape) }

// SetTraining switches dropout between training (on, the initial mode)
// and evaluation. nn.SetTraining(model, on) reaches it too.
func (b *Base) SetTraining(on bool) {
	b.training = on
	nn.SetTraining(b.Encoder, on)
	nn.SetTraining(b.Decoder, on)
}

// Training reports whether the model is in training mode.
func (b *Base) Training() bool { return b.training }

// Steps returns the number of training steps taken (see Step).
func (b *Base) Steps() int { return int(b.Step.Data()[0]) }

// countStep advances the step counter after a training step.
func (b *Base) countStep() { b.Step.Data()[0]++ }

// layout reshapes a batch to [N, example shape...], accepting the example
// shape itself or a flattened [N, D]. A batch of the wrong size panics:
// it is a programming error, not configuration.
func (b *Base) layout(x *tensor.Tensor) *tensor.Tensor {
	if x.NDim() >= 1 && x.Size() == x.Dim(0)*prod(b.shape) {
		if x.NDim() == len(b.shape)+1 && tensor.SameShape(x.Shape()[1:], b.shape) {
			return x
		}
		return tensor.Reshape(x, append([]int{x.Dim(0)}, b.shape...)...)
	}
	panic(fmt.Sprintf("vae: batch of shape %v does not hold examples of shape %v (input_dim %v)", x.Shape(), b.shape, b.opts.InputShape))
}

// mean maps decoder output to the likelihood's mean in data space.
func (b *Base) mean(out *tensor.Tensor) *tensor.Tensor { return mean(b.opts.ReconstructionLoss, out) }

// nll is the per-example negative log-likelihood of x under decoder
// output out, in nats.
func (b *Base) nll(out, x *tensor.Tensor) *tensor.Tensor {
	return nll(b.opts.ReconstructionLoss, out, x)
}

// asImages turns means into the [n, C, H, W] images in [0, 1] that
// ImageSampler promises; non-image data becomes one-channel images of
// its [L, K] or [1, D] values.
func (b *Base) asImages(m *tensor.Tensor) *tensor.Tensor {
	n := m.Dim(0)
	switch len(b.shape) {
	case 3:
	case 2:
		m = tensor.Reshape(m, n, 1, b.shape[0], b.shape[1])
	default:
		m = tensor.Reshape(m, n, 1, 1, prod(b.shape))
	}
	return tensor.Clamp(m, 0, 1)
}
