package gan_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// small returns a quick configuration of class: 16×16 images, small
// networks.
func small(class string, params map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "small", ModelClass: "artifex.generative_models.models.gan." + class,
		InputDim: config.Dims{8}, HiddenDims: []int{16, 8}, OutputDim: config.Dims{16, 16, 1},
		Parameters: params,
	}
}

func build(t *testing.T, cfg config.ModelConfiguration, seed uint64) *gan.GAN {
	t.Helper()
	m, err := factory.CreateModel(cfg, nn.NewRngs(seed))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*gan.GAN)
}

// uniformBatch is n random images in [0, 1] with labels i mod 10.
func uniformBatch(n int, s *tensor.Stream) data.Batch {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 10
	}
	return data.Batch{Images: s.Uniform(0, 1, n, 1, 16, 16), Labels: labels}
}

func TestZooGANConfigsBuildWithTheirImageShapes(t *testing.T) {
	for name, shape := range map[string][]int{"gan_mnist": {5, 1, 28, 28}, "gan_cifar10": {5, 3, 32, 32}} {
		m, err := zoo.CreateModel(name, nn.NewRngs(0), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g, ok := m.(*gan.GAN)
		if !ok {
			t.Fatalf("%s: built %T, want *gan.GAN", name, m)
		}
		var _ models.Stepper = g
		var _ models.ImageSampler = g
		x, err := g.Generate(5, nn.NewRngs(1))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Shape(), shape) {
			t.Errorf("%s: Generate(5) shape %v, want %v", name, x.Shape(), shape)
		}
		if d := g.Discriminator.Forward(x, nil); !slices.Equal(d.Shape(), []int{5}) {
			t.Errorf("%s: discriminator output shape %v, want [5]", name, d.Shape())
		}
		for _, v := range g.SampleImages(5, nn.NewRngs(1)).Data() {
			if v < 0 || v > 1 {
				t.Fatalf("%s: SampleImages value %g outside [0, 1]", name, v)
			}
		}
		p := g.Config().Parameters
		if p["loss_type"] != "non_saturating" || p["beta1"] != 0.5 || p["critic_iterations"] != 1 {
			t.Errorf("%s: effective parameters %v lack the defaults or the user's values", name, p)
		}
	}
}

func TestConfigKeepsUserParametersAndFillsDefaults(t *testing.T) {
	m := build(t, small("WGAN", map[string]any{"critic_iterations": 3}), 0)
	p := m.Config().Parameters
	if p["critic_iterations"] != 3 {
		t.Errorf("critic_iterations = %v, want the user's 3", p["critic_iterations"])
	}
	if p["gradient_penalty_weight"] != 10.0 || p["loss_type"] != "wasserstein" {
		t.Errorf("WGAN defaults missing: %v", p)
	}
	if m.Config().Activation != "relu" {
		t.Errorf("effective activation %q, want relu", m.Config().Activation)
	}
}

func TestEveryClassAndLossTypeTrainsAStep(t *testing.T) {
	cases := []struct {
		class  string
		params map[string]any
	}{
		{"GAN", nil}, {"DCGAN", nil}, {"LSGAN", nil}, {"WGAN", nil}, {"ConditionalGAN", nil},
		{"DCGAN", map[string]any{"loss_type": "vanilla", "label_smoothing": 0.1, "dropout_rate": 0.3}},
		{"DCGAN", map[string]any{"loss_type": "hinge", "use_batch_norm": false}},
		{"ConditionalGAN", map[string]any{"loss_type": "wasserstein", "gradient_penalty_weight": 10.0, "architecture": "mlp"}},
	}
	for _, c := range cases {
		m := build(t, small(c.class, c.params), 0)
		rngs := nn.NewRngs(1)
		for step := range m.Options().CriticIterations {
			logs, err := m.TrainStep(uniformBatch(6, rngs.Stream("data")), rngs)
			if err != nil {
				t.Fatalf("%s %v: %v", c.class, c.params, err)
			}
			_, hasG := logs["g_loss"]
			if want := step == m.Options().CriticIterations-1; hasG != want {
				t.Errorf("%s %v: step %d: generator updated %v, want %v", c.class, c.params, step, hasG, want)
			}
			for k, v := range logs {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s %v: log %s = %g", c.class, c.params, k, v)
				}
			}
			if _, ok := logs["gp"]; ok != (m.Options().GradientPenaltyWeight > 0) {
				t.Errorf("%s %v: gp logged %v with weight %g", c.class, c.params, ok, m.Options().GradientPenaltyWeight)
			}
		}
		if got := m.Optimizers()["generator"].Steps(); got != 1 {
			t.Errorf("%s %v: %d generator steps after %d critic steps, want 1", c.class, c.params, got, m.Options().CriticIterations)
		}
	}
}

func TestTrainingIsDeterministicForASeed(t *testing.T) {
	run := func() ([]float64, []float32) {
		m := build(t, small("DCGAN", map[string]any{"dropout_rate": 0.3}), 7)
		rngs := nn.NewRngs(9)
		var logs []float64
		for range 3 {
			l, err := m.TrainStep(uniformBatch(8, rngs.Stream("data")), rngs)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, l["d_loss"], l["g_loss"])
		}
		x, _ := m.Generate(4, nn.NewRngs(2))
		return logs, x.Data()
	}
	l1, x1 := run()
	l2, x2 := run()
	if !slices.Equal(l1, l2) || !slices.Equal(x1, x2) {
		t.Fatalf("same seeds, different results: %v vs %v", l1, l2)
	}
}

func TestLossIsAnErrorExplainingTheTwoObjectives(t *testing.T) {
	m := build(t, small("DCGAN", nil), 0)
	_, err := m.Loss(data.Batch{}, nn.NewRngs(0))
	if !errors.Is(err, gan.ErrNoSingleLoss) || !strings.Contains(err.Error(), "two different") {
		t.Fatalf("Loss error = %v", err)
	}
	if _, ok := any(m).(models.Trainable); ok {
		t.Error("a GAN must not satisfy models.Trainable: a trainer would minimise a single loss")
	}
}

func TestBadInputsAreErrors(t *testing.T) {
	m := build(t, small("ConditionalGAN", nil), 0)
	rngs := nn.NewRngs(0)
	b := uniformBatch(4, rngs.Sample())
	for name, bad := range map[string]data.Batch{
		"wrong image size": {Images: tensor.Zeros(4, 1, 28, 28), Labels: b.Labels},
		"signed images":    {Images: tensor.Full(-1, 4, 1, 16, 16), Labels: b.Labels},
		"missing labels":   {Images: b.Images},
		"label too large":  {Images: b.Images, Labels: []int{0, 1, 2, 10}},
	} {
		if _, err := m.TrainStep(bad, rngs); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := m.Generate(0, rngs); err == nil {
		t.Error("Generate(0): no error")
	}
	if _, err := m.GenerateConditional([]int{-1}, rngs); err == nil {
		t.Error("GenerateConditional(-1): no error")
	}
	if _, err := build(t, small("DCGAN", nil), 0).GenerateConditional([]int{1}, rngs); err == nil {
		t.Error("GenerateConditional on an unconditional GAN: no error")
	}
}

func TestBadConfigurationsAreErrorsNamingTheProblem(t *testing.T) {
	for want, cfg := range map[string]config.ModelConfiguration{
		"label_smoothing":        small("WGAN", map[string]any{"label_smoothing": 0.1}),
		"multiples of 4":         {ModelClass: "DCGAN", InputDim: config.Dims{8}, HiddenDims: []int{8, 4}, OutputDim: config.Dims{18, 18, 1}},
		"unknown loss_type":      small("DCGAN", map[string]any{"loss_type": "wgan"}),
		"critic_iterations":      small("DCGAN", map[string]any{"critic_iterations": 0}),
		"unknown parameter":      small("DCGAN", map[string]any{"num_classes": 10}),
		"output_dim":             {ModelClass: "DCGAN", InputDim: config.Dims{8}, HiddenDims: []int{8}, OutputDim: config.Dims{64}},
		"discriminator_features": small("DCGAN", map[string]any{"discriminator_features": "big"}),
	} {
		_, err := factory.CreateModel(cfg, nn.NewRngs(0))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error mentioning %q, got %v", want, err)
		}
	}
}

func TestConditionalGANGeneratesTheGivenClasses(t *testing.T) {
	m := build(t, small("ConditionalGAN", nil), 0)
	x, err := m.GenerateConditional([]int{3, 3, 7}, nn.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Shape(), []int{3, 1, 16, 16}) {
		t.Fatalf("shape %v, want [3 1 16 16]", x.Shape())
	}
	// The same noise with another label gives another image, and the
	// projection discriminator scores an image differently per class.
	z := nn.NewRngs(2).Sample().Normal(1, 8)
	a, _ := m.GenerateFrom(z, []int{3})
	b, _ := m.GenerateFrom(z, []int{7})
	if slices.Equal(a.Data(), b.Data()) {
		t.Error("the label does not change the generated image")
	}
	var s3, s7 *tensor.Tensor
	tensor.NoGrad(func() { s3, s7 = m.Discriminator.Forward(a, []int{3}), m.Discriminator.Forward(a, []int{7}) })
	if s3.Item() == s7.Item() {
		t.Error("the label does not change the discriminator's score")
	}
}

func TestInterpolateRunsFromTheFirstLatentToTheSecond(t *testing.T) {
	m := build(t, small("DCGAN", nil), 0)
	s := nn.NewRngs(3).Sample()
	z0, z1 := s.Normal(8), s.Normal(8)
	path, err := m.Interpolate(z0, z1, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(path.Shape(), []int{5, 1, 16, 16}) {
		t.Fatalf("shape %v, want [5 1 16 16]", path.Shape())
	}
	ends, _ := m.GenerateFrom(tensor.Concat(0, tensor.Reshape(z0, 1, 8), tensor.Reshape(z1, 1, 8)), nil)
	size := 16 * 16
	for i := range size {
		if d0, d1 := path.Data()[i]-ends.Data()[i], path.Data()[4*size+i]-ends.Data()[size+i]; math.Abs(float64(d0)) > 1e-5 || math.Abs(float64(d1)) > 1e-5 {
			t.Fatalf("pixel %d: the path's ends differ from the images of z0 and z1", i)
		}
	}
	if _, err := m.Interpolate(z0, z1, 1, 0); err == nil {
		t.Error("1 step: no error")
	}
	if _, err := m.Interpolate(z0, s.Normal(3), 4, 0); err == nil {
		t.Error("latent of the wrong size: no error")
	}
}
