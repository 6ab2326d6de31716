package nn

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// groupMoments returns the mean and biased variance of each consecutive
// run of n values of x.
func groupMoments(x []float32, n int) (means, vars []float64) {
	for g := 0; g+n <= len(x); g += n {
		var s, ss float64
		for _, v := range x[g : g+n] {
			s += float64(v)
		}
		m := s / float64(n)
		for _, v := range x[g : g+n] {
			ss += (float64(v) - m) * (float64(v) - m)
		}
		means, vars = append(means, m), append(vars, ss/float64(n))
	}
	return means, vars
}

// assertStandardised checks that every run of n values has mean 0 and
// variance 1 (up to eps).
func assertStandardised(t *testing.T, name string, y []float32, n int) {
	t.Helper()
	means, vars := groupMoments(y, n)
	for i := range means {
		if math.Abs(means[i]) > 1e-5 || math.Abs(vars[i]-1) > 1e-3 {
			t.Errorf("%s: group %d has mean %.2g and variance %.5f, want 0 and 1", name, i, means[i], vars[i])
			return
		}
	}
}

// shifted returns a normal tensor with mean 0.5 and standard deviation 2, so
// that normalisation has work to do.
func shifted(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.AddScalar(tensor.Scale(randn(seed, shape...), 2), 0.5)
}

func TestLayerNormStandardisesTheLastAxis(t *testing.T) {
	l := NewLayerNorm(8)
	x := shifted(1, 2, 3, 8)
	y := l.Forward(x)
	assertShape(t, "LayerNorm", y, 2, 3, 8)
	assertStandardised(t, "LayerNorm", y.Data(), 8)
	mustPanic(t, "wrong feature size", "LayerNorm", func() { l.Forward(randn(1, 2, 7)) })
}

func TestLayerNormOverSeveralTrailingAxes(t *testing.T) {
	l := NewLayerNorm(4, 5)
	assertShape(t, "weight", l.Weight, 4, 5)
	y := l.Forward(shifted(1, 2, 3, 4, 5))
	assertShape(t, "LayerNorm [4 5]", y, 2, 3, 4, 5)
	assertStandardised(t, "LayerNorm [4 5]", y.Data(), 20)
	mustPanic(t, "wrong trailing shape", "LayerNorm", func() { l.Forward(randn(1, 2, 5, 4)) })
}

func TestLayerNormGradients(t *testing.T) {
	l := NewLayerNorm(6)
	l.Weight, l.Bias = param(shifted(2, 6)), param(randn(3, 6))
	x := shifted(1, 3, 6)
	checkGradients(t, "LayerNorm", func() *tensor.Tensor { return l.Forward(x) }, withInput(x, l))
}

func TestGroupNormStandardisesEachGroupOfChannels(t *testing.T) {
	g := NewGroupNorm(2, 6)
	x := shifted(1, 2, 6, 3, 3)
	y := g.Forward(x)
	assertShape(t, "GroupNorm", y, 2, 6, 3, 3)
	assertStandardised(t, "GroupNorm", y.Data(), 3*9) // 3 channels of 3×3 per group
	// One group per channel is instance norm; one group for all is layer norm over C·H·W.
	assertClose(t, "GroupNorm(C, C) = InstanceNorm", NewGroupNorm(6, 6).Forward(x).Data(), NewInstanceNorm(6, false).Forward(x).Data(), 0, 1e-5)
	assertStandardised(t, "GroupNorm(1, C)", NewGroupNorm(1, 6).Forward(x).Data(), 6*9)
	mustPanic(t, "indivisible", "not divisible", func() { NewGroupNorm(4, 6) })
	mustPanic(t, "wrong channels", "GroupNorm", func() { g.Forward(randn(1, 2, 4, 3, 3)) })
}

func TestGroupNormGradients(t *testing.T) {
	g := NewGroupNorm(2, 4)
	g.Weight, g.Bias = param(shifted(2, 4)), param(randn(3, 4))
	x := shifted(1, 2, 4, 2, 3)
	checkGradients(t, "GroupNorm", func() *tensor.Tensor { return g.Forward(x) }, withInput(x, g))
}

func TestInstanceNormStandardisesEachChannelOfEachSample(t *testing.T) {
	x := shifted(1, 2, 3, 4, 5)
	y := NewInstanceNorm(3, false).Forward(x)
	assertShape(t, "InstanceNorm", y, 2, 3, 4, 5)
	assertStandardised(t, "InstanceNorm", y.Data(), 20)
	if ps := Parameters(NewInstanceNorm(3, false)); len(ps) != 0 {
		t.Errorf("non-affine InstanceNorm has parameters %v", ps)
	}
	mustPanic(t, "no spatial axis", "InstanceNorm", func() { NewInstanceNorm(3, false).Forward(randn(1, 2, 3)) })
}

func TestInstanceNormGradients(t *testing.T) {
	n := NewInstanceNorm(3, true)
	n.Weight, n.Bias = param(shifted(2, 3)), param(randn(3, 3))
	x := shifted(1, 2, 3, 2, 3)
	checkGradients(t, "InstanceNorm", func() *tensor.Tensor { return n.Forward(x) }, withInput(x, n))
}

func TestBatchNormTrainingStandardisesEachChannelOverTheBatch(t *testing.T) {
	b := NewBatchNorm(3)
	x := shifted(1, 4, 3, 2, 2)
	y := b.Forward(x)
	assertShape(t, "BatchNorm2d", y, 4, 3, 2, 2)
	// Gather each channel's values over batch and space.
	per := make([]float32, 0, y.Size())
	for c := 0; c < 3; c++ {
		for n := 0; n < 4; n++ {
			per = append(per, y.Data()[(n*3+c)*4:(n*3+c+1)*4]...)
		}
	}
	assertStandardised(t, "BatchNorm2d", per, 16)
	y1 := NewBatchNorm(3).Forward(tensor.Reshape(x, 4, 3, 4))
	assertClose(t, "[N, C, L] equals [N, C, H, W]", y1.Data(), y.Data(), 0, 1e-6)
}

func TestBatchNormTrainingUpdatesRunningStatisticsWithMomentumAndUnbiasedVariance(t *testing.T) {
	b := NewBatchNorm(2)
	x := tensor.FromSlice([]float32{
		1, 10,
		2, 20,
		6, 30,
	}, 3, 2)
	b.Forward(x)
	// Channel 0: mean 3, unbiased variance ((-2)²+(-1)²+3²)/2 = 7.
	// Channel 1: mean 20, unbiased variance (100+0+100)/2 = 100.
	assertClose(t, "running mean", b.RunningMean.Data(), []float32{0.9*0 + 0.1*3, 0.9*0 + 0.1*20}, 1e-6, 0)
	assertClose(t, "running var", b.RunningVar.Data(), []float32{0.9*1 + 0.1*7, 0.9*1 + 0.1*100}, 1e-6, 0)
	b.Forward(x)
	assertClose(t, "running mean after two steps", b.RunningMean.Data(), []float32{0.9*0.3 + 0.3, 0.9*2 + 2}, 1e-6, 0)
	assertClose(t, "running var after two steps", b.RunningVar.Data(), []float32{0.9*1.6 + 0.7, 0.9*10.9 + 10}, 1e-6, 0)
	if b.RunningMean.RequiresGrad() || b.RunningVar.RequiresGrad() {
		t.Error("running statistics require a gradient")
	}
	if ps, st := len(Parameters(b)), len(State(b)); ps != 2 || st != 4 {
		t.Errorf("%d parameters and %d state tensors, want 2 (weight, bias) and 4 (+ running mean, var)", ps, st)
	}
}

func TestBatchNormEvalUsesRunningStatistics(t *testing.T) {
	b := NewBatchNorm(2)
	copy(b.RunningMean.Data(), []float32{1, -2})
	copy(b.RunningVar.Data(), []float32{4, 0.25})
	copy(b.Weight.Data(), []float32{2, 1})
	copy(b.Bias.Data(), []float32{0, 3})
	SetTraining(b, false)
	x := tensor.FromSlice([]float32{3, -1, 5, -2}, 2, 2)
	y := b.Forward(x)
	eps := 1e-5
	want := []float32{
		float32(2 * (3 - 1) / math.Sqrt(4+eps)), float32((-1+2)/math.Sqrt(0.25+eps) + 3),
		float32(2 * (5 - 1) / math.Sqrt(4+eps)), float32(3),
	}
	assertClose(t, "eval output", y.Data(), want, 1e-6, 1e-6)
	assertClose(t, "running mean unchanged", b.RunningMean.Data(), []float32{1, -2}, 0, 0)
	assertClose(t, "running var unchanged", b.RunningVar.Data(), []float32{4, 0.25}, 0, 0)
	// A single sample is fine in evaluation, but not in training.
	assertShape(t, "one sample in eval", b.Forward(randn(1, 1, 2)), 1, 2)
	SetTraining(b, true)
	mustPanic(t, "one value per channel in training", "more than one value", func() { b.Forward(randn(1, 1, 2)) })
}

func TestBatchNormGradientsInTrainingAndEval(t *testing.T) {
	b := NewBatchNorm(3)
	b.Weight, b.Bias = param(shifted(2, 3)), param(randn(3, 3))
	x := shifted(1, 4, 3, 2)
	// In training each evaluation moves the running statistics, but the
	// output depends on the batch statistics alone.
	checkGradients(t, "BatchNorm train", func() *tensor.Tensor { return b.Forward(x) }, withInput(x, b))
	SetTraining(b, false)
	checkGradients(t, "BatchNorm eval", func() *tensor.Tensor { return b.Forward(x) }, withInput(x, b))
}
