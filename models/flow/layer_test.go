package flow

import (
	"fmt"
	"math"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// perturb adds N(0, scale²) noise to every parameter of m, so that layers
// whose output starts at the identity (zero-initialised conditioners) are
// tested away from it.
func perturb(m any, seed uint64, scale float32) {
	s := tensor.NewRngs(seed).Stream("perturb")
	for _, p := range nn.Parameters(m) {
		for i := range p.Tensor.Data() {
			p.Tensor.Data()[i] += scale * float32(s.NormFloat64())
		}
	}
}

// logAbsDet64 returns log|det a| of the n×n matrix a by Gaussian
// elimination with partial pivoting, in float64.
func logAbsDet64(a []float64, n int) float64 {
	a = append([]float64(nil), a...)
	s := 0.0
	for k := 0; k < n; k++ {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(a[i*n+k]) > math.Abs(a[p*n+k]) {
				p = i
			}
		}
		for j := 0; j < n; j++ {
			a[k*n+j], a[p*n+j] = a[p*n+j], a[k*n+j]
		}
		d := a[k*n+k]
		s += math.Log(math.Abs(d))
		for i := k + 1; i < n; i++ {
			f := a[i*n+k] / d
			for j := k; j < n; j++ {
				a[i*n+j] -= f * a[k*n+j]
			}
		}
	}
	return s
}

// numericLogDet returns log|det ∂z/∂x| of sample i of x, from a Jacobian
// taken by central differences of layer.Forward.
func numericLogDet(layer Layer, x *tensor.Tensor, i int) float64 {
	n := x.Dim(0)
	d := x.Size() / n
	jac := make([]float64, d*d)
	// Small enough that a ReLU of a conditioner rarely changes side within
	// ±h (a kink there biases the difference), large enough for float32.
	const h = 3e-3
	for j := 0; j < d; j++ {
		orig := x.Data()[i*d+j]
		eval := func(v float32) []float32 {
			xp := x.Clone()
			xp.Data()[i*d+j] = v
			var z *tensor.Tensor
			tensor.NoGrad(func() { z, _ = layer.Forward(xp) })
			return z.Data()[i*d : (i+1)*d]
		}
		zp, zm := eval(orig+h), eval(orig-h)
		for r := 0; r < d; r++ {
			jac[r*d+j] = (float64(zp[r]) - float64(zm[r])) / (2 * h)
		}
	}
	return logAbsDet64(jac, d)
}

// checkLayer asserts Inverse(Forward(x)) = x to 1e-4 and that the reported
// log-determinant of every sample matches the numerical Jacobian's.
func checkLayer(t *testing.T, name string, layer Layer, x *tensor.Tensor) {
	t.Helper()
	var z, ld, back *tensor.Tensor
	tensor.NoGrad(func() {
		z, ld = layer.Forward(x)
		back = layer.Inverse(z)
	})
	if z.Size() != x.Size() || z.Dim(0) != x.Dim(0) || !tensor.SameShape(ld.Shape(), []int{x.Dim(0)}) {
		t.Fatalf("%s: Forward gave z %v and log-det %v for x %v", name, z.Shape(), ld.Shape(), x.Shape())
	}
	worst := 0.0
	for i, v := range x.Data() {
		worst = max(worst, math.Abs(float64(back.Data()[i]-v)))
	}
	if worst > 1e-4 {
		t.Errorf("%s: |Inverse(Forward(x)) - x| up to %.2g, want ≤ 1e-4", name, worst)
	}
	for i := 0; i < x.Dim(0); i++ {
		want := numericLogDet(layer, x, i)
		if got := float64(ld.Data()[i]); math.Abs(got-want) > 2e-3*max(1, math.Abs(want)) {
			t.Errorf("%s: sample %d: log-det %.5f, numerical Jacobian gives %.5f", name, i, got, want)
		}
	}
}

// must returns l, panicking on a constructor error (a broken test).
func must[L any](l L, err error) L {
	if err != nil {
		panic(err)
	}
	return l
}

func TestEveryLayerInvertsAndHasTheJacobiansLogDet(t *testing.T) {
	rngs := nn.NewRngs(1)
	img := func(seed uint64, shape ...int) *tensor.Tensor {
		return tensor.NewRngs(seed).Stream("x").Normal(shape...)
	}
	vec := img(2, 3, 6)
	cases := []struct {
		name  string
		layer Layer
		x     *tensor.Tensor
	}{
		{"checkerboard coupling", must(NewAffineCoupling(rngs, []int{2, 4, 4}, Checkerboard, false, []int{8})), img(3, 2, 2, 4, 4)},
		{"flipped checkerboard coupling", must(NewAffineCoupling(rngs, []int{1, 4, 4}, Checkerboard, true, []int{8, 8})), img(4, 2, 1, 4, 4)},
		{"channel coupling", must(NewAffineCoupling(rngs, []int{3, 2, 2}, ChannelMask, false, []int{8})), img(5, 2, 3, 2, 2)},
		{"flipped channel coupling", must(NewAffineCoupling(rngs, []int{3, 2, 2}, ChannelMask, true, []int{8})), img(6, 2, 3, 2, 2)},
		{"split prior", splitPrior(rngs, []int{4, 3, 3}), img(15, 2, 4, 3, 3)},
		{"alternating vector coupling", must(NewAffineCoupling(rngs, []int{6}, Alternating, false, []int{16})), vec},
		{"half vector coupling", must(NewAffineCoupling(rngs, []int{6}, ChannelMask, true, []int{16})), vec},
		{"squeeze", Squeeze{}, img(7, 2, 2, 4, 4)},
		{"reverse", Reverse{}, vec},
		{"sigmoid", Sigmoid{}, vec},
		{"actnorm", NewActNorm(3), img(8, 4, 3, 2, 2)},
		{"1x1 conv", NewInvConv1x1(rngs, 4), img(9, 2, 4, 2, 2)},
		{"LU 1x1 conv", NewInvConv1x1LU(rngs, 4), img(10, 2, 4, 2, 2)},
		{"MAF", &MAF{Net: must(NewMADE(rngs, 6, []int{16, 16}))}, vec},
		{"IAF", &IAF{Net: must(NewMADE(rngs, 6, []int{16}))}, vec},
		{"spline coupling", must(NewSplineCoupling(rngs, 6, 5, 2, false, []int{16})), tensor.Scale(vec, 1.5)},
		{"flipped spline coupling", must(NewSplineCoupling(rngs, 5, 4, 3, true, []int{16})), img(11, 3, 5)},
	}
	bn := NewBatchNormFlow(6)
	tensor.NoGrad(func() { bn.Forward(img(12, 16, 6)) })
	bn.SetTraining(false)
	cases = append(cases, struct {
		name  string
		layer Layer
		x     *tensor.Tensor
	}{"batch-norm flow (evaluation)", bn, vec})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if an, ok := c.layer.(*ActNorm); ok {
				an.Forward(img(13, 16, 3, 2, 2)) // data-dependent initialisation
			}
			perturb(c.layer, 14, 0.3)
			checkLayer(t, c.name, c.layer, c.x)
		})
	}
}

func TestWholeArchitecturesInvertAndHaveTheJacobiansLogDet(t *testing.T) {
	for _, spec := range []Spec{
		{Class: "RealNVP", Shape: []int{1, 4, 4}, Hidden: []int{8}, NumScales: 2, NumLayers: 2},
		{Class: "RealNVP", Shape: []int{1, 4, 4}, Hidden: []int{8}, NumScales: 2, NumLayers: 1, ActNorm: true},
		{Class: "Glow", Shape: []int{1, 4, 4}, Hidden: []int{8}, NumScales: 2, NumLayers: 2},
		{Class: "Glow", Shape: []int{2, 4, 4}, Hidden: []int{8}, NumScales: 2, NumLayers: 1, LU: true},
		{Class: "Glow", Shape: []int{1, 4, 4}, Hidden: []int{8}, NumScales: 2, NumLayers: 1, LU: true, SplitPrior: true},
		{Class: "RealNVP", Shape: []int{1, 4, 4}, Hidden: []int{8}, NumScales: 2, NumLayers: 1, SplitPrior: true},
		{Class: "RealNVP", Shape: []int{4}, Hidden: []int{8}, NumLayers: 3},
		{Class: "MAF", Shape: []int{4}, Hidden: []int{8}, NumLayers: 3, BatchNorm: true},
		{Class: "IAF", Shape: []int{4}, Hidden: []int{8}, NumLayers: 2},
		{Class: "NeuralSplineFlow", Shape: []int{4}, Hidden: []int{8}, NumLayers: 2, NumBins: 4, TailBound: 3},
		{Class: "NeuralSplineFlow", Shape: []int{3}, Hidden: []int{8}, NumLayers: 2, NumBins: 4, TailBound: 3, BaseDist: "uniform"},
	} {
		name := fmt.Sprintf("%s %v", spec.Class, spec.Shape)
		t.Run(name, func(t *testing.T) {
			if spec.BaseDist == "" {
				spec.BaseDist = "normal"
			}
			f, err := New(config.ModelConfiguration{}, spec, nn.NewRngs(3))
			if err != nil {
				t.Fatal(err)
			}
			x := tensor.NewRngs(4).Stream("x").Normal(append([]int{8}, f.EventShape()...)...)
			f.Forward(x) // ActNorm initialisation, batch-norm statistics
			nn.SetTraining(f, false)
			perturb(f, 5, 0.1)
			checkLayer(t, name, f.Layers, tensor.Narrow(x, 0, 0, 2))
		})
	}
}

func TestLogProbOfIdentityFlowIsTheNormalDensity(t *testing.T) {
	f := &NormalizingFlow{Base: NewNormal(0, 3), shape: []int{3}}
	x := tensor.FromSlice([]float32{0, 0, 0, 1, -2, 0.5}, 2, 3)
	got := f.LogProb(x, nil).Data()
	for i, sq := range []float64{0, 1 + 4 + 0.25} {
		want := -1.5*math.Log(2*math.Pi) - sq/2
		if math.Abs(float64(got[i])-want) > 1e-5 {
			t.Errorf("log p(x_%d) = %v, want %v", i, got[i], want)
		}
	}
	// A class-conditional base is N(μ_k, σ_k²) for the sample's class k.
	c := &NormalizingFlow{Base: NewNormal(2, 1), shape: []int{1}}
	base := c.Base.(*Normal)
	base.Mean.Data()[1], base.LogStd.Data()[1] = 3, float32(math.Log(2))
	lp := c.LogProb(tensor.FromSlice([]float32{1, 1}, 2, 1), []int{0, 1}).Data()
	for i, want := range []float64{-0.5*math.Log(2*math.Pi) - 0.5, -0.5*math.Log(2*math.Pi) - math.Log(2) - 0.5} {
		if math.Abs(float64(lp[i])-want) > 1e-5 {
			t.Errorf("class %d: log p = %v, want %v", i, lp[i], want)
		}
	}
}

func TestSplineMatchesHandComputedValues(t *testing.T) {
	// Two bins on [-1, 1] with knots x = (-1, 0, 1), y = (-1, -0.5, 1) and
	// slope 1 at every knot. In bin 0 (s = 0.5) and bin 1 (s = 1.5) at
	// ξ = ½ the formulas of Durkan et al. (2019) give y(-0.5) = -0.75,
	// y'(-0.5) = 1/3, y(0.5) = 0.25 and y'(0.5) = 1.8.
	knotsX := []float32{-1, 0, 1, -1, 0, 1}
	knotsY := []float32{-1, -0.5, 1, -1, -0.5, 1}
	sp := &RQSpline{
		X: tensor.FromSlice(knotsX, 1, 2, 3), Y: tensor.FromSlice(knotsY, 1, 2, 3),
		Deriv: tensor.Ones(1, 2, 3), Bound: 1,
	}
	y, ld := sp.Apply(tensor.FromSlice([]float32{-0.5, 0.5}, 1, 2), false)
	for i, want := range [][2]float64{{-0.75, 1.0 / 3}, {0.25, 1.8}} {
		if math.Abs(float64(y.Data()[i])-want[0]) > 1e-6 || math.Abs(float64(ld.Data()[i])-math.Log(want[1])) > 1e-6 {
			t.Errorf("element %d: y = %v, log y' = %v; want %v, %v", i, y.Data()[i], ld.Data()[i], want[0], math.Log(want[1]))
		}
	}
	x, ild := sp.Apply(y, true)
	for i, want := range []float32{-0.5, 0.5} {
		if math.Abs(float64(x.Data()[i]-want)) > 1e-6 || math.Abs(float64(ild.Data()[i]+ld.Data()[i])) > 1e-6 {
			t.Errorf("inverse element %d: x = %v (want %v), log-det %v (want %v)", i, x.Data()[i], want, ild.Data()[i], -ld.Data()[i])
		}
	}
	// Outside the bound the spline is the identity.
	out, old := sp.Apply(tensor.FromSlice([]float32{-3, 2}, 1, 2), false)
	if out.Data()[0] != -3 || out.Data()[1] != 2 || old.Data()[0] != 0 || old.Data()[1] != 0 {
		t.Errorf("tails: got %v with log-det %v, want the identity", out, old)
	}
}

func TestUniformSplineWithUnitSlopesIsTheIdentity(t *testing.T) {
	// softplus(log(e-1)) = 1; the slope floor adds 1e-3, hence the tolerance.
	sp := NewRQSpline(tensor.Zeros(1, 3, 4), tensor.Zeros(1, 3, 4), tensor.Full(float32(math.Log(math.E-1)), 1, 3, 3), 2)
	x := tensor.FromSlice([]float32{-1.7, 0.3, 1.99}, 1, 3)
	y, ld := sp.Apply(x, false)
	for i, v := range x.Data() {
		if math.Abs(float64(y.Data()[i]-v)) > 1e-3 || math.Abs(float64(ld.Data()[i])) > 1e-3 {
			t.Errorf("element %d: y = %v, log-det %v; want %v, ~0", i, y.Data()[i], ld.Data()[i], v)
		}
	}
}

// TestMAFInverseIgnoresOverflowingGuesses builds a MADE whose first pass
// guesses x₂ ≈ 148 (α₂ = 5 before x₁ is known) where the exact x₂ is
// 0.0067 (α₂ = 5 - 10·x₁ = -5), and whose α₃ = 50·x₂ overflows on that
// guess. The guess must not reach the answer: x must be finite and map
// back to z.
func TestMAFInverseIgnoresOverflowingGuesses(t *testing.T) {
	made, err := NewMADE(nn.NewRngs(0), 3, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range made.Layers {
		zero(l.Linear.Weight, l.Linear.Bias)
	}
	w1, w2 := made.Layers[0].Linear.Weight, made.Layers[1].Linear.Weight
	w1.Data()[0*4+0] = 1   // h₀ = relu(x₁), degree 1
	w1.Data()[1*4+1] = 1   // h₁ = relu(x₂), degree 2
	w2.Data()[0*6+4] = -10 // α₂ = 5 - 10·h₀
	made.Layers[1].Linear.Bias.Data()[4] = 5
	w2.Data()[1*6+5] = 50 // α₃ = 50·h₁
	maf := &MAF{Net: made}
	z := tensor.FromSlice([]float32{1, 1, 1}, 1, 3)
	var x, back *tensor.Tensor
	tensor.NoGrad(func() {
		x = maf.Inverse(z)
		back, _ = maf.Forward(x)
	})
	for i, v := range x.Data() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("x[%d] = %v; want finite (x = %v)", i, v, x.Data())
		}
		if math.Abs(float64(back.Data()[i]-z.Data()[i])) > 1e-4 {
			t.Errorf("Forward(Inverse(z))[%d] = %v, want %v", i, back.Data()[i], z.Data()[i])
		}
	}
}
