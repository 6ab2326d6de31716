package flow

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Lower bounds of the spline's bin widths, heights and knot derivatives,
// as in Durkan et al. (2019): they keep the spline's slope away from 0.
const (
	minBinWidth  = 1e-3
	minBinHeight = 1e-3
	minKnotSlope = 1e-3
)

// SplineCoupling is the rational-quadratic neural spline coupling layer
// (Durkan et al. 2019) on [N, D] input: the kept half of the features
// conditions, through an MLP, a monotone rational-quadratic spline with
// Bins bins on [-TailBound, TailBound] for each feature of the other half;
// outside that interval the map is the identity (linear tails).
type SplineCoupling struct {
	Net       *MLPNet
	Bins      int     `nn:"-"`
	TailBound float32 `nn:"-"`
	Flip      bool    `nn:"-"`
	dim       int
}

// NewSplineCoupling returns a spline coupling over dim features.
func NewSplineCoupling(rngs *nn.Rngs, dim, bins int, tailBound float32, flip bool, hidden []int) (*SplineCoupling, error) {
	if dim < 2 || bins < 1 || !(tailBound > 0) {
		return nil, fmt.Errorf("flow: spline coupling needs at least 2 features, 1 bin and a positive tail bound, got %d, %d, %g", dim, bins, tailBound)
	}
	s := &SplineCoupling{Bins: bins, TailBound: tailBound, Flip: flip, dim: dim}
	keep, rest := s.sizes()
	s.Net = NewMLPNet(rngs, keep, rest*(3*bins-1), hidden)
	return s, nil
}

func (s *SplineCoupling) sizes() (keep, rest int) {
	if s.Flip {
		return s.dim - s.dim/2, s.dim / 2
	}
	return s.dim / 2, s.dim - s.dim/2
}

func (s *SplineCoupling) halves(x *tensor.Tensor) (kept, rest *tensor.Tensor) {
	a, b := s.sizes()
	if s.Flip {
		p := tensor.Split(x, 1, b, a)
		return p[1], p[0]
	}
	p := tensor.Split(x, 1, a, b)
	return p[0], p[1]
}

func (s *SplineCoupling) join(kept, rest *tensor.Tensor) *tensor.Tensor {
	if s.Flip {
		return tensor.Concat(1, rest, kept)
	}
	return tensor.Concat(1, kept, rest)
}

// spline turns the conditioner's output for kept into the knots of each
// transformed feature.
func (s *SplineCoupling) spline(kept *tensor.Tensor) *RQSpline {
	_, rest := s.sizes()
	k := s.Bins
	h := tensor.Reshape(s.Net.Forward(kept), kept.Dim(0), rest, 3*k-1)
	p := tensor.Split(h, 2, k, k, k-1)
	return NewRQSpline(p[0], p[1], p[2], s.TailBound)
}

// Forward transforms the second half and returns Σ log|dz/dx|.
func (s *SplineCoupling) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	kept, rest := s.halves(x)
	z, ld := s.spline(kept).Apply(rest, false)
	return s.join(kept, z), sumPerSample(ld)
}

// Inverse inverts the spline of the second half.
func (s *SplineCoupling) Inverse(z *tensor.Tensor) *tensor.Tensor {
	kept, rest := s.halves(z)
	x, _ := s.spline(kept).Apply(rest, true)
	return s.join(kept, x)
}

// RQSpline is a batch of monotone rational-quadratic splines, one per
// element of a [N, D] input, each with K bins on [-B, B]: knot positions
// X and Y [N, D, K+1] and knot derivatives Deriv [N, D, K+1].
type RQSpline struct {
	X, Y, Deriv *tensor.Tensor
	Bound       float32
}

// NewRQSpline builds splines from unconstrained parameters [N, D, K]
// (widths, heights) and [N, D, K-1] (interior derivatives): widths and
// heights through a softmax with a floor, derivatives through softplus with
// a floor, and derivative 1 at both ends to meet the identity tails.
func NewRQSpline(widths, heights, derivs *tensor.Tensor, bound float32) *RQSpline {
	n, d := widths.Dim(0), widths.Dim(1)
	ones := tensor.Ones(n, d, 1)
	inner := tensor.AddScalar(tensor.Softplus(derivs), minKnotSlope)
	return &RQSpline{
		X:     knots(widths, minBinWidth, bound),
		Y:     knots(heights, minBinHeight, bound),
		Deriv: tensor.Concat(2, ones, inner, ones),
		Bound: bound,
	}
}

// knots returns the cumulative knot positions [..., K+1] on [-B, B] of
// bins of normalised sizes softmax(raw) with a floor.
func knots(raw *tensor.Tensor, floor float32, bound float32) *tensor.Tensor {
	k := raw.Dim(2)
	w := tensor.AddScalar(tensor.Scale(tensor.Softmax(raw, 2), 1-floor*float32(k)), floor)
	c := tensor.Cumsum(w, 2)
	c = tensor.AddScalar(tensor.Scale(c, 2*bound), -bound)
	return tensor.Concat(2, tensor.Full(-bound, raw.Dim(0), raw.Dim(1), 1), c)
}

// pick gathers entry idx[i] (+ off) of the last axis of t [N, D, K+1].
func pick(t *tensor.Tensor, idx []int, off int) *tensor.Tensor {
	n, d := t.Dim(0), t.Dim(1)
	ix := idx
	if off != 0 {
		ix = make([]int, len(idx))
		for i, v := range idx {
			ix[i] = v + off
		}
	}
	return tensor.Reshape(tensor.Gather(t, 2, ix, []int{n, d, 1}), n, d)
}

// bins returns, per element of v [N, D], the bin of the knots [N, D, K+1]
// that holds it (values outside go to the end bins; the tails mask them).
func bins(v, knots *tensor.Tensor) []int {
	k := knots.Dim(2) - 1
	kd, vd := knots.Data(), v.Data()
	idx := make([]int, len(vd))
	for i, x := range vd {
		row := kd[i*(k+1) : (i+1)*(k+1)]
		b := 0
		for b < k-1 && x >= row[b+1] {
			b++
		}
		idx[i] = b
	}
	return idx
}

// Apply maps v [N, D] through the splines (inverse when inverse is set)
// and returns the result with log|d out/d in| per element (of the forward
// map at the input's position, negated for the inverse). Elements outside
// [-B, B] pass unchanged with log-derivative 0.
func (r *RQSpline) Apply(v *tensor.Tensor, inverse bool) (*tensor.Tensor, *tensor.Tensor) {
	b := r.Bound
	inside := tensor.Zeros(v.Shape()...)
	for i, x := range v.Data() {
		if x > -b && x < b {
			inside.Data()[i] = 1
		}
	}
	vc := tensor.Clamp(v, -b, b)
	search := r.X
	if inverse {
		search = r.Y
	}
	idx := bins(vc, search)
	x0, x1 := pick(r.X, idx, 0), pick(r.X, idx, 1)
	y0, y1 := pick(r.Y, idx, 0), pick(r.Y, idx, 1)
	d0, d1 := pick(r.Deriv, idx, 0), pick(r.Deriv, idx, 1)
	w, h := tensor.Sub(x1, x0), tensor.Sub(y1, y0)
	slope := tensor.Div(h, w)
	// c = d0 + d1 - 2s appears in every formula of the paper.
	c := tensor.Sub(tensor.Add(d0, d1), tensor.Scale(slope, 2))
	var xi, out *tensor.Tensor
	if inverse {
		dy := tensor.Sub(vc, y0)
		qa := tensor.Add(tensor.Mul(h, tensor.Sub(slope, d0)), tensor.Mul(dy, c))
		qb := tensor.Sub(tensor.Mul(h, d0), tensor.Mul(dy, c))
		qc := tensor.Neg(tensor.Mul(slope, dy))
		disc := tensor.Sub(tensor.Square(qb), tensor.Scale(tensor.Mul(qa, qc), 4))
		disc = tensor.Clamp(disc, 0, float32(math.Inf(1)))
		xi = tensor.Div(tensor.Scale(qc, 2), tensor.Sub(tensor.Neg(qb), tensor.Sqrt(disc)))
		out = tensor.Add(tensor.Mul(xi, w), x0)
	} else {
		xi = tensor.Div(tensor.Sub(vc, x0), w)
	}
	t := tensor.Mul(xi, tensor.AddScalar(tensor.Neg(xi), 1)) // ξ(1-ξ)
	den := tensor.Add(slope, tensor.Mul(c, t))
	if !inverse {
		num := tensor.Mul(h, tensor.Add(tensor.Mul(slope, tensor.Square(xi)), tensor.Mul(d0, t)))
		out = tensor.Add(y0, tensor.Div(num, den))
	}
	omx := tensor.AddScalar(tensor.Neg(xi), 1)
	dnum := tensor.Add(tensor.Add(tensor.Mul(d1, tensor.Square(xi)), tensor.Scale(tensor.Mul(slope, t), 2)), tensor.Mul(d0, tensor.Square(omx)))
	logd := tensor.Sub(tensor.Log(tensor.Mul(tensor.Square(slope), dnum)), tensor.Scale(tensor.Log(den), 2))
	if inverse {
		logd = tensor.Neg(logd)
	}
	return tensor.Where(inside, out, v), tensor.Mul(logd, inside)
}
