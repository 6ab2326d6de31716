package diffusion

import (
	"errors"
	"github.com/artifex-go/artifex/internal/goldentest"
	"math"
	"testing"

	"github.com/artifex-go/artifex/models/backbone"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

type golden struct {
	Indices   []int                           `json:"indices"`
	Schedules map[string]map[string][]float64 `json:"schedules"`
	Loss      struct {
		X0     []float32          `json:"x0"`
		Noise  []float32          `json:"noise"`
		T      []int              `json:"t"`
		Losses map[string]float64 `json:"losses"`
	} `json:"loss"`
}

func loadGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/golden.json") }

func TestSchedulesAndPosteriorCoefficientsMatchGoldenValues(t *testing.T) {
	g := loadGolden(t)
	for _, kind := range Schedules {
		s, err := NewSchedule(kind, 1000, 1e-4, 0.02)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]float64{
			"betas": s.Betas, "alphas_cumprod": s.AlphasCumprod, "posterior_variance": s.PosteriorVariance,
			"posterior_log_variance_clipped": s.PosteriorLogVarianceClipped,
			"posterior_mean_coef1":           s.PosteriorMeanCoef1, "posterior_mean_coef2": s.PosteriorMeanCoef2,
		}
		for name, want := range g.Schedules[kind] {
			for j, i := range g.Indices {
				if d := math.Abs(got[name][i] - want[j]); d > 1e-9*max(1, math.Abs(want[j])) {
					t.Errorf("%s %s[%d] = %.12g, want %.12g", kind, name, i, got[name][i], want[j])
				}
			}
		}
	}
}

func TestNewScheduleRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		kind       string
		T          int
		start, end float64
	}{{"linear", 0, 1e-4, 0.02}, {"linear", 10, 0.1, 0.01}, {"quadratic", 10, 0, 0.02}, {"warped", 10, 1e-4, 0.02}} {
		if _, err := NewSchedule(c.kind, c.T, c.start, c.end); err == nil {
			t.Errorf("NewSchedule(%q, %d, %g, %g) gave no error", c.kind, c.T, c.start, c.end)
		}
	}
}

func TestRespaceKeepsAlphaBarAtChosenSteps(t *testing.T) {
	s, _ := NewSchedule(ScheduleCosine, 1000, 0, 0)
	ts := Timesteps(1000, 25)
	if ts[0] != 0 || ts[24] != 999 {
		t.Fatalf("timesteps %v should run from 0 to 999", ts)
	}
	r, err := s.Respace(ts)
	if err != nil {
		t.Fatal(err)
	}
	for i, ti := range ts {
		if d := math.Abs(r.AlphasCumprod[i] - s.AlphasCumprod[ti]); d > 1e-12 {
			t.Errorf("respaced ᾱ[%d] = %g, want ᾱ[%d] = %g", i, r.AlphasCumprod[i], ti, s.AlphasCumprod[ti])
		}
	}
}

// half is a fixed backbone: it predicts x_t / 2.
type half struct{}

func (half) Forward(x, _ *tensor.Tensor) *tensor.Tensor { return tensor.Scale(x, 0.5) }

func TestLossOnFixedBatchMatchesHandComputedValues(t *testing.T) {
	g := loadGolden(t).Loss
	x0 := tensor.FromSlice(g.X0, 3, 4)
	noise := tensor.FromSlice(g.Noise, 3, 4)
	for key, want := range g.Losses {
		var pred, lt string
		var gamma float64
		for i, part := range splitKey(key) {
			switch i {
			case 0:
				pred = part
			case 1:
				lt = part
			case 2:
				gamma = 5
			}
		}
		d, err := New(half{}, Config{Shape: []int{4}, Prediction: pred, LossType: lt, MinSNRGamma: gamma})
		if err != nil {
			t.Fatal(err)
		}
		got := float64(d.Loss(x0, g.T, noise, nil).Item())
		if math.Abs(got-want) > 1e-5*max(1, math.Abs(want)) {
			t.Errorf("%s: loss %.7g, want %.7g", key, got, want)
		}
	}
}

func splitKey(k string) []string {
	var parts []string
	start := 0
	for i := range len(k) {
		if k[i] == '/' {
			parts = append(parts, k[start:i])
			start = i + 1
		}
	}
	return append(parts, k[start:])
}

func TestPredictStartFromNoiseInvertsQSampleAndPosteriorIsConsistent(t *testing.T) {
	d, _ := New(half{}, Config{Shape: []int{5}, BetaSchedule: ScheduleCosine})
	s := tensor.NewRngs(1).Sample()
	x0, eps := s.Normal(4, 5), s.Normal(4, 5)
	ts := []int{0, 7, 500, 999}
	xt := d.QSample(x0, ts, eps)
	back := d.PredictStartFromNoise(xt, ts, eps)
	assertClose(t, "x0 from noise", back, x0, 2e-3)
	// At t = 0 the posterior mean is x_0 itself (ᾱ_{-1} = 1).
	mean, v, _ := d.QPosteriorMeanVariance(x0, xt, ts)
	if v.At(0, 0) != 0 {
		t.Errorf("posterior variance at t=0 is %g, want 0", v.At(0, 0))
	}
	for j := range 5 {
		if math.Abs(float64(mean.At(0, j)-x0.At(0, j))) > 1e-5 {
			t.Fatalf("posterior mean at t=0 %v, want x0 %v", mean.At(0, j), x0.At(0, j))
		}
	}
}

func assertClose(t *testing.T, name string, got, want *tensor.Tensor, tol float64) {
	t.Helper()
	g, w := got.Data(), want.Data()
	for i := range w {
		if math.Abs(float64(g[i]-w[i])) > tol*max(1, math.Abs(float64(w[i]))) {
			t.Fatalf("%s[%d] = %g, want %g (tolerance %g)", name, i, g[i], w[i], tol)
		}
	}
}

func newMLPModel(t *testing.T, seed uint64, c Config) *DDPM {
	t.Helper()
	net, err := backbone.NewMLP(nn.NewRngs(seed), backbone.MLPConfig{Dim: 2, Hidden: []int{128, 128, 128}, TimeEmbeddingDim: 32, NumClasses: c.NumClasses})
	if err != nil {
		t.Fatal(err)
	}
	c.Shape = []int{2}
	d, err := New(net, c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDDIMWithEtaZeroIsDeterministic(t *testing.T) {
	d := newMLPModel(t, 3, Config{Timesteps: 200})
	noise := tensor.NewRngs(9).Sample().Normal(16, 2)
	a, err := d.Sample(16, SampleOptions{Sampler: SamplerDDIM, Steps: 20, Noise: noise}, tensor.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Sample(16, SampleOptions{Sampler: SamplerDDIM, Steps: 20, Noise: noise}, tensor.NewRngs(2))
	assertClose(t, "second DDIM run", b, a, 0)
	c, _ := d.Sample(16, SampleOptions{Sampler: SamplerDDIM, Steps: 20, Eta: 1, Noise: noise}, tensor.NewRngs(2))
	if same(a, c) {
		t.Error("DDIM with η = 1 drew the same samples as η = 0")
	}
}

// TestSamplersDrawTheSameWithoutTheArena: each denoising step runs in a
// tensor.Arena; with the arena poisoning what it recycles, every sampler
// and the inversion must give what they give without one, bit for bit.
func TestSamplersDrawTheSameWithoutTheArena(t *testing.T) {
	d := newMLPModel(t, 3, Config{Timesteps: 50})
	const n = 2048 // 4096 values per sample batch: from the arena, as the activations
	noise := tensor.NewRngs(9).Sample().Normal(n, 2)
	draw := func() []*tensor.Tensor {
		var out []*tensor.Tensor
		for _, o := range []SampleOptions{{Sampler: SamplerDDPM, Steps: 10}, {Sampler: SamplerDDIM, Steps: 10, Eta: 0.5}} {
			o.Noise = noise
			x, err := d.Sample(n, o, tensor.NewRngs(1))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		x, err := d.Invert(out[1], 10, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		return append(out, x)
	}
	t.Setenv("ARTIFEX_ARENA", "off")
	want := draw()
	t.Setenv("ARTIFEX_ARENA", "poison")
	got := draw()
	for i := range want {
		if !same(got[i], want[i]) {
			t.Errorf("draw %d (ddpm, ddim, inversion) differs with the arena", i)
		}
	}
}

func same(a, b *tensor.Tensor) bool {
	for i, v := range a.Data() {
		if b.Data()[i] != v {
			return false
		}
	}
	return true
}

// mixture draws n points of an equal mixture of 4 Gaussians (σ = 0.15)
// centred at (±1, ±1).
func mixture(s *tensor.Stream, n int) *tensor.Tensor { return modes(s, n, 4) }

// modes draws from the first k components of mixture's, equally weighted.
func modes(s *tensor.Stream, n, k int) *tensor.Tensor {
	x := make([]float32, 2*n)
	for i := range n {
		k := s.Intn(k)
		x[2*i] = float32(2*(k&1)-1) + 0.15*float32(s.NormFloat64())
		x[2*i+1] = float32(2*(k>>1)-1) + 0.15*float32(s.NormFloat64())
	}
	return tensor.FromSlice(x, n, 2)
}

// mmd is the unbiased squared maximum mean discrepancy between two point
// sets under a sum of Gaussian kernels of widths 0.1, 0.3 and 1.
func mmd(a, b *tensor.Tensor) float64 {
	k := func(x, y *tensor.Tensor, self bool) float64 {
		xd, yd := x.Data(), y.Data()
		n, m := x.Dim(0), y.Dim(0)
		s := 0.0
		for i := range n {
			for j := range m {
				if self && i == j {
					continue
				}
				dx, dy := float64(xd[2*i]-yd[2*j]), float64(xd[2*i+1]-yd[2*j+1])
				d2 := dx*dx + dy*dy
				for _, w := range []float64{0.1, 0.3, 1} {
					s += math.Exp(-d2 / (2 * w * w))
				}
			}
		}
		if self {
			return s / float64(n*(n-1))
		}
		return s / float64(n*m)
	}
	return k(a, a, true) + k(b, b, true) - 2*k(a, b, false)
}

func trainMixture(t *testing.T, d *DDPM, steps int, labelled bool) {
	t.Helper()
	opt, err := optim.NewAdam(nn.Parameters(d), optim.AdamConfig{LR: 2e-3})
	if err != nil {
		t.Fatal(err)
	}
	data := tensor.NewRngs(7).Stream("data")
	rngs := tensor.NewRngs(8)
	for range steps {
		x := mixture(data, 128)
		var labels []int
		if labelled {
			labels = quadrant(x)
		}
		noise := rngs.Stream("noise")
		ts := make([]int, 128)
		for i := range ts {
			ts[i] = noise.Intn(d.Schedule().Len())
		}
		opt.ZeroGrad()
		d.Loss(x, ts, noise.Normal(128, 2), d.trainLabels(labels, 128, noise)).Backward()
		opt.Step()
	}
}

// quadrant labels points 0-3 by the mixture component they are nearest.
func quadrant(x *tensor.Tensor) []int {
	l := make([]int, x.Dim(0))
	for i := range l {
		if x.At(i, 0) > 0 {
			l[i] |= 1
		}
		if x.At(i, 1) > 0 {
			l[i] |= 2
		}
	}
	return l
}

// TestTinyDDPMLearnsGaussianMixture trains an MLP DDPM on a 2-D mixture
// of four Gaussians for a few seconds. The threshold is half the MMD² of
// a sample that drops one of the four modes (≈ 0.1; independent data
// samples give ≈ 0.003, the untrained model ≈ 0.5), so it passes only
// when every mode is found with roughly the right weight and width.
func TestTinyDDPMLearnsGaussianMixture(t *testing.T) {
	d := newMLPModel(t, 4, Config{})
	ref := mixture(tensor.NewRngs(11).Stream("data"), 400)
	before, _ := d.Sample(400, SampleOptions{}, tensor.NewRngs(12))
	trainMixture(t, d, 3000, false)
	after, err := d.Sample(400, SampleOptions{}, tensor.NewRngs(12))
	if err != nil {
		t.Fatal(err)
	}
	ddim, _ := d.Sample(400, SampleOptions{Sampler: SamplerDDIM, Steps: 50}, tensor.NewRngs(12))
	floor := mmd(mixture(tensor.NewRngs(13).Stream("data"), 400), ref)
	threshold := mmd(modes(tensor.NewRngs(14).Stream("data"), 400, 3), ref) / 2
	m0, m1, m2 := mmd(before, ref), mmd(after, ref), mmd(ddim, ref)
	t.Logf("MMD²: data vs data %.4f, threshold %.4f, untrained %.4f, trained DDPM-1000 %.4f, DDIM-50 %.4f", floor, threshold, m0, m1, m2)
	if m1 > threshold || m2 > threshold {
		t.Errorf("trained MMD² DDPM %.4f, DDIM %.4f; want < %.4f (untrained %.4f)", m1, m2, threshold, m0)
	}
}

// TestDDIMInversionRoundTrips encodes data to x_T with deterministic DDIM
// and decodes it back. Each step evaluates the noise at its start, so the
// round trip is exact only as the steps shrink; with 100 steps of a
// smooth network the error stays below 2% of the data's scale.
func TestDDIMInversionRoundTrips(t *testing.T) {
	d := newMLPModel(t, 5, Config{Timesteps: 1000})
	x0 := mixture(tensor.NewRngs(3).Stream("data"), 64)
	xT, err := d.Invert(x0, 100, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	back, err := d.Sample(64, SampleOptions{Sampler: SamplerDDIM, Steps: 100, Noise: xT}, tensor.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	var num, den float64
	for i, v := range x0.Data() {
		e := float64(back.Data()[i] - v)
		num += e * e
		den += float64(v) * float64(v)
	}
	rel := math.Sqrt(num / den)
	t.Logf("relative RMS round-trip error %.2e", rel)
	if rel > 0.02 {
		t.Errorf("DDIM inversion round trip: relative RMS error %.3g, want < 0.02", rel)
	}
}

// TestClassifierFreeGuidanceSteersToTheLabelledMode trains a
// class-conditional MLP DDPM whose labels are the mixture's components,
// with 20% label dropout, then draws every sample with label 0: with
// guidance they land in the (-1, -1) quadrant, and unconditional
// samples (no labels) do not.
func TestClassifierFreeGuidanceSteersToTheLabelledMode(t *testing.T) {
	d := newMLPModel(t, 6, Config{NumClasses: 4, LabelDropout: 0.2})
	trainMixture(t, d, 2000, true)
	frac := func(o SampleOptions) float64 {
		x, err := d.Sample(200, o, tensor.NewRngs(3))
		if err != nil {
			t.Fatal(err)
		}
		in := 0
		for _, q := range quadrant(x) {
			if q == 0 {
				in++
			}
		}
		return float64(in) / 200
	}
	zeros := make([]int, 200)
	guided := frac(SampleOptions{Sampler: SamplerDDIM, Steps: 50, Labels: zeros, GuidanceScale: 3})
	cond := frac(SampleOptions{Sampler: SamplerDDIM, Steps: 50, Labels: zeros})
	uncond := frac(SampleOptions{Sampler: SamplerDDIM, Steps: 50})
	t.Logf("share of samples in mode 0: guided (w=3) %.2f, conditional %.2f, unconditional %.2f", guided, cond, uncond)
	if guided < 0.95 || uncond > 0.5 {
		t.Errorf("mode-0 share guided %.2f (want ≥ 0.95), unconditional %.2f (want ≤ 0.5)", guided, uncond)
	}
}

func TestSampleRejectsBadOptions(t *testing.T) {
	d := newMLPModel(t, 1, Config{Timesteps: 10})
	for _, o := range []SampleOptions{{Sampler: "euler"}, {Steps: 11}, {Labels: []int{0}}, {Noise: tensor.Zeros(2, 3)}} {
		if _, err := d.Sample(2, o, tensor.NewRngs(0)); err == nil {
			t.Errorf("Sample with %+v gave no error", o)
		}
	}
}

func TestSampleChecksBeforeEveryStepAndStopsOnItsError(t *testing.T) {
	d := newMLPModel(t, 1, Config{Timesteps: 20})
	stop := errors.New("caller left")
	for _, sampler := range []string{SamplerDDPM, SamplerDDIM} {
		calls := 0
		_, err := d.Sample(3, SampleOptions{Sampler: sampler, Steps: 10, Check: func() error { calls++; return nil }}, tensor.NewRngs(0))
		if err != nil || calls != 10 {
			t.Errorf("%s: %d checks for 10 steps (error %v), want one before each step", sampler, calls, err)
		}
		calls = 0
		_, err = d.Sample(3, SampleOptions{Sampler: sampler, Steps: 10, Check: func() error {
			if calls++; calls == 4 {
				return stop
			}
			return nil
		}}, tensor.NewRngs(0))
		if !errors.Is(err, stop) || calls != 4 {
			t.Errorf("%s: error %v after %d checks, want the check's error at the 4th and no further step", sampler, err, calls)
		}
	}
}
