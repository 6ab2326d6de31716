package factory

import (
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func vectorDDPM(params map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "ddpm_2d", ModelClass: "artifex.generative_models.models.diffusion.DDPM",
		InputDim: config.Dims{2}, HiddenDims: []int{16, 16}, Activation: "silu", Parameters: params,
	}
}

// countingBackbone is a user network: one weight, and a count of calls.
type countingBackbone struct {
	W     *tensor.Tensor
	calls int
}

func (b *countingBackbone) Forward(x, _ *tensor.Tensor) *tensor.Tensor {
	b.calls++
	return tensor.Mul(x, b.W)
}

func TestDiffusionWithBackboneTrainsTheUsersNetwork(t *testing.T) {
	b := &countingBackbone{W: tensor.Ones(2).SetRequiresGrad(true)}
	m, err := CreateModel(vectorDDPM(map[string]any{"noise_steps": 50}), nn.NewRngs(0), WithBackbone(b))
	if err != nil {
		t.Fatal(err)
	}
	d := m.(*diffusion.DDPM)
	if ps := nn.Parameters(d); len(ps) != 1 || ps[0].Tensor != b.W {
		t.Fatalf("model parameters %v, want only the backbone's weight", ps)
	}
	loss, _ := d.TrainLoss(data.Batch{Images: tensor.Ones(4, 2)}, tensor.NewRngs(1))
	loss.Backward()
	if b.calls != 1 || b.W.Grad() == nil {
		t.Errorf("backbone called %d times, gradient %v; want 1 call and a gradient", b.calls, b.W.Grad())
	}
}

func TestDiffusionWithBackboneFnGetsTimeEmbeddingAndRngs(t *testing.T) {
	rngs := nn.NewRngs(0)
	var gotEmb []int
	var gotRngs *nn.Rngs
	fn := func(x, timeEmb *tensor.Tensor, r *nn.Rngs) *tensor.Tensor {
		gotEmb, gotRngs = timeEmb.Shape(), r
		return tensor.Scale(x, 0.5)
	}
	m, err := CreateModel(vectorDDPM(map[string]any{"time_embedding_dim": 32}), rngs, WithBackboneFn(fn))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.(*diffusion.DDPM).Sample(3, diffusion.SampleOptions{Sampler: "ddim", Steps: 2}, tensor.NewRngs(1)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotEmb, []int{3, 32}) || gotRngs != rngs {
		t.Errorf("backbone_fn got time embedding %v and rngs %p, want [3 32] and %p", gotEmb, gotRngs, rngs)
	}
}

func TestSeedDDPMConfigBuildsAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 30M-parameter UNet")
	}
	cfg := config.ModelConfiguration{
		Name: "ddpm", ModelClass: "artifex.generative_models.models.diffusion.DDPM",
		InputDim: config.Dims{32, 32, 3}, HiddenDims: []int{128, 256, 512, 256, 128}, OutputDim: config.Dims{32, 32, 3},
		Activation: "gelu",
		Parameters: map[string]any{"noise_steps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "cosine"},
	}
	m, err := CreateModel(cfg, nn.NewRngs(42))
	if err != nil {
		t.Fatal(err)
	}
	d := m.(*diffusion.DDPM)
	if s := d.Settings(); !slices.Equal(s.Shape, []int{3, 32, 32}) || s.BetaSchedule != "cosine" || s.Timesteps != 1000 {
		t.Errorf("settings %+v", s)
	}
	if got := m.Config().Parameters["prediction_type"]; got != "epsilon" {
		t.Errorf("effective prediction_type %v, want the default epsilon", got)
	}
}

func TestDiffusionBuilderRejectsBadParameters(t *testing.T) {
	for _, c := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"beta_schedule": "warped"}, "beta_schedule"},
		{map[string]any{"noise_steps": 10, "num_timesteps": 20}, "disagree"},
		{map[string]any{"prediction_type": "score"}, "prediction_type"},
		{map[string]any{"backbone": "unet"}, "unet"},
		{map[string]any{"noise_step": 10}, "noise_steps"},
		{map[string]any{"sampler": "euler"}, "sampler"},
	} {
		_, err := CreateModel(vectorDDPM(c.params), nn.NewRngs(0))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parameters %v: error %v, want one mentioning %q", c.params, err, c.want)
		}
	}
}

func TestScoreDiffusionBuildsAndSamples(t *testing.T) {
	cfg := vectorDDPM(map[string]any{"sigma_min": 0.01, "sigma_max": 3.0, "sampling_steps": 5})
	cfg.ModelClass = "ScoreDiffusion"
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	s := m.(*diffusion.ScoreDiffusion)
	for _, sampler := range []string{"euler_maruyama", "pc"} {
		x, err := s.Sample(4, diffusion.ScoreSampleOptions{Sampler: sampler}, tensor.NewRngs(1))
		if err != nil || !slices.Equal(x.Shape(), []int{4, 2}) {
			t.Errorf("%s: samples %v, error %v", sampler, x, err)
		}
	}
}
