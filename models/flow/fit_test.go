package flow

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/fittest"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// twoMoons draws n points of the two interleaved half circles (radius 1,
// the second shifted by (1, -0.5)) with N(0, 0.1²) noise.
func twoMoons(s *tensor.Stream, n int) *tensor.Tensor {
	x := tensor.Zeros(n, 2)
	for i := range n {
		a := math.Pi * s.Float64()
		px, py := math.Cos(a), math.Sin(a)
		if i%2 == 1 {
			px, py = 1-px, 0.5-py
		}
		x.Data()[2*i] = float32(px + 0.1*s.NormFloat64())
		x.Data()[2*i+1] = float32(py + 0.1*s.NormFloat64())
	}
	return x
}

// eightGaussians draws n points from eight N(·, 0.1²) modes evenly spaced on
// a circle of radius 2.
func eightGaussians(s *tensor.Stream, n int) *tensor.Tensor {
	x := tensor.Zeros(n, 2)
	for i := range n {
		a := 2 * math.Pi * float64(s.Intn(8)) / 8
		x.Data()[2*i] = float32(2*math.Cos(a) + 0.1*s.NormFloat64())
		x.Data()[2*i+1] = float32(2*math.Sin(a) + 0.1*s.NormFloat64())
	}
	return x
}

// gaussianLogLik is the average log-likelihood of x [N, 2] under the
// Gaussian fitted to it by maximum likelihood: -(log 2π + ½ log|Σ| + 1).
func gaussianLogLik(x *tensor.Tensor) float64 {
	n := x.Dim(0)
	var m [2]float64
	for i := range n {
		m[0] += float64(x.Data()[2*i]) / float64(n)
		m[1] += float64(x.Data()[2*i+1]) / float64(n)
	}
	var c [3]float64
	for i := range n {
		a, b := float64(x.Data()[2*i])-m[0], float64(x.Data()[2*i+1])-m[1]
		c[0] += a * a / float64(n)
		c[1] += a * b / float64(n)
		c[2] += b * b / float64(n)
	}
	return -(math.Log(2*math.Pi) + 0.5*math.Log(c[0]*c[2]-c[1]*c[1]) + 1)
}

// fit trains f with Adam on fresh batches from sample and returns the
// average log-likelihood of held-out points.
func fit(t *testing.T, f *NormalizingFlow, sample func(*tensor.Stream, int) *tensor.Tensor, steps int, lr float64) (ll, gauss float64) {
	t.Helper()
	opt, err := optim.NewAdam(nn.Parameters(f), optim.AdamConfig{LR: lr})
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(7)
	s := rngs.Stream("data")
	for step := range steps {
		opt.ZeroGrad()
		loss, _ := f.TrainLoss(data.Batch{Images: sample(s, 256)}, rngs)
		loss.Backward()
		optim.ClipGradNorm(opt.Params(), 10)
		opt.Step()
		if step%250 == 0 {
			t.Logf("step %d: loss %.3f nats/dim", step, loss.Item())
		}
	}
	test := sample(tensor.NewRngs(8).Stream("test"), 4000)
	nn.SetTraining(f, false)
	tensor.NoGrad(func() { ll = float64(tensor.Mean(f.LogProb(test, nil)).Item()) })
	return ll, gaussianLogLik(test)
}

// TestFitsTwoDimensionalDensities fits each density in a test-sized budget
// and asks that held-out log-likelihood beat the best Gaussian fit by 0.5
// nats. No Gaussian (hence no linear flow) can pass, so passing means the
// flow learnt the non-Gaussian shape; the optimum is far above (8 modes
// with σ = 0.1 have entropy ≈ 0.31 nats, so log-likelihood ≈ -0.31 versus
// the Gaussian's ≈ -3.5).
func TestFitsTwoDimensionalDensities(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	for _, c := range []struct {
		name   string
		spec   Spec
		sample func(*tensor.Stream, int) *tensor.Tensor
	}{
		{"two moons, spline flow", Spec{Class: "NeuralSplineFlow", Shape: []int{2}, Hidden: []int{32, 32}, NumLayers: 4, NumBins: 8, TailBound: 4, BaseDist: "normal"}, twoMoons},
		{"8 Gaussians, MAF", Spec{Class: "MAF", Shape: []int{2}, Hidden: []int{64, 64}, NumLayers: 5, BaseDist: "normal"}, eightGaussians},
		{"8 Gaussians, RealNVP", Spec{Class: "RealNVP", Shape: []int{2}, Hidden: []int{64, 64}, NumLayers: 8, BaseDist: "normal"}, eightGaussians},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := New(config.ModelConfiguration{}, c.spec, nn.NewRngs(1))
			if err != nil {
				t.Fatal(err)
			}
			ll, gauss := fit(t, f, c.sample, 1000, 3e-3)
			t.Logf("held-out log-likelihood %.3f nats, best Gaussian %.3f", ll, gauss)
			if !(ll > gauss+0.5) {
				t.Errorf("log-likelihood %.3f does not beat the best Gaussian's %.3f by 0.5 nats", ll, gauss)
			}
		})
	}
}

// TestRealNVPLossFallsOnRealMNIST trains a small RealNVP on one batch of
// real MNIST digits: the bits/dim must fall clearly within 40 steps.
func TestRealNVPLossFallsOnRealMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	d, err := data.Load("mnist", "test", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "MNIST is not installed here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	it, err := data.NewIterator(d, data.BatchOptions{Size: 32})
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := it.Next()
	f, err := New(config.ModelConfiguration{}, Spec{
		Class: "RealNVP", Shape: []int{1, 28, 28}, Image: []int{1, 28, 28}, Hidden: []int{16}, NumScales: 2, NumLayers: 2,
		BaseDist: "normal", Dequantize: true, LogitAlpha: 0.05, Temperature: 1,
	}, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(1)
	first, last := fittest.Fit(t, f, batch, rngs, 3e-3, 40, "bits_per_dim")
	t.Logf("bits/dim %.3f → %.3f", first, last)
	if !(last < first-0.5) {
		t.Errorf("bits/dim went from %.3f to %.3f; want a fall of at least 0.5", first, last)
	}
	imgs := f.SampleImages(3, rngs)
	if !tensor.SameShape(imgs.Shape(), []int{3, 1, 28, 28}) {
		t.Fatalf("SampleImages shape %v", imgs.Shape())
	}
	for _, v := range imgs.Data() {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("sample value %v outside [0, 1]", v)
		}
	}
	small, _, _ := d.Split(64)
	ev, err := f.Evaluate(small, rngs)
	if err != nil || !(ev["bits_per_dim"] > 0 && ev["bits_per_dim"] < first) {
		t.Errorf("Evaluate = %v, %v; want bits/dim in (0, %.3f)", ev, err, first)
	}
}
