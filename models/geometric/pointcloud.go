package geometric

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Reconstruction losses of point sets.
const (
	LossChamfer = "chamfer"
	LossEMD     = "emd" // Sinkhorn approximation of the earth mover's distance
)

// PointNet is a permutation-invariant set encoder (Qi et al. 2017): a
// shared per-point MLP followed by a max over points.
type PointNet struct {
	Point *nn.MLP
}

// NewPointNet returns a PointNet through sizes (input dimension first);
// its output has the last size.
func NewPointNet(rngs *nn.Rngs, sizes []int) (*PointNet, error) {
	m, err := nn.NewMLP(rngs, sizes, "relu")
	if err != nil {
		return nil, err
	}
	return &PointNet{Point: m}, nil
}

// Forward maps points [B, N, D] to set features [B, F]; the order of the
// points does not matter.
func (p *PointNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.MaxAxes(tensor.ReLU(p.Point.Forward(x)), []int{1}, false)
}

// PointCloudConfig configures a PointCloudModel.
type PointCloudConfig struct {
	Model         config.ModelConfiguration
	Points        int   // points per cloud
	Encoder       []int // widths of the per-point MLP
	Decoder       []int // hidden widths of the set decoder
	Latent        int
	Loss          string  // chamfer or emd
	KLWeight      float64 // weight of the KL term per cloud
	SinkhornEps   float64
	SinkhornIters int
	Activation    string
}

// PointCloudModel is a variational autoencoder of point clouds: a
// PointNet encoder gives a Gaussian posterior over a latent code, and a
// set decoder (an MLP, as in Achlioptas et al. 2018) maps a code to a
// fixed number of points. Reconstruction is measured by the Chamfer
// distance or the Sinkhorn earth mover's distance, both indifferent to
// the order of the points, and the KL term makes the prior a generator:
// Sample decodes codes drawn from N(0, I).
type PointCloudModel struct {
	Encoder      *PointNet
	Mean, LogVar *nn.Linear
	Decoder      *nn.MLP
	c            PointCloudConfig
}

// NewPointCloudModel builds a PointCloudModel.
func NewPointCloudModel(c PointCloudConfig, rngs *nn.Rngs) (*PointCloudModel, error) {
	if c.Points <= 0 || c.Latent <= 0 || len(c.Encoder) == 0 {
		return nil, fmt.Errorf("geometric: PointCloudModel needs points > 0, latent > 0 and encoder widths; got points %d, latent %d, encoder %v", c.Points, c.Latent, c.Encoder)
	}
	if c.Loss != LossChamfer && c.Loss != LossEMD {
		return nil, fmt.Errorf("geometric: unknown point-set loss %q; available: chamfer, emd", c.Loss)
	}
	enc, err := NewPointNet(rngs, append([]int{3}, c.Encoder...))
	if err != nil {
		return nil, err
	}
	dec, err := nn.NewMLP(rngs, append(append([]int{c.Latent}, c.Decoder...), 3*c.Points), c.Activation)
	if err != nil {
		return nil, err
	}
	f := c.Encoder[len(c.Encoder)-1]
	return &PointCloudModel{Encoder: enc, Mean: nn.NewLinear(rngs, f, c.Latent), LogVar: nn.NewLinear(rngs, f, c.Latent), Decoder: dec, c: c}, nil
}

// Config implements models.Model.
func (m *PointCloudModel) Config() config.ModelConfiguration { return m.c.Model.Clone() }

// Settings returns the model's configuration.
func (m *PointCloudModel) Settings() PointCloudConfig { return m.c }

// Encode returns the posterior mean and log-variance [B, Latent] of
// clouds [B, N, 3] (any N).
func (m *PointCloudModel) Encode(x *tensor.Tensor) (mu, logvar *tensor.Tensor) {
	f := m.Encoder.Forward(x)
	return m.Mean.Forward(f), m.LogVar.Forward(f)
}

// Decode maps codes [B, Latent] to clouds [B, Points, 3].
func (m *PointCloudModel) Decode(z *tensor.Tensor) *tensor.Tensor {
	return tensor.Reshape(m.Decoder.Forward(z), z.Dim(0), m.c.Points, 3)
}

// SetLoss returns the configured reconstruction loss between clouds.
func (m *PointCloudModel) SetLoss(x, y *tensor.Tensor) *tensor.Tensor {
	if m.c.Loss == LossEMD {
		return SinkhornLoss(x, y, m.c.SinkhornEps, m.c.SinkhornIters)
	}
	return ChamferLoss(x, y)
}

// clouds returns a batch's examples as [B, N, 3].
func clouds(x *tensor.Tensor) (*tensor.Tensor, error) {
	if x.Dim(x.NDim()-1) != 3 || x.NDim() < 3 {
		return nil, fmt.Errorf("geometric: batch of shape %v does not hold point clouds [..., N, 3]", x.Shape())
	}
	n := x.Dim(x.NDim() - 2)
	return tensor.Reshape(x, x.Size()/(3*n), n, 3), nil
}

// TrainLoss implements models.Trainable: reconstruction + kl_weight·KL,
// with the KL in nats per cloud.
func (m *PointCloudModel) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x, err := clouds(batch.Images)
	if err != nil {
		panic(err)
	}
	mu, logvar := m.Encode(x)
	eps := rngs.Stream("latent").Normal(mu.Shape()...)
	z := tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logvar, 0.5)), eps))
	rec := m.SetLoss(m.Decode(z), x)
	kl := tensor.Scale(tensor.Sum(tensor.KLStandardNormal(mu, logvar)), 1/float32(x.Dim(0)))
	loss := tensor.Add(rec, tensor.Scale(kl, float32(m.c.KLWeight)))
	return loss, map[string]float64{"loss": float64(loss.Item()), m.c.Loss: float64(rec.Item()), "kl": float64(kl.Item())}
}

// Reconstruct returns the decoded posterior means of clouds [B, N, 3].
func (m *PointCloudModel) Reconstruct(x *tensor.Tensor) *tensor.Tensor {
	var out *tensor.Tensor
	tensor.NoGrad(func() {
		mu, _ := m.Encode(x)
		out = m.Decode(mu)
	})
	return out
}

// Sample draws n point clouds [n, Points, 3] from the prior.
func (m *PointCloudModel) Sample(n int, rngs *tensor.Rngs) *tensor.Tensor {
	var out *tensor.Tensor
	tensor.NoGrad(func() { out = m.Decode(rngs.Sample().Normal(n, m.c.Latent)) })
	return out
}

// Evaluate implements models.Evaluator on the test clouds:
//
//   - reconstruction_chamfer: the reconstruction term of the training loss,
//     the Chamfer distance of clouds decoded from latents drawn from the
//     posterior (z = μ + σ·ε, ε from the "latent" stream of rngs, as in
//     TrainLoss), averaged over the clouds; the number to compare with the
//     chamfer the trainer logs;
//   - reconstruction_chamfer_mean: the same for the posterior means μ,
//     which can be much worse when the posterior is close to the prior
//     (the decoder then never sees codes as short as μ while training);
//   - kl: the KL term in nats per cloud;
//   - coverage_chamfer and mmd_chamfer: for as many prior samples as test
//     clouds, coverage and minimum matching distance under Chamfer.
func (m *PointCloudModel) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	x, err := clouds(test.Images())
	if err != nil {
		return nil, err
	}
	n := x.Dim(1)
	refs := PointsOf(x.Data(), n)
	var drawn, means *tensor.Tensor
	var kl float64
	tensor.NoGrad(func() {
		mu, logvar := m.Encode(x)
		eps := rngs.Stream("latent").Normal(mu.Shape()...)
		drawn = m.Decode(tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logvar, 0.5)), eps)))
		means = m.Decode(mu)
		kl = float64(tensor.Sum(tensor.KLStandardNormal(mu, logvar)).Item()) / float64(len(refs))
	})
	meanChamfer := func(recs [][]Point) float64 {
		sum := 0.0
		for i := range refs {
			sum += Chamfer(recs[i], refs[i])
		}
		return sum / float64(len(refs))
	}
	samples := PointsOf(m.Sample(len(refs), rngs).Data(), m.c.Points)
	return map[string]float64{
		"reconstruction_chamfer":      meanChamfer(PointsOf(drawn.Data(), m.c.Points)),
		"reconstruction_chamfer_mean": meanChamfer(PointsOf(means.Data(), m.c.Points)),
		"kl":                          kl,
		"coverage_chamfer":            Coverage(samples, refs, Chamfer),
		"mmd_chamfer":                 MinimumMatchingDistance(samples, refs, Chamfer),
	}, nil
}
