// Package ebm holds the energy-based family: a network E_θ(x) defines
// p(x) ∝ exp(−E_θ(x)), samples are drawn with Langevin dynamics, and the
// network is trained by persistent contrastive divergence with a replay
// buffer (Du & Mordatch 2019) or by denoising score matching (Vincent
// 2011).
//
// EBM's energy network is an MLP or a strided CNN; DeepEBM's is a
// residual CNN for images. Data layout: input_dim [H, W, C] describes
// images, taken as NCHW [N, C, H, W] with values in data_range ([0, 1] as
// package data serves them); any other input_dim ([D], ...) is taken as
// [N, input_dim...].
package ebm

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Energy networks, the values of energy_network.
const (
	MLP  = "mlp"
	CNN  = "cnn"
	Deep = "deep" // DeepEBM's residual network
)

// Networks lists the energy networks.
var Networks = []string{MLP, CNN, Deep}

// Objectives, the values of objective.
const (
	ContrastiveDivergence  = "contrastive_divergence"
	DenoisingScoreMatching = "denoising_score_matching"
)

// Objectives lists the training objectives.
var Objectives = []string{ContrastiveDivergence, DenoisingScoreMatching}

// Chain starts of SampleImages, the values of sample_init.
const (
	FromBuffer = "buffer"
	FromNoise  = "noise"
)

// SampleInits lists the chain starts of SampleImages.
var SampleInits = []string{FromBuffer, FromNoise}

// Options are the settings of an EBM; the names in comments are the
// configuration's.
type Options struct {
	InputShape []int  // input_dim: [H, W, C] or [D]
	HiddenDims []int  // hidden_dims: layer widths (mlp) or channel counts (cnn, deep)
	Activation string // activation
	Network    string // parameters.energy_network
	// FourierFeatures > 0 feeds the MLP [sin 2πxB, cos 2πxB] for a fixed
	// B [D, FourierFeatures] ~ N(0, FourierScale²) instead of x
	// (fourier_features, fourier_scale; mlp only). A plain MLP on a
	// low-dimensional input learns high-frequency detail slowly (its
	// spectral bias), which the contrastive-divergence gradient, unlike
	// score matching's, does not amplify.
	FourierFeatures int
	FourierScale    float64
	// Langevin is the sampler (mcmc_steps, step_size, noise_scale,
	// gradient_clip, temperature); its Min and Max are the data range.
	Langevin Langevin
	// BufferSize and ReinitProb set the replay buffer
	// (replay_buffer_size, reinit_probability).
	BufferSize int
	ReinitProb float64
	// Alpha weights the energy regulariser α·(E(x⁺)² + E(x⁻)²)
	// (energy_regularization).
	Alpha float64
	// Objective is contrastive_divergence or denoising_score_matching,
	// with noise level DSMSigma (dsm_sigma).
	Objective string
	DSMSigma  float64
	// SampleInit and SampleSteps are SampleImages' chain start (buffer or
	// noise) and length (sample_init, sample_steps).
	SampleInit  string
	SampleSteps int
}

// check reports the first bad option, naming the configuration field.
func (o Options) check() error {
	if len(o.InputShape) == 0 {
		return fmt.Errorf("input_dim must be given (e.g. [28, 28, 1] or [2])")
	}
	for i, d := range o.InputShape {
		if d <= 0 {
			return fmt.Errorf("input_dim[%d] must be > 0, got %d", i, d)
		}
	}
	if len(o.HiddenDims) == 0 {
		return fmt.Errorf("hidden_dims must hold at least one size")
	}
	for i, d := range o.HiddenDims {
		if d <= 0 {
			return fmt.Errorf("hidden_dims[%d] must be > 0, got %d", i, d)
		}
	}
	if err := o.Langevin.check(); err != nil {
		return err
	}
	switch {
	case !slices.Contains(Networks, o.Network):
		return fmt.Errorf("parameter %q must be one of %s, got %q", "energy_network", strings.Join(Networks, ", "), o.Network)
	case o.Network != MLP && len(o.InputShape) != 3:
		return fmt.Errorf("parameter %q %s needs image input_dim [H, W, C], got %v", "energy_network", o.Network, o.InputShape)
	case !slices.Contains(Objectives, o.Objective):
		return fmt.Errorf("parameter %q must be one of %s, got %q", "objective", strings.Join(Objectives, ", "), o.Objective)
	case !slices.Contains(SampleInits, o.SampleInit):
		return fmt.Errorf("parameter %q must be one of %s, got %q", "sample_init", strings.Join(SampleInits, ", "), o.SampleInit)
	case !(o.Alpha >= 0) || math.IsInf(o.Alpha, 0):
		return fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "energy_regularization", o.Alpha)
	case o.FourierFeatures < 0:
		return fmt.Errorf("parameter %q must be >= 0 (0: the MLP sees x itself), got %d", "fourier_features", o.FourierFeatures)
	case o.FourierFeatures > 0 && o.Network != MLP:
		return fmt.Errorf("parameter %q applies to energy_network %s only, got energy_network %s", "fourier_features", MLP, o.Network)
	case !(o.FourierScale > 0) || math.IsInf(o.FourierScale, 0):
		return fmt.Errorf("parameter %q must be a finite number > 0, got %g", "fourier_scale", o.FourierScale)
	case !(o.DSMSigma > 0) || math.IsInf(o.DSMSigma, 0):
		return fmt.Errorf("parameter %q must be a finite number > 0, got %g", "dsm_sigma", o.DSMSigma)
	case o.SampleSteps < 0:
		return fmt.Errorf("parameter %q must be >= 0, got %d", "sample_steps", o.SampleSteps)
	case o.Langevin.Min == o.Langevin.Max:
		return fmt.Errorf("parameter %q must be [low, high] with low < high, got [%g, %g]", "data_range", o.Langevin.Min, o.Langevin.Max)
	}
	return nil
}

// shape returns the tensor layout of one example.
func (o Options) shape() []int {
	if len(o.InputShape) == 3 {
		return []int{o.InputShape[2], o.InputShape[0], o.InputShape[1]}
	}
	return slices.Clone(o.InputShape)
}

// EBM is an energy-based model: Net gives E_θ(x), Buffer holds the
// persistent Langevin chains of contrastive divergence.
type EBM struct {
	Net    Network
	Buffer *ReplayBuffer

	cfg   config.ModelConfiguration
	opts  Options
	shape []int
}

var (
	_ models.Trainable    = (*EBM)(nil)
	_ models.ImageSampler = (*EBM)(nil)
	_ models.Evaluator    = (*EBM)(nil)
)

// New builds an EBM; cfg is the effective configuration Config reports.
// DeepEBM is New with o.Network = Deep.
func New(cfg config.ModelConfiguration, o Options, rngs *nn.Rngs) (*EBM, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	act, err := nn.Activation(o.Activation)
	if err != nil {
		return nil, fmt.Errorf("activation: %w", err)
	}
	m := &EBM{cfg: cfg, opts: o, shape: o.shape()}
	if m.Buffer, err = NewReplayBuffer(o.BufferSize, m.shape, o.ReinitProb, o.Langevin.Min, o.Langevin.Max); err != nil {
		return nil, err
	}
	switch o.Network {
	case MLP:
		m.Net = newMLPNet(rngs, prod(m.shape), o.HiddenDims, act, o.FourierFeatures, o.FourierScale)
	case CNN:
		m.Net = newCNNNet(rngs, m.shape[0], m.shape[1], m.shape[2], o.HiddenDims, act)
	default:
		m.Net = newDeepNet(rngs, m.shape[0], o.HiddenDims, act)
	}
	return m, nil
}

func prod(s []int) int {
	p := 1
	for _, d := range s {
		p *= d
	}
	return p
}

// Config returns the effective configuration, defaults included.
func (m *EBM) Config() config.ModelConfiguration { return m.cfg.Clone() }

// Options returns the settings the model was built with.
func (m *EBM) Options() Options { return m.opts }

// ExampleShape returns the tensor layout of one example.
func (m *EBM) ExampleShape() []int { return slices.Clone(m.shape) }

// layout reshapes a batch to [N, example shape...], accepting a flattened
// [N, D] too; a batch of the wrong size panics (a programming error).
func (m *EBM) layout(x *tensor.Tensor) *tensor.Tensor {
	if x.NDim() >= 1 && x.Size() == x.Dim(0)*prod(m.shape) {
		if x.NDim() == len(m.shape)+1 && tensor.SameShape(x.Shape()[1:], m.shape) {
			return x
		}
		return tensor.Reshape(x, append([]int{x.Dim(0)}, m.shape...)...)
	}
	panic(fmt.Sprintf("ebm: batch of shape %v does not hold examples of shape %v (input_dim %v)", x.Shape(), m.shape, m.opts.InputShape))
}

// Energy returns E_θ(x) [N] for a batch.
func (m *EBM) Energy(x *tensor.Tensor) *tensor.Tensor { return m.Net.Forward(m.layout(x)) }

// UnnormalizedLogProb returns log p(x) + log Z = −E_θ(x) [N].
func (m *EBM) UnnormalizedLogProb(x *tensor.Tensor) *tensor.Tensor { return tensor.Neg(m.Energy(x)) }

// Score returns the score ∇ₓ log p(x) = −∇ₓE_θ(x), shaped like x. When
// operations are being recorded the result is differentiable (its graph
// is created), so a loss built on it trains the parameters; under
// tensor.NoGrad it is a plain value. x itself is differentiated when it
// already requires a gradient, else a detached copy.
func (m *EBM) Score(x *tensor.Tensor) *tensor.Tensor {
	graph := tensor.GradEnabled()
	var s *tensor.Tensor
	tensor.EnableGrad(func() { s = m.score(x, graph) })
	return s
}

func (m *EBM) score(x *tensor.Tensor, createGraph bool) *tensor.Tensor {
	in := x
	if !x.RequiresGrad() {
		in = x.Detach().SetRequiresGrad(true)
	}
	e := tensor.Sum(m.Energy(in))
	return tensor.Neg(tensor.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{in}, createGraph)[0])
}

// frozen runs fn with the parameters marked as not requiring gradients,
// so that Langevin steps differentiate with respect to the input only and
// do not spend a backward pass on parameter gradients.
func (m *EBM) frozen(fn func()) {
	params := nn.Parameters(m.Net)
	for _, p := range params {
		p.Tensor.SetRequiresGrad(false)
	}
	defer func() {
		for _, p := range params {
			p.Tensor.SetRequiresGrad(true)
		}
	}()
	fn()
}

// Langevin runs the model's sampler from x0 for steps steps (the
// configured mcmc_steps when steps < 0), drawing noise from the
// "langevin" stream of rngs. It works inside tensor.NoGrad and returns
// values without history.
func (m *EBM) Langevin(x0 *tensor.Tensor, steps int, rngs *tensor.Rngs) *tensor.Tensor {
	l := m.opts.Langevin
	if steps >= 0 {
		l.Steps = steps
	}
	var x *tensor.Tensor
	m.frozen(func() { x = l.Run(m.Net.Forward, m.layout(x0), rngs.Stream("langevin")) })
	return x
}

// Sample draws n examples [n, example shape...] by Langevin dynamics for
// sample_steps steps, starting from stored chains of the replay buffer
// (without training's reinitialisation; from noise while it is empty) or
// from uniform noise, as sample_init says. It does not change the buffer.
func (m *EBM) Sample(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return m.Langevin(m.starts(n, m.opts.SampleInit, rngs), m.opts.SampleSteps, rngs)
}

// starts returns n chain starts from the buffer or from noise.
func (m *EBM) starts(n int, init string, rngs *tensor.Rngs) *tensor.Tensor {
	s := rngs.Stream("buffer")
	if init == FromNoise {
		return m.Buffer.Noise(n, s)
	}
	return m.Buffer.Stored(n, s)
}

// SampleImages implements models.ImageSampler: Sample mapped from the
// data range to [0, 1]; vectors become one-row images.
func (m *EBM) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	x := m.Sample(n, rngs)
	lo, hi := float32(m.opts.Langevin.Min), float32(m.opts.Langevin.Max)
	out := make([]float32, x.Size())
	for i, v := range x.Data() {
		out[i] = min(max((v-lo)/(hi-lo), 0), 1)
	}
	if len(m.shape) == 3 {
		return tensor.FromSlice(out, x.Shape()...)
	}
	return tensor.FromSlice(out, n, 1, 1, prod(m.shape))
}

// TrainLoss implements models.Trainable with the configured objective.
//
// Contrastive divergence: n chains start from the replay buffer, run
// mcmc_steps Langevin steps under the current energy (parameters frozen)
// and are pushed back; the loss is
//
//	mean E(x⁺) − mean E(x⁻) + α·(mean E(x⁺)² + mean E(x⁻)²)
//
// whose gradient lowers the energy of the data x⁺ and raises that of the
// samples x⁻, while the regulariser keeps energies near zero. Logs:
// energy_data, energy_sample, energy_gap (= energy_sample − energy_data),
// regularization, fresh_chains (fraction started from noise).
//
// Denoising score matching: x̃ = x + σε and the loss is
// σ²/2 · mean‖s_θ(x̃) + ε/σ‖² with s_θ = −∇ₓE_θ, the Fisher divergence to
// the σ-smoothed data (Vincent 2011), weighted by σ² as in Song & Ermon
// (2019) so its scale does not depend on σ. Logs: dsm, energy_data.
func (m *EBM) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x := m.layout(batch.Images)
	if m.opts.Objective == DenoisingScoreMatching {
		return m.dsmLoss(x, rngs)
	}
	return m.cdLoss(x, rngs)
}

func (m *EBM) cdLoss(x *tensor.Tensor, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	n := x.Dim(0)
	x0, fresh := m.Buffer.Draw(n, rngs.Stream("buffer"))
	neg := m.Langevin(x0, -1, rngs)
	m.Buffer.Push(neg)
	e := m.Net.Forward(tensor.Concat(0, x, neg))
	ePos, eNeg := tensor.Slice(e, 0, 0, n, 1), tensor.Slice(e, 0, n, 2*n, 1)
	mPos, mNeg := tensor.Mean(ePos), tensor.Mean(eNeg)
	reg := tensor.Add(tensor.Mean(tensor.Square(ePos)), tensor.Mean(tensor.Square(eNeg)))
	loss := tensor.Add(tensor.Sub(mPos, mNeg), tensor.Scale(reg, float32(m.opts.Alpha)))
	ep, en := float64(mPos.Item()), float64(mNeg.Item())
	return loss, map[string]float64{
		"energy_data": ep, "energy_sample": en, "energy_gap": en - ep,
		"regularization": float64(reg.Item()), "fresh_chains": float64(fresh) / float64(n),
	}
}

func (m *EBM) dsmLoss(x *tensor.Tensor, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	sigma := float32(m.opts.DSMSigma)
	eps := rngs.Stream("noise").Normal(x.Shape()...)
	noisy := tensor.Add(x, tensor.Scale(eps, sigma)).Detach().SetRequiresGrad(true)
	s := m.score(noisy, true)
	diff := tensor.Add(s, tensor.Scale(eps, 1/sigma))
	axes := make([]int, len(m.shape))
	for i := range axes {
		axes[i] = i + 1
	}
	loss := tensor.Scale(tensor.Mean(tensor.SumAxes(tensor.Square(diff), axes, false)), sigma*sigma/2)
	var eData float32
	tensor.NoGrad(func() { eData = tensor.Mean(m.Net.Forward(x)).Item() })
	return loss, map[string]float64{"dsm": float64(loss.Item()), "energy_data": float64(eData)}
}
