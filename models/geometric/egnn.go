// Package geometric holds the generative models of geometric data: an
// E(n)-equivariant graph network (EGNN) and a diffusion model over graphs
// built on it (GraphModel), a permutation-invariant point-cloud VAE with
// Chamfer and Sinkhorn (approximate earth mover's) losses
// (PointCloudModel), template-mesh deformation (MeshModel), the geometric
// metrics that compare sets of shapes (Chamfer distance, EMD, coverage,
// minimum matching distance), analytic shape primitives to train on, and
// OBJ, OFF and PLY readers and writers.
package geometric

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// EGNNLayer is one layer of the E(n)-equivariant graph network of
// Satorras, Hoogeboom & Welling (2021) on a fully connected graph:
//
//	m_ij = φ_e(h_i, h_j, ‖x_i − x_j‖²)
//	x_i' = x_i + Σ_j (x_i − x_j)/(‖x_i − x_j‖ + 1) · φ_x(m_ij) / (n_i − 1)
//	h_i' = h_i + φ_h(h_i, Σ_j m_ij / (n_i − 1))
//
// Messages depend on coordinates only through squared distances, so
// features are invariant and coordinate updates equivariant under
// rotations, reflections and translations. The distance-normalised
// direction (as in E(n) diffusion models) keeps updates bounded.
type EGNNLayer struct {
	// φ_e's first layer on [h_i, h_j, d²], split so that the pairwise
	// tensor is formed after the products: Src(h_i) + Dst(h_j) + Dist(d²).
	Src, Dst, Dist *nn.Linear
	Edge           *nn.Linear // φ_e's second layer
	Coord1, Coord2 *nn.Linear // φ_x
	Node1, Node2   *nn.Linear // φ_h; nil when node features are not updated
}

// NewEGNNLayer returns a layer on features of width dim with messages of
// width hidden; updateNodes adds the node-feature update φ_h.
func NewEGNNLayer(rngs *nn.Rngs, dim, hidden int, updateNodes bool) *EGNNLayer {
	l := &EGNNLayer{
		Src:    nn.NewLinear(rngs, dim, hidden),
		Dst:    nn.NewLinearInit(rngs, dim, hidden, nn.KaimingUniform(1), false),
		Dist:   nn.NewLinearInit(rngs, 1, hidden, nn.KaimingUniform(1), false),
		Edge:   nn.NewLinear(rngs, hidden, hidden),
		Coord1: nn.NewLinear(rngs, hidden, hidden),
		// A small last layer starts the coordinate updates near zero, so a
		// deep stack begins close to the identity on coordinates.
		Coord2: nn.NewLinearInit(rngs, hidden, 1, nn.XavierUniform(0.001), false),
	}
	if updateNodes {
		l.Node1 = nn.NewLinear(rngs, dim+hidden, hidden)
		l.Node2 = nn.NewLinear(rngs, hidden, dim)
	}
	return l
}

// edgeMask returns [B, N, N, 1]: 1 for pairs of distinct present nodes,
// and the number of neighbours of every node [B, N, 1] (at least 1).
func edgeMask(mask *tensor.Tensor, b, n int) (em, count *tensor.Tensor) {
	eye := make([]float32, n*n)
	for i := range n {
		eye[i*n+i] = 1
	}
	off := tensor.AddScalar(tensor.Neg(tensor.FromSlice(eye, n, n)), 1)
	if mask == nil {
		em = tensor.Reshape(off, 1, n, n, 1)
		em = tensor.Expand(em, []int{b, n, n, 1})
	} else {
		mi := tensor.Reshape(mask, b, n, 1, 1)
		mj := tensor.Reshape(mask, b, 1, n, 1)
		em = tensor.Mul(tensor.Mul(mi, mj), tensor.Reshape(off, 1, n, n, 1))
	}
	count = tensor.Clamp(tensor.SumAxes(em, []int{2}, false), 1, float32(n))
	return em, count
}

// Forward maps node features h [B, N, dim] and coordinates x [B, N, D]
// (any D; 3 for space) to updated ones. mask [B, N] (1 for a present node)
// may be nil; absent nodes neither send nor receive messages.
func (l *EGNNLayer) Forward(h, x, mask *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	b, n := x.Dim(0), x.Dim(1)
	em, count := edgeMask(mask, b, n)
	diff := tensor.Sub(tensor.Unsqueeze(x, 2), tensor.Unsqueeze(x, 1)) // [B, N, N, D]
	d2 := tensor.SumAxes(tensor.Square(diff), []int{3}, true)
	e := tensor.Add(tensor.Add(tensor.Unsqueeze(l.Src.Forward(h), 2), tensor.Unsqueeze(l.Dst.Forward(h), 1)), l.Dist.Forward(d2))
	m := tensor.Mul(tensor.SiLU(l.Edge.Forward(tensor.SiLU(e))), em)
	w := l.Coord2.Forward(tensor.SiLU(l.Coord1.Forward(m)))
	dir := tensor.Div(diff, tensor.AddScalar(tensor.Sqrt(tensor.AddScalar(d2, 1e-8)), 1))
	upd := tensor.SumAxes(tensor.Mul(tensor.Mul(dir, w), em), []int{2}, false)
	x = tensor.Add(x, tensor.Div(upd, count))
	if l.Node1 != nil {
		agg := tensor.Div(tensor.SumAxes(m, []int{2}, false), count)
		dh := l.Node2.Forward(tensor.SiLU(l.Node1.Forward(tensor.Concat(2, h, agg))))
		if mask != nil {
			dh = tensor.Mul(dh, tensor.Unsqueeze(mask, 2))
		}
		h = tensor.Add(h, dh)
	}
	return h, x
}

// EGNN is a stack of EGNN layers between an input embedding of node
// features and an output head.
type EGNN struct {
	Embed  *nn.Linear
	Layers []*EGNNLayer
	Out    *nn.Linear
}

// NewEGNN returns an EGNN from in node features to out, with layers
// layers of width hidden that all update node features.
func NewEGNN(rngs *nn.Rngs, in, hidden, out, layers int) (*EGNN, error) {
	if in <= 0 || hidden <= 0 || out <= 0 || layers <= 0 {
		return nil, fmt.Errorf("geometric: EGNN sizes must be positive: in %d, hidden %d, out %d, layers %d", in, hidden, out, layers)
	}
	g := &EGNN{Embed: nn.NewLinear(rngs, in, hidden), Out: nn.NewLinear(rngs, hidden, out)}
	for range layers {
		g.Layers = append(g.Layers, NewEGNNLayer(rngs, hidden, hidden, true))
	}
	return g, nil
}

// Forward maps node features h [B, N, in] and coordinates x [B, N, D] to
// invariant features [B, N, out] and equivariant coordinates [B, N, D].
func (g *EGNN) Forward(h, x, mask *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	h = g.Embed.Forward(h)
	for _, l := range g.Layers {
		h, x = l.Forward(h, x, mask)
	}
	return g.Out.Forward(h), x
}
