package ebm_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models/ebm"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// build creates an EBM through the factory, as users do.
func build(t *testing.T, cfg config.ModelConfiguration, seed uint64) *ebm.EBM {
	t.Helper()
	m, err := factory.CreateModel(cfg, nn.NewRngs(seed))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*ebm.EBM)
}

func vectorConfig(dim int, params map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "vec_ebm", ModelClass: "EBM", InputDim: config.Dims{dim}, HiddenDims: []int{16, 16},
		Parameters: params,
	}
}

func imageConfig(class string, params map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "img_ebm", ModelClass: class, InputDim: config.Dims{6, 5, 2}, HiddenDims: []int{4, 6},
		Parameters: params,
	}
}

func TestScoreIsMinusTheFiniteDifferenceGradientOfTheEnergy(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config.ModelConfiguration
	}{
		{"mlp", vectorConfig(3, nil)},
		{"mlp_fourier", vectorConfig(3, map[string]any{"fourier_features": 5, "fourier_scale": 0.7})},
		{"cnn", imageConfig("EBM", nil)},
		{"deep", imageConfig("DeepEBM", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := build(t, tc.cfg, 1)
			shape := append([]int{2}, m.ExampleShape()...)
			x := tensor.NewRngs(2).Stream("x").Uniform(0, 1, shape...)
			score := m.Score(x).Data()
			energy := func() float64 {
				var s float64
				tensor.NoGrad(func() {
					for _, e := range m.Energy(x).Data() {
						s += float64(e)
					}
				})
				return s
			}
			d := x.Data()
			for i := range d {
				orig := d[i]
				const h = 1e-2
				d[i] = orig + h
				ep := energy()
				d[i] = orig - h
				em := energy()
				d[i] = orig
				want := -(ep - em) / (2 * h)
				if math.Abs(float64(score[i])-want) > 1e-2*math.Max(1, math.Abs(want))+1e-3 {
					t.Fatalf("score[%d] = %.5f, -dE/dx by finite differences = %.5f", i, score[i], want)
				}
			}
		})
	}
}

func TestScoreIsDifferentiableWhenRecordingAndPlainUnderNoGrad(t *testing.T) {
	m := build(t, vectorConfig(3, nil), 1)
	x := tensor.NewRngs(2).Stream("x").Uniform(0, 1, 4, 3)
	s := m.Score(x)
	if !s.RequiresGrad() {
		t.Fatal("Score with recording on returned no graph; denoising score matching could not train")
	}
	tensor.Sum(tensor.Square(s)).Backward()
	if g := nn.Parameters(m)[0].Tensor.Grad(); g == nil {
		t.Fatal("no parameter gradient through the score")
	}
	tensor.NoGrad(func() {
		if m.Score(x).RequiresGrad() {
			t.Error("Score under NoGrad carries a graph")
		}
	})
	lp := m.UnnormalizedLogProb(x).Data()
	e := m.Energy(x).Data()
	for i := range lp {
		if lp[i] != -e[i] {
			t.Errorf("UnnormalizedLogProb[%d] = %g, want -E = %g", i, lp[i], -e[i])
		}
	}
}

// TestLangevinSamplesAGaussian runs the sampler on the quadratic energy
// E(x) = |x − μ|²/(2σ²), whose chain x ← x − η(x − μ)/(Tσ²) + √(2η)ξ is
// an AR(1) process with mean μ and variance Tσ²/(1 − η/(2Tσ²)).
func TestLangevinSamplesAGaussian(t *testing.T) {
	mu := []float32{1, -2}
	const sigma, eta = 0.5, 0.01
	energy := func(x *tensor.Tensor) *tensor.Tensor {
		d := tensor.Sub(x, tensor.FromSlice(mu, 1, 2))
		return tensor.Scale(tensor.SumAxes(tensor.Square(d), []int{1}, false), 1/(2*sigma*sigma))
	}
	for _, temp := range []float64{1, 2} {
		l := ebm.Langevin{Steps: 400, StepSize: eta, NoiseScale: math.Sqrt(2 * eta), Temperature: temp}
		const n = 4000
		x := l.Run(energy, tensor.Zeros(n, 2), tensor.NewRngs(3).Stream("langevin"))
		wantVar := temp * sigma * sigma / (1 - eta/(2*temp*sigma*sigma))
		for j := range 2 {
			var s, ss float64
			for i := range n {
				v := float64(x.Data()[i*2+j])
				s += v
				ss += v * v
			}
			mean := s / n
			variance := ss/n - mean*mean
			if math.Abs(mean-float64(mu[j])) > 0.03*math.Sqrt(temp) {
				t.Errorf("T=%g: mean of coordinate %d = %.4f, want %g", temp, j, mean, mu[j])
			}
			if math.Abs(variance/wantVar-1) > 0.08 {
				t.Errorf("T=%g: variance of coordinate %d = %.4f, want %.4f", temp, j, variance, wantVar)
			}
		}
	}
}

func TestLangevinClipsGradientsAndClampsToTheDataRange(t *testing.T) {
	// E = 100·Σx: the gradient 100 is clipped to 0.5, so one noiseless
	// step of size 1 moves every coordinate by exactly -0.5, and the
	// second is stopped by the range's low end.
	energy := func(x *tensor.Tensor) *tensor.Tensor { return tensor.Scale(tensor.SumAxes(x, []int{1}, false), 100) }
	l := ebm.Langevin{Steps: 1, StepSize: 1, GradClip: 0.5, Temperature: 1, Min: -0.7, Max: 1}
	x0 := tensor.FromSlice([]float32{0.2, 0.9}, 1, 2)
	x := l.Run(energy, x0, tensor.NewRngs(0).Stream("l"))
	for i, want := range []float32{-0.3, 0.4} {
		if math.Abs(float64(x.Data()[i]-want)) > 1e-6 {
			t.Errorf("after one step x[%d] = %g, want %g", i, x.Data()[i], want)
		}
	}
	if x0.Data()[0] != 0.2 {
		t.Error("Run changed its start")
	}
	l.Steps = 2
	x = l.Run(energy, x0, tensor.NewRngs(0).Stream("l"))
	if x.Data()[0] != -0.7 {
		t.Errorf("after two steps x[0] = %g, want the clamp -0.7", x.Data()[0])
	}
}

func TestReplayBufferReinitialisesWithItsProbabilityAndOverwritesTheOldest(t *testing.T) {
	b, err := ebm.NewReplayBuffer(50, []int{3}, 0.3, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := tensor.NewRngs(4).Stream("b")
	if _, fresh := b.Draw(10, s); fresh != 10 {
		t.Errorf("an empty buffer gave %d fresh starts of 10, want all", fresh)
	}
	stored := make([]float32, 60*3)
	for i := range 60 {
		for j := range 3 {
			stored[i*3+j] = float32(5 + i)
		}
	}
	b.Push(tensor.FromSlice(stored, 60, 3))
	if b.Len() != 50 {
		t.Fatalf("Len after 60 pushes into 50 = %d", b.Len())
	}
	// Rows 0..9 were overwritten by the last ten pushes (values 55..64).
	if got := b.Samples.Data()[0]; got != 55 {
		t.Errorf("row 0 holds %g, want 55 (the ring overwrote the oldest)", got)
	}
	const n = 20000
	x, fresh := b.Draw(n, s)
	if p := float64(fresh) / n; math.Abs(p-0.3) > 0.015 {
		t.Errorf("fraction of fresh starts = %.4f, want 0.3", p)
	}
	var noise, old int
	for i := range n {
		v := x.Data()[i*3]
		switch {
		case v >= 0 && v <= 1:
			noise++
		case v >= 15 && v <= 64:
			old++
		default:
			t.Fatalf("start %d holds %g: neither noise in [0, 1] nor a stored sample in 15..64", i, v)
		}
	}
	if noise != fresh || old != n-fresh {
		t.Errorf("%d noise rows and %d stored rows, want %d and %d", noise, old, fresh, n-fresh)
	}
}

func TestReplayBufferIsSavedAndRestoredWithTheModel(t *testing.T) {
	cfg := vectorConfig(2, map[string]any{"replay_buffer_size": 8, "mcmc_steps": 2})
	m := build(t, cfg, 1)
	rngs := nn.NewRngs(5)
	batch := data.Batch{Images: rngs.Stream("x").Uniform(0, 1, 4, 2)}
	m.TrainLoss(batch, rngs)
	m.TrainLoss(batch, rngs)
	if m.Buffer.Len() != 8 {
		t.Fatalf("buffer holds %d samples after two steps of 4, want 8", m.Buffer.Len())
	}
	fresh := reloaded(t, m, cfg)
	if fresh.Buffer.Len() != 8 {
		t.Errorf("restored buffer holds %d samples, want 8", fresh.Buffer.Len())
	}
	for i, v := range m.Buffer.Samples.Data() {
		if fresh.Buffer.Samples.Data()[i] != v {
			t.Fatalf("restored buffer differs at %d", i)
		}
	}
	for _, p := range nn.Parameters(m) {
		if p.Name == "buffer/samples" || p.Name == "buffer/cursor" {
			t.Errorf("%s is trained", p.Name)
		}
	}
}

// TestFourierFeaturesAreFixedStateSavedWithTheModel checks the MLP's
// random Fourier features: frequencies of the configured scale, the first
// layer fed [sin 2πxB, cos 2πxB], B never trained (also not after a
// Langevin run, which freezes and thaws the parameters) and restored from
// a checkpoint into a model built with another seed.
func TestFourierFeaturesAreFixedStateSavedWithTheModel(t *testing.T) {
	cfg := vectorConfig(2, map[string]any{"fourier_features": 400, "fourier_scale": 0.5, "mcmc_steps": 2, "replay_buffer_size": 4})
	m := build(t, cfg, 1)
	var b *tensor.Tensor
	for _, p := range nn.State(m) {
		if p.Name == "net/fourier" {
			b = p.Tensor
		}
	}
	if b == nil || !tensor.SameShape(b.Shape(), []int{2, 400}) {
		t.Fatalf("no net/fourier state of shape [2 400] in %v", names(nn.State(m)))
	}
	var sum, sq float64
	for _, v := range b.Data() {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	mean, std := sum/800, math.Sqrt(sq/800-(sum/800)*(sum/800))
	if math.Abs(mean) > 0.06 || math.Abs(std-0.5) > 0.05 {
		t.Errorf("frequencies have mean %.3f and std %.3f, want about 0 and fourier_scale 0.5", mean, std)
	}
	rngs := nn.NewRngs(3)
	opt := adam(t, m, 1e-2)
	before := append([]float32(nil), b.Data()...)
	step(m, opt, data.Batch{Images: rngs.Stream("x").Uniform(0, 1, 4, 2)}, rngs)
	for _, p := range nn.Parameters(m) {
		if p.Tensor == b {
			t.Fatal("the Fourier frequencies are a trainable parameter")
		}
	}
	for i, v := range b.Data() {
		if v != before[i] {
			t.Fatalf("frequency %d changed in training: %g to %g", i, before[i], v)
		}
	}
	other := reloaded(t, m, cfg)
	x := rngs.Stream("y").Uniform(0, 1, 3, 2)
	tensor.NoGrad(func() {
		want, got := m.Energy(x).Data(), other.Energy(x).Data()
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("restored model's energy %d = %g, want %g", i, got[i], want[i])
			}
		}
	})
}

func names(ps []nn.Param) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestTrainLossIsDeterministic(t *testing.T) {
	run := func() float32 {
		m := build(t, imageConfig("EBM", map[string]any{"mcmc_steps": 3}), 1)
		rngs := nn.NewRngs(7)
		b := data.Batch{Images: tensor.NewRngs(8).Stream("x").Uniform(0, 1, 4, 2, 6, 5)}
		m.TrainLoss(b, rngs)
		l, _ := m.TrainLoss(b, rngs)
		return l.Item()
	}
	if a, b := run(), run(); a != b {
		t.Errorf("two runs with the same seeds give losses %g and %g", a, b)
	}
}

func TestSampleImagesAreInTheUnitRangeAndLeaveParametersTrainable(t *testing.T) {
	m := build(t, imageConfig("EBM", map[string]any{"data_range": []any{-1, 1}, "sample_steps": 3}), 1)
	var x *tensor.Tensor
	tensor.NoGrad(func() { x = m.SampleImages(5, nn.NewRngs(1)) })
	if !tensor.SameShape(x.Shape(), []int{5, 2, 6, 5}) {
		t.Fatalf("SampleImages shape %v, want [5 2 6 5]", x.Shape())
	}
	for _, v := range x.Data() {
		if v < 0 || v > 1 {
			t.Fatalf("sample value %g outside [0, 1]", v)
		}
	}
	for _, p := range nn.Parameters(m) {
		if !p.Tensor.RequiresGrad() {
			t.Fatalf("%s no longer requires a gradient after sampling", p.Name)
		}
	}
	v := build(t, vectorConfig(3, nil), 1)
	if s := v.SampleImages(2, nn.NewRngs(1)); !tensor.SameShape(s.Shape(), []int{2, 1, 1, 3}) {
		t.Errorf("vector SampleImages shape %v, want [2 1 1 3]", s.Shape())
	}
}

// adam returns an Adam optimizer over the model's parameters.
func adam(t *testing.T, m *ebm.EBM, lr float64) optim.Optimizer {
	t.Helper()
	opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: lr, Betas: [2]float64{0.9, 0.999}})
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

// step takes one optimisation step and returns the logs.
func step(m *ebm.EBM, opt optim.Optimizer, b data.Batch, rngs *tensor.Rngs) map[string]float64 {
	opt.ZeroGrad()
	loss, logs := m.TrainLoss(b, rngs)
	loss.Backward()
	opt.Step()
	return logs
}

// TestDenoisingScoreMatchingGradientMatchesFiniteDifferences checks the
// second-order path the objective differentiates (the parameters' effect
// on ∇ₓE through convolutions, pooling and activations): the gradient of
// the loss with respect to a few parameters against central differences,
// with the same noise each time.
func TestDenoisingScoreMatchingGradientMatchesFiniteDifferences(t *testing.T) {
	for _, class := range []string{"EBM", "DeepEBM"} {
		t.Run(class, func(t *testing.T) {
			m := build(t, imageConfig(class, map[string]any{"objective": "denoising_score_matching", "dsm_sigma": 0.5}), 1)
			b := data.Batch{Images: tensor.NewRngs(8).Stream("x").Uniform(0, 1, 3, 2, 6, 5)}
			loss := func() float64 {
				l, _ := m.TrainLoss(b, tensor.NewRngs(9))
				return float64(l.Item())
			}
			nn.ZeroGrad(m)
			l, _ := m.TrainLoss(b, tensor.NewRngs(9))
			l.Backward()
			for _, p := range nn.Parameters(m) {
				d := p.Tensor.Data()
				g := p.Tensor.Grad()
				if g == nil { // the head's bias shifts E but not its gradient
					g = tensor.ZerosLike(p.Tensor)
				}
				for _, i := range []int{0, len(d) / 2, len(d) - 1} {
					ana := float64(g.Data()[i])
					orig := d[i]
					const h = 1e-2
					d[i] = orig + h
					lp := loss()
					d[i] = orig - h
					lm := loss()
					d[i] = orig
					num := (lp - lm) / (2 * h)
					if math.Abs(ana-num) > 2e-2*math.Max(1, math.Abs(num)) {
						t.Errorf("%s[%d]: analytic %.5f, numeric %.5f", p.Name, i, ana, num)
					}
				}
			}
		})
	}
}

func TestSampleContinuesStoredChainsWithoutReinitialising(t *testing.T) {
	m := build(t, vectorConfig(2, map[string]any{"replay_buffer_size": 4, "reinit_probability": 1.0, "sample_steps": 0}), 1)
	stored := []float32{7, 7, 7, 7, 7, 7, 7, 7}
	m.Buffer.Push(tensor.FromSlice(stored, 4, 2))
	for i, v := range m.Sample(50, nn.NewRngs(2)).Data() {
		if v != 7 {
			t.Fatalf("sample value %d is %g: a chain was reinitialised although the buffer is full", i, v)
		}
	}
	if _, fresh := m.Buffer.Draw(50, tensor.NewRngs(2).Stream("b")); fresh != 50 {
		t.Errorf("training's Draw with reinit_probability 1 gave %d fresh starts of 50", fresh)
	}
}

// reloaded saves m's state to a checkpoint file, reads it back and
// restores it into a model built afresh from cfg with another seed.
func reloaded(t *testing.T, m *ebm.EBM, cfg config.ModelConfiguration) *ebm.EBM {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ebm.safetensors")
	if err := (&checkpoint.Checkpoint{Model: nn.State(m)}).Save(path); err != nil {
		t.Fatal(err)
	}
	c, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	fresh := build(t, cfg, 9)
	if err := c.RestoreModel(fresh); err != nil {
		t.Fatal(err)
	}
	return fresh
}
