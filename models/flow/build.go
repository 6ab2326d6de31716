package flow

import (
	"fmt"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Classes lists the flow architectures New builds.
var Classes = []string{"RealNVP", "Glow", "MAF", "IAF", "NeuralSplineFlow"}

// Spec is the architecture of a flow, as the factory reads it from a
// configuration (input_dim, hidden_dims and parameters).
type Spec struct {
	// Class is one of Classes.
	Class string
	// Shape is one sample's shape: [C, H, W] for images, [D] for vectors.
	Shape []int
	// Image is [C, H, W] when the data are images (SampleImages and
	// bits/dim need it), nil otherwise.
	Image []int
	// Hidden are the widths of the conditioner networks (convolutions for
	// RealNVP and Glow on images, dense layers otherwise).
	Hidden []int
	// NumScales is the number of levels of the multi-scale architecture
	// (RealNVP, Glow); each level but the last squeezes and factors out
	// half of the channels.
	NumScales int
	// NumLayers is, for RealNVP, the couplings per stage (the last level
	// has one more); for Glow the steps of flow per level; for MAF, IAF and
	// NeuralSplineFlow the number of autoregressive or coupling layers.
	NumLayers int
	// LU selects Glow's LU-parametrised 1×1 convolution.
	LU bool
	// ActNorm puts an ActNorm before every coupling of image RealNVP (Glow
	// has one in every step of flow anyway): a data-initialised
	// per-channel affine map in place of RealNVP's batch normalisation.
	ActNorm bool
	// SplitPrior gives the half of the channels that a multi-scale level
	// factors out a prior conditioned on the half that goes on, as Glow's
	// split does: an affine map of the factored half, its mean and
	// log-scale from a zero-initialised 3×3 convolution of the other half
	// (a channel coupling whose conditioner is that one convolution). Without
	// it the factored half meets the standard normal as it is.
	SplitPrior bool
	// BatchNorm puts a BatchNormFlow after every MAF/IAF layer.
	BatchNorm bool
	// NumBins and TailBound shape the splines of NeuralSplineFlow.
	NumBins   int
	TailBound float64
	// BaseDist is "normal" or "uniform" (the flow then ends in a Sigmoid).
	BaseDist string
	// NumClasses > 0 makes the base distribution class-conditional.
	NumClasses int
	// Dequantize adds uniform noise to 8-bit data and makes likelihoods
	// those of the discrete pixels (bits/dim).
	Dequantize bool
	// LogitAlpha > 0 applies the logit transform with that alpha.
	LogitAlpha float64
	// Temperature is the sampling temperature of SampleImages.
	Temperature float64
}

// validate checks the numbers a build needs.
func (s Spec) validate() error {
	if !slices.Contains(Classes, s.Class) {
		return fmt.Errorf("flow: unknown class %q; classes: %v", s.Class, Classes)
	}
	if len(s.Shape) == 0 {
		return fmt.Errorf("flow: %s needs an input shape", s.Class)
	}
	for _, d := range s.Shape {
		if d <= 0 {
			return fmt.Errorf("flow: input shape %v must be positive", s.Shape)
		}
	}
	if len(s.Hidden) == 0 {
		return fmt.Errorf("flow: %s needs at least one hidden width (hidden_dims)", s.Class)
	}
	switch {
	case s.NumLayers < 1:
		return fmt.Errorf("flow: num_layers must be ≥ 1, got %d", s.NumLayers)
	case (s.Class == "RealNVP" || s.Class == "Glow") && len(s.Shape) == 3 && s.NumScales < 1:
		return fmt.Errorf("flow: num_scales must be ≥ 1, got %d", s.NumScales)
	case s.BaseDist != "normal" && s.BaseDist != "uniform":
		return fmt.Errorf("flow: base_distribution must be normal or uniform, got %q", s.BaseDist)
	case s.NumClasses < 0:
		return fmt.Errorf("flow: num_classes must be ≥ 0, got %d", s.NumClasses)
	case s.NumClasses > 0 && s.BaseDist != "normal":
		return fmt.Errorf("flow: class conditioning needs the normal base distribution")
	case s.LogitAlpha < 0 || s.LogitAlpha >= 0.5:
		return fmt.Errorf("flow: logit_alpha must be in [0, 0.5), got %g", s.LogitAlpha)
	case s.Class == "NeuralSplineFlow" && (s.NumBins < 1 || s.TailBound <= 0):
		return fmt.Errorf("flow: num_bins must be ≥ 1 and tail_bound > 0, got %d and %g", s.NumBins, s.TailBound)
	case s.SplitPrior && ((s.Class != "RealNVP" && s.Class != "Glow") || len(s.Shape) != 3):
		return fmt.Errorf("flow: split_prior is an option of the multi-scale image flows RealNVP and Glow, not of %s on shape %v", s.Class, s.Shape)
	case s.ActNorm && (s.Class != "RealNVP" || len(s.Shape) != 3):
		return fmt.Errorf("flow: actnorm is an option of image RealNVP (Glow always has ActNorm), not of %s on shape %v", s.Class, s.Shape)
	case s.Dequantize && s.Image == nil:
		return fmt.Errorf("flow: dequantize needs image input (input_dim [H, W, C])")
	}
	return nil
}

// New builds the flow spec describes; cfg is kept as the model's
// effective configuration.
func New(cfg config.ModelConfiguration, spec Spec, rngs *nn.Rngs) (*NormalizingFlow, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	f := &NormalizingFlow{cfg: cfg, spec: spec}
	var err error
	switch spec.Class {
	case "RealNVP":
		f.shape = spec.Shape
		if len(spec.Shape) == 3 {
			var l Layer
			l, err = realNVPLevel(rngs, spec, spec.Shape, 0)
			f.Layers = Sequence{l}
		} else {
			f.Layers, err = vectorCouplings(rngs, spec)
		}
	case "Glow":
		f.shape = spec.Shape
		if len(spec.Shape) != 3 {
			return nil, fmt.Errorf("flow: Glow needs image input, got shape %v", spec.Shape)
		}
		var l Layer
		l, err = glowLevel(rngs, spec, spec.Shape, 0)
		f.Layers = Sequence{l}
	default:
		f.shape = []int{product(spec.Shape)}
		f.Layers, err = vectorCouplings(rngs, spec)
	}
	if err != nil {
		return nil, err
	}
	f.Base = NewNormal(spec.NumClasses, f.dims())
	if spec.BaseDist == "uniform" {
		f.Base = Uniform{}
		f.Layers = append(f.Layers, Sigmoid{})
	}
	return f, nil
}

func product(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// realNVPLevel builds level s of RealNVP on shape [C, H, W]: NumLayers
// checkerboard couplings, a squeeze, NumLayers channel couplings and the
// next level on half the channels; the last level (or one whose size is
// odd) has NumLayers+1 checkerboard couplings only. With Spec.ActNorm an
// ActNorm precedes every coupling.
func realNVPLevel(rngs *nn.Rngs, spec Spec, shape []int, s int) (Layer, error) {
	c, h, w := shape[0], shape[1], shape[2]
	last := s == spec.NumScales-1 || h%2 != 0 || w%2 != 0
	m := &MultiScale{}
	n := spec.NumLayers
	if last {
		n++
	}
	for i := range n {
		l, err := NewAffineCoupling(rngs, shape, Checkerboard, i%2 == 1, spec.Hidden)
		if err != nil {
			return nil, err
		}
		if spec.ActNorm {
			m.Pre = append(m.Pre, NewActNorm(c))
		}
		m.Pre = append(m.Pre, l)
	}
	if last {
		return m, nil
	}
	m.Squeeze = true
	sq := []int{4 * c, h / 2, w / 2}
	for i := range spec.NumLayers {
		l, err := NewAffineCoupling(rngs, sq, ChannelMask, i%2 == 1, spec.Hidden)
		if err != nil {
			return nil, err
		}
		if spec.ActNorm {
			m.Post = append(m.Post, NewActNorm(4*c))
		}
		m.Post = append(m.Post, l)
	}
	if spec.SplitPrior {
		m.Post = append(m.Post, splitPrior(rngs, sq))
	}
	next, err := realNVPLevel(rngs, spec, []int{4*c - 2*c, h / 2, w / 2}, s+1)
	m.Next = next
	return m, err
}

// glowLevel builds level l of Glow on shape [C, H, W]: a squeeze,
// NumLayers steps of flow, and, but at the last level, the next level on
// half the channels.
func glowLevel(rngs *nn.Rngs, spec Spec, shape []int, l int) (Layer, error) {
	c, h, w := shape[0], shape[1], shape[2]
	if h%2 != 0 || w%2 != 0 {
		return nil, fmt.Errorf("flow: Glow level %d needs even height and width, got %v (use fewer num_scales)", l+1, shape)
	}
	sq := []int{4 * c, h / 2, w / 2}
	m := &MultiScale{Squeeze: true}
	for range spec.NumLayers {
		step, err := NewGlowStep(rngs, sq, spec.Hidden, spec.LU)
		if err != nil {
			return nil, err
		}
		m.Post = append(m.Post, step...)
	}
	if l == spec.NumScales-1 {
		return m, nil
	}
	if spec.SplitPrior {
		m.Post = append(m.Post, splitPrior(rngs, sq))
	}
	next, err := glowLevel(rngs, spec, []int{2 * c, h / 2, w / 2}, l+1)
	m.Next = next
	return m, err
}

// splitPrior returns the last layer of a level of shape [C, H, W] before
// MultiScale factors out its first C/2 channels: a coupling that keeps the
// other half (the next level's input) and maps the factored half by an
// affine transform from one zero-initialised 3×3 convolution of it. The
// standard normal on its output is, for the factored half, Glow's learned
// conditional prior N(μ(h), σ(h)²).
func splitPrior(rngs *nn.Rngs, shape []int) *AffineCoupling {
	c := shape[0]
	return &AffineCoupling{
		Kind:  ChannelMask,
		Flip:  true,
		Net:   NewConvNet(rngs, c-c/2, 2*(c/2), nil),
		Scale: tensor.Ones(c / 2).SetRequiresGrad(true),
	}
}

// vectorCouplings builds the flows on flat vectors: alternating affine
// couplings (RealNVP), MAF or IAF layers with reversals between them, or
// spline couplings.
func vectorCouplings(rngs *nn.Rngs, spec Spec) (Sequence, error) {
	d := product(spec.Shape)
	var seq Sequence
	for i := range spec.NumLayers {
		switch spec.Class {
		case "RealNVP":
			l, err := NewAffineCoupling(rngs, []int{d}, ChannelMask, i%2 == 1, spec.Hidden)
			if err != nil {
				return nil, err
			}
			seq = append(seq, l)
		case "NeuralSplineFlow":
			l, err := NewSplineCoupling(rngs, d, spec.NumBins, float32(spec.TailBound), i%2 == 1, spec.Hidden)
			if err != nil {
				return nil, err
			}
			seq = append(seq, NewActNorm(d), l)
		case "MAF", "IAF":
			if i > 0 {
				seq = append(seq, Reverse{})
			}
			made, err := NewMADE(rngs, d, spec.Hidden)
			if err != nil {
				return nil, err
			}
			if spec.Class == "MAF" {
				seq = append(seq, &MAF{Net: made})
			} else {
				seq = append(seq, &IAF{Net: made})
			}
			if spec.BatchNorm {
				seq = append(seq, NewBatchNormFlow(d))
			}
		}
	}
	return seq, nil
}
