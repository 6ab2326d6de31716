package gan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Domain B of a CycleGAN trained from one data set: the unpaired second
// domain is made from the first by a fixed image transformation, so the
// translation the model should find is known and can be measured.
const (
	// DomainInverted is colour inversion, 1 - x.
	DomainInverted = "inverted"
	// DomainRotated is a rotation by 90° anticlockwise (square images).
	DomainRotated = "rotated"
)

// CycleOptions are the settings of a CycleGAN (Zhu et al. 2017), read by
// the factory's gan builder for class CycleGAN.
type CycleOptions struct {
	// Config is the effective configuration the model reports.
	Config config.ModelConfiguration
	// ImageShape is [H, W, C] of both domains (input_dim).
	ImageShape [3]int
	// Filters is the generators' first convolution width (hidden_dims[0]);
	// the down-sampled residual stage has twice as many channels.
	Filters int
	// ResidualBlocks is the number of residual blocks of each generator.
	ResidualBlocks int
	// Adversarial holds the objective (least squares in the paper), the
	// optimizers and the PatchGAN's stride-2 convolution channels, which a
	// 3×3 convolution to one channel follows, giving a map of logits.
	Adversarial
	// CycleWeight is λ of the cycle-consistency L1 losses.
	CycleWeight float64
	// IdentityWeight is the identity L1 losses' weight relative to
	// CycleWeight (0.5 in the paper for photo↔painting): G_AB(b) ≈ b,
	// G_BA(a) ≈ a. It works against the inverted and rotated domains.
	IdentityWeight float64
	// DomainB is how the second domain is made from the batch's images:
	// DomainInverted or DomainRotated.
	DomainB string
}

func (o *CycleOptions) validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	h, w, c := o.ImageShape[0], o.ImageShape[1], o.ImageShape[2]
	if h <= 0 || w <= 0 || (c != 1 && c != 3) {
		bad("input_dim must be the image shape [H, W, C] with C 1 or 3, got %v", o.ImageShape)
	} else if h%2 != 0 || w%2 != 0 {
		bad("the generators halve and double the image, so its height and width must be even, got %dx%d", h, w)
	}
	if o.Filters <= 0 || o.ResidualBlocks < 0 {
		bad("hidden_dims[0] (generator filters) must be > 0 and residual_blocks >= 0, got %d and %d", o.Filters, o.ResidualBlocks)
	}
	errs = append(errs, o.Adversarial.problems()...)
	for _, d := range o.DiscriminatorDims {
		h, w = convOut(h), convOut(w)
		if d <= 0 || h < 1 || w < 1 {
			bad("discriminator_features %v: sizes must be > 0 and not halve a %dx%d image away", o.DiscriminatorDims, o.ImageShape[0], o.ImageShape[1])
			break
		}
	}
	if !(o.CycleWeight >= 0) || !(o.IdentityWeight >= 0) {
		bad("cycle_weight and identity_weight must be >= 0, got %g and %g", o.CycleWeight, o.IdentityWeight)
	}
	switch o.DomainB {
	case DomainInverted:
	case DomainRotated:
		if o.ImageShape[0] != o.ImageShape[1] {
			bad("domain_b %q needs square images, got %dx%d", o.DomainB, o.ImageShape[0], o.ImageShape[1])
		}
	default:
		bad("domain_b must be %s or %s, got %q", DomainInverted, DomainRotated, o.DomainB)
	}
	if len(errs) > 0 {
		return fmt.Errorf("gan: CycleGAN: %s", strings.Join(errs, "; "))
	}
	return nil
}

// ResidualBlock is x + IN(conv(ReLU(IN(conv(x))))) with 3×3 convolutions.
type ResidualBlock struct {
	Conv1, Conv2 *nn.Conv2d
	Norm1, Norm2 *nn.InstanceNorm
}

// Forward applies the block.
func (r *ResidualBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.ReLU(r.Norm1.Forward(r.Conv1.Forward(x)))
	return tensor.Add(x, r.Norm2.Forward(r.Conv2.Forward(h)))
}

// Translator is a CycleGAN generator: a 3×3 convolution, a 4×4 stride-2
// down-sampling convolution, residual blocks, a 4×4 stride-2 transposed
// convolution back to full size and a 3×3 convolution to the image
// channels with tanh; instance norm and ReLU between.
type Translator struct {
	In, Down *nn.Conv2d
	Blocks   []*ResidualBlock
	Up       *nn.ConvTranspose2d
	Out      *nn.Conv2d
	Norms    []*nn.InstanceNorm // after In, Down and Up
}

func newTranslator(rngs *nn.Rngs, c, f, blocks int) *Translator {
	t := &Translator{
		In: nn.NewConv2d(rngs, c, f, 3, 1, 1), Down: nn.NewConv2d(rngs, f, 2*f, 4, 2, 1),
		Up: nn.NewConvTranspose2d(rngs, 2*f, f, 4, 2, 1, 0), Out: nn.NewConv2d(rngs, f, c, 3, 1, 1),
		Norms: []*nn.InstanceNorm{nn.NewInstanceNorm(f, true), nn.NewInstanceNorm(2*f, true), nn.NewInstanceNorm(f, true)},
	}
	for range blocks {
		t.Blocks = append(t.Blocks, &ResidualBlock{
			Conv1: nn.NewConv2d(rngs, 2*f, 2*f, 3, 1, 1), Conv2: nn.NewConv2d(rngs, 2*f, 2*f, 3, 1, 1),
			Norm1: nn.NewInstanceNorm(2*f, true), Norm2: nn.NewInstanceNorm(2*f, true),
		})
	}
	return t
}

// Forward translates images [N, C, H, W] in [-1, 1].
func (t *Translator) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.ReLU(t.Norms[0].Forward(t.In.Forward(x)))
	h = tensor.ReLU(t.Norms[1].Forward(t.Down.Forward(h)))
	for _, b := range t.Blocks {
		h = b.Forward(h)
	}
	h = tensor.ReLU(t.Norms[2].Forward(t.Up.Forward(h)))
	return tensor.Tanh(t.Out.Forward(h))
}

// PatchDiscriminator is the PatchGAN discriminator (Isola et al. 2017):
// 4×4 stride-2 convolutions with LeakyReLU (instance norm after all but
// the first), then a 3×3 convolution to one logit per image patch.
type PatchDiscriminator struct {
	Convs []*nn.Conv2d
	Norms []*nn.InstanceNorm // Norms[0] is nil
	Out   *nn.Conv2d
	slope float32
}

func newPatchDiscriminator(rngs *nn.Rngs, c int, dims []int, slope float64) *PatchDiscriminator {
	d := &PatchDiscriminator{slope: float32(slope)}
	for i, f := range dims {
		d.Convs = append(d.Convs, nn.NewConv2d(rngs, c, f, 4, 2, 1))
		var in *nn.InstanceNorm
		if i > 0 {
			in = nn.NewInstanceNorm(f, true)
		}
		d.Norms = append(d.Norms, in)
		c = f
	}
	d.Out = nn.NewConv2d(rngs, c, 1, 3, 1, 1)
	return d
}

// Forward returns the patch logits [N, 1, h, w] of images x.
func (d *PatchDiscriminator) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := x
	for i, c := range d.Convs {
		h = c.Forward(h)
		if d.Norms[i] != nil {
			h = d.Norms[i].Forward(h)
		}
		h = tensor.LeakyReLU(h, d.slope)
	}
	return d.Out.Forward(h)
}

// CycleGAN translates between two unpaired image domains A and B with two
// generators (AToB, BToA) and two PatchGAN discriminators, trained with
// adversarial, cycle-consistency and identity losses.
type CycleGAN struct {
	AToB, BToA *Translator
	DA, DB     *PatchDiscriminator
	opts       CycleOptions
	gOpt, dOpt *optim.Adam
}

// NewCycleGAN builds a CycleGAN from opts with parameters from rngs.
func NewCycleGAN(opts CycleOptions, rngs *nn.Rngs) (*CycleGAN, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	c := opts.ImageShape[2]
	m := &CycleGAN{
		AToB: newTranslator(rngs, c, opts.Filters, opts.ResidualBlocks),
		BToA: newTranslator(rngs, c, opts.Filters, opts.ResidualBlocks),
		DA:   newPatchDiscriminator(rngs, c, opts.DiscriminatorDims, opts.LeakySlope),
		DB:   newPatchDiscriminator(rngs, c, opts.DiscriminatorDims, opts.LeakySlope),
		opts: opts,
	}
	for _, part := range []nn.Module{m.AToB, m.BToA, m.DA, m.DB} {
		initDCGAN(part, rngs.Params())
	}
	gens := nn.Parameters(struct{ AToB, BToA *Translator }{m.AToB, m.BToA})
	discs := nn.Parameters(struct{ DA, DB *PatchDiscriminator }{m.DA, m.DB})
	var err error
	if m.gOpt, m.dOpt, err = opts.optimizers(gens, discs); err != nil {
		return nil, err
	}
	return m, nil
}

// Config returns the effective configuration.
func (m *CycleGAN) Config() config.ModelConfiguration { return m.opts.Config }

// Options returns the settings the CycleGAN was built with.
func (m *CycleGAN) Options() CycleOptions { return m.opts }

// Optimizers returns the generators' and the discriminators' optimizers.
func (m *CycleGAN) Optimizers() map[string]optim.Optimizer {
	return map[string]optim.Optimizer{"generator": m.gOpt, "discriminator": m.dOpt}
}

// Loss always fails with ErrNoSingleLoss.
func (m *CycleGAN) Loss(data.Batch, *tensor.Rngs) (*tensor.Tensor, error) {
	return nil, ErrNoSingleLoss
}

// ToDomainB applies the domain-B transformation to images in [0, 1].
func (m *CycleGAN) ToDomainB(x *tensor.Tensor) (*tensor.Tensor, error) {
	return m.inUnitRange(x, m.domainB)
}

// FromDomainB undoes the domain-B transformation of images in [0, 1]:
// FromDomainB(ToDomainB(x)) = x.
func (m *CycleGAN) FromDomainB(x *tensor.Tensor) (*tensor.Tensor, error) {
	return m.inUnitRange(x, m.fromDomainB)
}

// inUnitRange applies f, a map of signed images, to images in [0, 1].
func (m *CycleGAN) inUnitRange(x *tensor.Tensor, f func(*tensor.Tensor) *tensor.Tensor) (*tensor.Tensor, error) {
	s, err := m.signed(x)
	if err != nil {
		return nil, err
	}
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = toUnitRange(f(s), "tanh") })
	return y, nil
}

// domainB maps signed images of domain A to domain B.
func (m *CycleGAN) domainB(x *tensor.Tensor) *tensor.Tensor {
	if m.opts.DomainB == DomainRotated {
		return tensor.Flip(tensor.Transpose(x, 2, 3), 2)
	}
	return tensor.Neg(x)
}

// fromDomainB maps signed images of domain B back to domain A.
func (m *CycleGAN) fromDomainB(x *tensor.Tensor) *tensor.Tensor {
	if m.opts.DomainB == DomainRotated {
		return tensor.Transpose(tensor.Flip(x, 2), 2, 3)
	}
	return tensor.Neg(x)
}

func toSigned(x *tensor.Tensor) *tensor.Tensor { return tensor.AddScalar(tensor.Scale(x, 2), -1) }

func (m *CycleGAN) signed(x *tensor.Tensor) (*tensor.Tensor, error) {
	h, w, c := m.opts.ImageShape[0], m.opts.ImageShape[1], m.opts.ImageShape[2]
	return toModelRange(x, [3]int{c, h, w}, "tanh")
}

// Translate maps images in [0, 1] from domain A to B (toB) or from B to A,
// returning images in [0, 1]; the generators run without recording.
func (m *CycleGAN) Translate(x *tensor.Tensor, toB bool) (*tensor.Tensor, error) {
	s, err := m.signed(x)
	if err != nil {
		return nil, err
	}
	g := m.BToA
	if toB {
		g = m.AToB
	}
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = g.Forward(s) })
	return toUnitRange(y, "tanh"), nil
}

// TrainStep trains on a batch of domain-A images [N, C, H, W] in [0, 1]
// (N >= 2): domain B is the same batch rolled by N/2, so that no image
// meets its own counterpart, and transformed by DomainB. It performs one
// update of both generators, then one of both discriminators. Logs:
// g_loss (total), g_adv, cycle, identity, d_loss, and translation_error,
// the mean absolute error of A→B against the true transformation, in
// [0, 1] pixel units.
func (m *CycleGAN) TrainStep(b data.Batch, _ *tensor.Rngs) (map[string]float64, error) {
	a, err := m.signed(b.Images)
	if err != nil {
		return nil, err
	}
	n := a.Dim(0)
	if n < 2 {
		return nil, errors.New("gan: CycleGAN trains on batches of at least 2 images (domain B is the batch rolled by half)")
	}
	var bImgs, aTrue *tensor.Tensor
	tensor.NoGrad(func() {
		k := n / 2
		rolled := tensor.Concat(0, tensor.Narrow(a, 0, k, n-k), tensor.Narrow(a, 0, 0, k))
		bImgs = m.domainB(rolled)
		aTrue = m.domainB(a)
	})

	// Generators: fool both discriminators, close both cycles, leave
	// images already in the target domain unchanged.
	m.gOpt.ZeroGrad()
	dParams := m.dOpt.Params()
	setRequiresGrad(dParams, false)
	fakeB, fakeA := m.AToB.Forward(a), m.BToA.Forward(bImgs)
	advB, err := GeneratorLoss(m.opts.Loss, m.DB.Forward(fakeB))
	if err != nil {
		setRequiresGrad(dParams, true)
		return nil, err
	}
	advA, _ := GeneratorLoss(m.opts.Loss, m.DA.Forward(fakeA))
	adv := tensor.Add(advA, advB)
	cycle := tensor.Add(tensor.Mean(tensor.L1(m.BToA.Forward(fakeB), a)), tensor.Mean(tensor.L1(m.AToB.Forward(fakeA), bImgs)))
	gLoss := tensor.Add(adv, tensor.Scale(cycle, float32(m.opts.CycleWeight)))
	logs := map[string]float64{"g_adv": float64(adv.Item()), "cycle": float64(cycle.Item())}
	if w := m.opts.CycleWeight * m.opts.IdentityWeight; w > 0 {
		id := tensor.Add(tensor.Mean(tensor.L1(m.AToB.Forward(bImgs), bImgs)), tensor.Mean(tensor.L1(m.BToA.Forward(a), a)))
		gLoss = tensor.Add(gLoss, tensor.Scale(id, float32(w)))
		logs["identity"] = float64(id.Item())
	}
	gLoss.Backward()
	setRequiresGrad(dParams, true)
	m.gOpt.Step()
	logs["g_loss"] = float64(gLoss.Item())
	logs["translation_error"] = float64(tensor.Mean(tensor.L1(fakeB.Detach(), aTrue)).Item()) / 2

	// Discriminators: real images of their domain against translations.
	m.dOpt.ZeroGrad()
	dA, err := DiscriminatorLoss(m.opts.Loss, m.DA.Forward(a), m.DA.Forward(fakeA.Detach()), 0)
	if err != nil {
		return nil, err
	}
	dB, _ := DiscriminatorLoss(m.opts.Loss, m.DB.Forward(bImgs), m.DB.Forward(fakeB.Detach()), 0)
	dLoss := tensor.Add(dA, dB)
	dLoss.Backward()
	m.dOpt.Step()
	logs["d_loss"] = float64(dLoss.Item())
	return logs, nil
}
