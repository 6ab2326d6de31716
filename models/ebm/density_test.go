package ebm_test

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// mixture draws n points from an equal mixture of isotropic Gaussians of
// standard deviation std centred at the given points.
func mixture(n int, centres [][2]float64, std float64, s *tensor.Stream) *tensor.Tensor {
	x := make([]float32, 2*n)
	for i := range n {
		c := centres[s.Intn(len(centres))]
		x[2*i] = float32(c[0] + std*s.NormFloat64())
		x[2*i+1] = float32(c[1] + std*s.NormFloat64())
	}
	return tensor.FromSlice(x, n, 2)
}

// ring returns the eight points at radius r and angles offset + k·45°.
func ring(r, offset float64) [][2]float64 {
	var p [][2]float64
	for k := range 8 {
		a := offset + 2*math.Pi*float64(k)/8
		p = append(p, [2]float64{r * math.Cos(a), r * math.Sin(a)})
	}
	return p
}

func points(p [][2]float64) *tensor.Tensor {
	x := make([]float32, 0, 2*len(p))
	for _, c := range p {
		x = append(x, float32(c[0]), float32(c[1]))
	}
	return tensor.FromSlice(x, len(p), 2)
}

// mmd returns the (biased) squared maximum mean discrepancy between two
// sets of 2-D points [x0 y0 x1 y1 ...] under a Gaussian kernel of width bw.
func mmd(a, b []float32, bw float64) float64 {
	k := func(x, y []float32) float64 {
		var s float64
		for i := 0; i < len(x); i += 2 {
			for j := 0; j < len(y); j += 2 {
				dx, dy := float64(x[i]-y[j]), float64(x[i+1]-y[j+1])
				s += math.Exp(-(dx*dx + dy*dy) / (2 * bw * bw))
			}
		}
		return s / float64(len(x)/2*len(y)/2)
	}
	return k(a, a) + k(b, b) - 2*k(a, b)
}

// nearest returns the index of the centre closest to (x, y) and the
// distance to it.
func nearest(x, y float64, centres [][2]float64) (int, float64) {
	best, dist := 0, math.Inf(1)
	for i, c := range centres {
		if d := math.Hypot(x-c[0], y-c[1]); d < dist {
			best, dist = i, d
		}
	}
	return best, dist
}

// TestEBMRecoversA2DDensity trains a small MLP EBM on a Gaussian mixture
// with each objective and checks what it learnt: every mode has lower
// energy than every point between two modes, and long Langevin chains
// started from uniform noise end near the modes (within three standard
// deviations of the learnt modes, which for score matching are the
// data's smoothed by dsm_sigma), spread evenly over all of them (each
// holds at least half its share), and close to the mixture in maximum
// mean discrepancy (Gaussian kernel of width 0.3; for 800 against 800
// points two data samples score about 0.002, the eight Gaussians with one
// mode missing 0.013, with the modes weighted 5:3 half and half 0.008, a
// uniform ring 0.034).
//
// Contrastive divergence on the eight Gaussians needs the MLP's random
// Fourier features: on x itself, a smooth MLP learns the ring within the
// budget but hardly any energy difference along it (0.002 between a mode
// and the gap next to it after 1500 steps; 3 after 1000 steps at a
// learning rate of 1e-2), because the contrastive-divergence gradient,
// unlike score matching's, does not amplify high-frequency detail.
// With fourier_features, α = 0.03 bounds the energies (without it they
// reach ±50 and chains from noise stall in ripples far from the data),
// and Adam's β₁ = 0 (Du & Mordatch 2019) keeps the steps on the latest
// samples.
func TestEBMRecoversA2DDensity(t *testing.T) {
	two := [][2]float64{{-2, 0}, {2, 0}}
	for _, tc := range []struct {
		name           string
		modes, between [][2]float64
		std            float64
		spread         float64 // std of the learnt modes: DSM learns the data smoothed by dsm_sigma
		steps          int
		beta1          float64
		params         map[string]any
	}{
		{"contrastive_divergence/two_gaussians", two, [][2]float64{{0, 0}, {0, 1}, {0, -1}}, 0.3, 0.3, 600, 0.9, map[string]any{
			"objective": "contrastive_divergence", "mcmc_steps": 20, "step_size": 0.01, "noise_scale": math.Sqrt(0.02),
			"gradient_clip": 0, "replay_buffer_size": 2000, "reinit_probability": 0.05, "energy_regularization": 0.01,
		}},
		{"contrastive_divergence/eight_gaussians", ring(2, 0), ring(2, math.Pi/8), 0.15, 0.15, 600, 0, map[string]any{
			"objective": "contrastive_divergence", "mcmc_steps": 10, "step_size": 0.01, "noise_scale": math.Sqrt(0.02),
			"gradient_clip": 0, "replay_buffer_size": 2000, "reinit_probability": 0.05, "energy_regularization": 0.03,
			"fourier_features": 32, "fourier_scale": 0.25,
		}},
		{"denoising_score_matching/eight_gaussians", ring(2, 0), ring(2, math.Pi/8), 0.15, 0.25, 3000, 0.9, map[string]any{
			"objective": "denoising_score_matching", "dsm_sigma": 0.2,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := map[string]any{"data_range": []any{-3, 3}}
			for k, v := range tc.params {
				p[k] = v
			}
			cfg := vectorConfig(2, p)
			cfg.HiddenDims = []int{64, 64}
			m := build(t, cfg, 1)
			opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 3e-3, Betas: [2]float64{tc.beta1, 0.999}})
			if err != nil {
				t.Fatal(err)
			}
			rngs := tensor.NewRngs(2)
			src := rngs.Stream("data")
			for i := range tc.steps {
				logs := step(m, opt, data.Batch{Images: mixture(128, tc.modes, tc.std, src)}, rngs)
				if (i+1)%(tc.steps/4) == 0 {
					t.Logf("step %d: %v", i+1, logs)
				}
			}
			tensor.NoGrad(func() {
				maxMode, minBetween := math.Inf(-1), math.Inf(1)
				for _, e := range m.Energy(points(tc.modes)).Data() {
					maxMode = max(maxMode, float64(e))
				}
				for _, e := range m.Energy(points(tc.between)).Data() {
					minBetween = min(minBetween, float64(e))
				}
				t.Logf("highest energy of a mode %.3f, lowest between modes %.3f", maxMode, minBetween)
				if !(maxMode < minBetween) {
					t.Errorf("a mode has energy %.3f, not below every point between modes (lowest %.3f)", maxMode, minBetween)
				}
			})
			// Long chains from noise with exact (unclipped, T = 1) Langevin
			// steps.
			l := m.Options().Langevin
			l.Steps, l.StepSize, l.NoiseScale, l.GradClip = 400, 0.005, 0.1, 0
			const n = 800
			x := l.Run(m.Net.Forward, m.Buffer.Noise(n, rngs.Stream("eval")), rngs.Stream("chains"))
			near, count := 0, make([]int, len(tc.modes))
			for i := range n {
				k, d := nearest(float64(x.Data()[2*i]), float64(x.Data()[2*i+1]), tc.modes)
				if d < 3*tc.spread {
					near++
					count[k]++
				}
			}
			t.Logf("%d of %d samples within %.2f of a mode; per mode %v", near, n, 3*tc.spread, count)
			if near < n*8/10 {
				t.Errorf("only %d of %d samples are within %.2f of a mode, want >= 80%%", near, n, 3*tc.spread)
			}
			for k, c := range count {
				if c < n/len(tc.modes)/2 {
					t.Errorf("mode %d holds %d samples of %d, less than half its share: a missing or starved mode", k, c, n)
				}
			}
			// The learnt modes' mixture: the data's for contrastive
			// divergence, smoothed by dsm_sigma for score matching.
			ref := mixture(n, tc.modes, tc.spread, rngs.Stream("reference"))
			d := mmd(x.Data(), ref.Data(), 0.3)
			t.Logf("MMD to the mixture %.4f", d)
			if d > 0.006 {
				t.Errorf("MMD between the samples and the mixture is %.4f, want <= 0.006", d)
			}
		})
	}
}
