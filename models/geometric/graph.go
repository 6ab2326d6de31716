package geometric

import (
	"fmt"
	"math"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// GraphConfig configures a GraphModel.
type GraphConfig struct {
	Model    config.ModelConfiguration
	Nodes    int // nodes per graph
	Coords   int // coordinate dimensions (3 for space)
	Features int // diffused node features per node (0 for coordinates only)
	Hidden   int
	Layers   int
	Steps    int    // diffusion steps
	Schedule string // beta schedule of models/diffusion: linear, cosine ...
	// IndexEmbedding, when positive, gives every node a sinusoidal
	// embedding of its index of this width, for ordered graphs such as a
	// protein chain (residue-index conditioning); zero keeps the model
	// equivariant to permutations of the nodes.
	IndexEmbedding int
	// ClipRadius, when positive, bounds the sampler's estimate of the
	// clean graph: every node's coordinates lie within this distance of
	// the centre of mass (longer ones are shortened along their
	// direction, which keeps the sampler equivariant) and features within
	// [−ClipRadius, ClipRadius]. The estimate is (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t;
	// the cosine schedule's last ᾱ is about 1e-8 (β capped at 0.999), so
	// without the bound the first step multiplies the noise prediction's
	// error ten-thousandfold and the coordinates leave the data's scale.
	ClipRadius float64
}

// GraphModel is an E(n)-equivariant diffusion model over graphs
// (Hoogeboom et al. 2022): node coordinates, kept at zero centre of mass,
// and node features are noised together, and an EGNN predicts the noise
// of both, the coordinate noise as its equivariant coordinate update.
// Examples are [N, Coords+Features] rows of node values (the data layout
// of a batch [B, 1, N, Coords+Features]).
type GraphModel struct {
	Net   *EGNN
	c     GraphConfig
	sched *diffusion.Schedule
}

// NewGraphModel builds a GraphModel.
func NewGraphModel(c GraphConfig, rngs *nn.Rngs) (*GraphModel, error) {
	if c.Nodes < 2 || c.Coords < 1 || c.Features < 0 || c.IndexEmbedding < 0 || c.IndexEmbedding%2 != 0 {
		return nil, fmt.Errorf("geometric: GraphModel needs at least 2 nodes, 1 coordinate, features ≥ 0 and an even index embedding ≥ 0; got nodes %d, coords %d, features %d, index embedding %d",
			c.Nodes, c.Coords, c.Features, c.IndexEmbedding)
	}
	if !(c.ClipRadius >= 0) || math.IsInf(c.ClipRadius, 0) {
		return nil, fmt.Errorf("geometric: GraphModel clip radius must be a finite number ≥ 0 (0 turns clipping off), got %g", c.ClipRadius)
	}
	sched, err := diffusion.NewSchedule(c.Schedule, c.Steps, 1e-4, 0.02)
	if err != nil {
		return nil, fmt.Errorf("geometric: %w", err)
	}
	net, err := NewEGNN(rngs, c.Features+2+c.IndexEmbedding, c.Hidden, max(c.Features, 1), c.Layers)
	if err != nil {
		return nil, err
	}
	return &GraphModel{Net: net, c: c, sched: sched}, nil
}

// Config implements models.Model.
func (g *GraphModel) Config() config.ModelConfiguration { return g.c.Model.Clone() }

// Settings returns the model's configuration.
func (g *GraphModel) Settings() GraphConfig { return g.c }

// RemoveMean returns x [B, N, D] minus its mean over nodes.
func RemoveMean(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Sub(x, tensor.MeanAxes(x, []int{1}, true))
}

// split returns coordinates [B, N, Coords] and features [B, N, Features]
// (nil when none) of a batch of examples.
func (g *GraphModel) split(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor, error) {
	width := g.c.Coords + g.c.Features
	if x.Size()%(g.c.Nodes*width) != 0 || x.Dim(x.NDim()-1) != width {
		return nil, nil, fmt.Errorf("geometric: batch of shape %v does not hold graphs of %d nodes × %d values", x.Shape(), g.c.Nodes, width)
	}
	x = tensor.Reshape(x, x.Size()/(g.c.Nodes*width), g.c.Nodes, width)
	if g.c.Features == 0 {
		return x, nil, nil
	}
	return tensor.Narrow(x, 2, 0, g.c.Coords), tensor.Narrow(x, 2, g.c.Coords, g.c.Features), nil
}

// nodeInput is the network's node input: the noisy features, the time,
// a constant and the index embedding.
func (g *GraphModel) nodeInput(h *tensor.Tensor, t []int, b int) *tensor.Tensor {
	n := g.c.Nodes
	tf := make([]float32, b*n*2)
	for i := range b {
		for j := range n {
			tf[(i*n+j)*2] = float32(t[i]) / float32(g.sched.Len())
			tf[(i*n+j)*2+1] = 1
		}
	}
	parts := []*tensor.Tensor{}
	if h != nil {
		parts = append(parts, h)
	}
	parts = append(parts, tensor.FromSlice(tf, b, n, 2))
	if g.c.IndexEmbedding > 0 {
		pos := make([]float32, n)
		for j := range pos {
			pos[j] = float32(j)
		}
		e := tensor.Reshape(nn.SinusoidalEmbedding(pos, g.c.IndexEmbedding), 1, n, g.c.IndexEmbedding)
		parts = append(parts, tensor.Expand(e, []int{b, n, g.c.IndexEmbedding}))
	}
	return tensor.Concat(2, parts...)
}

// coef returns a [B, 1, 1] tensor of f(t_i).
func coef(t []int, f func(int) float64) *tensor.Tensor {
	v := make([]float32, len(t))
	for i, ti := range t {
		v[i] = float32(f(ti))
	}
	return tensor.FromSlice(v, len(t), 1, 1)
}

// PredictNoise returns the predicted noise of the coordinates (with zero
// mean) and of the features (nil when none) of noisy graphs at timesteps t.
func (g *GraphModel) PredictNoise(xt, ht *tensor.Tensor, t []int) (*tensor.Tensor, *tensor.Tensor) {
	hOut, xOut := g.Net.Forward(g.nodeInput(ht, t, xt.Dim(0)), xt, nil)
	epsX := RemoveMean(tensor.Sub(xOut, xt))
	if ht == nil {
		return epsX, nil
	}
	return epsX, hOut
}

// Denoise draws a timestep and noise per graph of x0 [B, N,
// Coords+Features] (coordinates are centred first), and returns the
// noise-prediction loss (mean squared error over all values) and the
// model's estimate of the clean graphs, which keeps its gradient.
func (g *GraphModel) Denoise(x0 *tensor.Tensor, rngs *tensor.Rngs) (loss, clean *tensor.Tensor, err error) {
	s := rngs.Stream("noise")
	b := x0.Size() / (g.c.Nodes * (g.c.Coords + g.c.Features))
	t := make([]int, b)
	for i := range t {
		t[i] = s.Intn(g.sched.Len())
	}
	return g.denoiseAt(x0, t, s)
}

// DenoiseAt is Denoise with every graph noised to timestep t (noise from
// the "noise" stream of rngs): a modality measures the clean estimate at
// low noise levels, where it is sharp.
func (g *GraphModel) DenoiseAt(x0 *tensor.Tensor, t int, rngs *tensor.Rngs) (loss, clean *tensor.Tensor, err error) {
	if t < 0 || t >= g.sched.Len() {
		return nil, nil, fmt.Errorf("geometric: timestep %d outside [0, %d)", t, g.sched.Len())
	}
	ts := make([]int, x0.Size()/(g.c.Nodes*(g.c.Coords+g.c.Features)))
	for i := range ts {
		ts[i] = t
	}
	return g.denoiseAt(x0, ts, rngs.Stream("noise"))
}

// Timesteps returns the number of diffusion steps T.
func (g *GraphModel) Timesteps() int { return g.sched.Len() }

func (g *GraphModel) denoiseAt(x0 *tensor.Tensor, t []int, s *tensor.Stream) (loss, clean *tensor.Tensor, err error) {
	c0, h0, err := g.split(x0)
	if err != nil {
		return nil, nil, err
	}
	c0 = RemoveMean(c0)
	ab := g.sched.AlphasCumprod
	sa := coef(t, func(i int) float64 { return math.Sqrt(ab[i]) })
	sn := coef(t, func(i int) float64 { return math.Sqrt(1 - ab[i]) })
	epsX := RemoveMean(s.Normal(c0.Shape()...))
	xt := tensor.Add(tensor.Mul(sa, c0), tensor.Mul(sn, epsX))
	var ht, epsH *tensor.Tensor
	if h0 != nil {
		epsH = s.Normal(h0.Shape()...)
		ht = tensor.Add(tensor.Mul(sa, h0), tensor.Mul(sn, epsH))
	}
	px, ph := g.PredictNoise(xt, ht, t)
	loss = tensor.Sum(tensor.Square(tensor.Sub(px, epsX)))
	cleanX := tensor.Div(tensor.Sub(xt, tensor.Mul(sn, px)), sa)
	clean = cleanX
	if h0 != nil {
		loss = tensor.Add(loss, tensor.Sum(tensor.Square(tensor.Sub(ph, epsH))))
		clean = tensor.Concat(2, cleanX, tensor.Div(tensor.Sub(ht, tensor.Mul(sn, ph)), sa))
	}
	return tensor.Scale(loss, 1/float32(x0.Size())), clean, nil
}

// TrainLoss implements models.Trainable.
func (g *GraphModel) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	loss, _, err := g.Denoise(batch.Images, rngs)
	if err != nil {
		panic(err)
	}
	return loss, map[string]float64{"loss": float64(loss.Item())}
}

// Sample draws n graphs [n, N, Coords+Features] with the ancestral
// sampler, coordinates centred, from the "sample" stream of rngs. Each
// step's clean estimate is bounded by ClipRadius when it is positive.
func (g *GraphModel) Sample(n int, rngs *tensor.Rngs) *tensor.Tensor {
	s := rngs.Sample()
	nodes := g.c.Nodes
	var out *tensor.Tensor
	tensor.NoGrad(func() {
		x := RemoveMean(s.Normal(n, nodes, g.c.Coords))
		var h *tensor.Tensor
		if g.c.Features > 0 {
			h = s.Normal(n, nodes, g.c.Features)
		}
		sc := g.sched
		for i := sc.Len() - 1; i >= 0; i-- {
			t := make([]int, n)
			for k := range t {
				t[k] = i
			}
			px, ph := g.PredictNoise(x, h, t)
			step := func(z, eps *tensor.Tensor, center bool) *tensor.Tensor {
				x0 := tensor.Scale(tensor.Sub(z, tensor.Scale(eps, float32(math.Sqrt(1-sc.AlphasCumprod[i])))), float32(1/math.Sqrt(sc.AlphasCumprod[i])))
				if g.c.ClipRadius > 0 {
					if center {
						x0 = ClipNorms(x0, g.c.ClipRadius)
					} else {
						x0 = tensor.Clamp(x0, float32(-g.c.ClipRadius), float32(g.c.ClipRadius))
					}
				}
				mean := tensor.Add(tensor.Scale(x0, float32(sc.PosteriorMeanCoef1[i])), tensor.Scale(z, float32(sc.PosteriorMeanCoef2[i])))
				if i == 0 {
					return mean
				}
				noise := s.Normal(z.Shape()...)
				if center {
					noise = RemoveMean(noise)
				}
				return tensor.Add(mean, tensor.Scale(noise, float32(math.Exp(0.5*sc.PosteriorLogVarianceClipped[i]))))
			}
			x = step(x, px, true)
			if h != nil {
				h = step(h, ph, false)
			}
		}
		out = x
		if h != nil {
			out = tensor.Concat(2, x, h)
		}
	})
	return out
}

// ClipNorms returns centred coordinates x [B, N, D] with every node
// farther than r from its graph's centre of mass moved along its
// direction to distance r, then centred again. Rotations and reflections
// commute with it, so an equivariant sampler stays equivariant. It has no
// gradient.
func ClipNorms(x *tensor.Tensor, r float64) *tensor.Tensor {
	x = RemoveMean(x)
	d := x.Dim(x.NDim() - 1)
	v := slices.Clone(x.Data())
	for k := 0; k < len(v); k += d {
		n := 0.0
		for _, c := range v[k : k+d] {
			n += float64(c) * float64(c)
		}
		if n = math.Sqrt(n); n > r {
			f := float32(r / n)
			for j := k; j < k+d; j++ {
				v[j] *= f
			}
		}
	}
	return RemoveMean(tensor.FromSlice(v, x.Shape()...))
}
