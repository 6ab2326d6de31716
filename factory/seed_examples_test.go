package factory_test

// The code examples of the seed document (Artifex's "Centralized Factory
// System"), in its order, each transcribed into Go as literally as the API
// allows and each model it builds exercised: a training loss or step, and
// a small sample. Where Go must differ from Python the comment above the
// block says how; README.md shows the two side by side.

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// seedBasicConfig is the seed's "Creating Models with Configuration".
func seedBasicConfig() config.ModelConfiguration {
	return config.ModelConfiguration{
		Name:       "my_vae",
		ModelClass: "artifex.generative_models.models.vae.VAE",
		InputDim:   config.Dims{28, 28, 1},
		HiddenDims: []int{512, 256},
		OutputDim:  config.Dims{64}, // latent_dim for VAE
		Activation: "relu",
		// Model-specific functional parameters go in 'parameters'
		Parameters: map[string]any{
			"encoder_type": "mlp",
			"decoder_type": "mlp",
			"beta":         1.0,
			"kl_weight":    1.0,
		},
		// Non-functional metadata for tracking and documentation
		Metadata: map[string]any{
			"experiment_id":   "exp_001",
			"dataset_version": "v2.1",
		},
	}
}

// images returns n images of shape [C, H, W] with values in [0, 1].
func images(n, c, h, w int) *tensor.Tensor {
	return tensor.NewRngs(7).Stream("data").Uniform(0, 1, n, c, h, w)
}

// exerciseTrainable checks that m computes a finite loss with a gradient
// on batch and draws finite samples.
func exerciseTrainable(t *testing.T, m factory.Model, batch *tensor.Tensor) {
	t.Helper()
	tm, ok := m.(models.Trainable)
	if !ok {
		t.Fatalf("%s is not trainable", m.Config().Name)
	}
	loss, _ := tm.TrainLoss(data.Batch{Images: batch}, tensor.NewRngs(1))
	if v := loss.Item(); math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		t.Fatalf("%s: loss %v", m.Config().Name, v)
	}
	loss.Backward()
	ps := nn.Parameters(m)
	if len(ps) == 0 || ps[0].Tensor.Grad() == nil {
		t.Fatalf("%s: no gradient reached the parameters", m.Config().Name)
	}
	if s, ok := m.(models.ImageSampler); ok {
		checkSamples(t, m.Config().Name, s.SampleImages(2, tensor.NewRngs(2)), batch.Shape()[1:])
	}
}

// checkSamples checks that samples are two finite examples of shape one.
func checkSamples(t *testing.T, name string, s *tensor.Tensor, one []int) {
	t.Helper()
	if want := append([]int{2}, one...); !slices.Equal(s.Shape(), want) {
		t.Fatalf("%s: samples of shape %v, want %v", name, s.Shape(), want)
	}
	for _, v := range s.Data() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s: sample value %v", name, v)
		}
	}
}

func TestSeedBasicUsageCreatesTheVAEAsWritten(t *testing.T) {
	config := seedBasicConfig()
	// Create model
	rngs := nn.NewRngs(42)
	model, err := factory.CreateModel(config, rngs)
	if err != nil {
		t.Fatal(err)
	}
	exerciseTrainable(t, model, images(4, 1, 28, 28))
	// beta and kl_weight are both read: the KL term's weight is their
	// product.
	if w := model.(*vae.VAE).Schedule().Weight(0); w != 1 {
		t.Errorf("KL weight %g, want beta × kl_weight = 1", w)
	}
	if md := model.Config().Metadata; md["experiment_id"] != "exp_001" || md["dataset_version"] != "v2.1" {
		t.Errorf("metadata not kept: %v", md)
	}
}

func TestSeedParameterHandlingCorrectAndWrongExamples(t *testing.T) {
	// ✅ CORRECT - Use parameters field. The seed leaves the other fields
	// out; they are the basic example's.
	correct := seedBasicConfig()
	correct.Parameters = map[string]any{
		"beta":      1.0,
		"kl_weight": 0.5,
	}
	for _, class := range []string{"artifex.generative_models.models.vae.VAE", "artifex.generative_models.models.vae.BetaVAE"} {
		correct.ModelClass = class
		m, err := factory.CreateModel(correct, nn.NewRngs(0))
		if err != nil {
			t.Fatalf("%s: %v", class, err)
		}
		exerciseTrainable(t, m, images(2, 1, 28, 28))
		w := m.(interface{ Schedule() vae.Schedule }).Schedule().Weight(0)
		if w != 0.5 {
			t.Errorf("%s: KL weight %g, want beta × kl_weight = 0.5", class, w)
		}
	}

	// ❌ WRONG - Don't nest model params in metadata
	wrong := seedBasicConfig()
	wrong.Parameters = nil
	wrong.Metadata = map[string]any{"vae_params": map[string]any{"beta": 1.0}} // DON'T DO THIS
	_, err := factory.CreateModel(wrong, nn.NewRngs(0))
	if err == nil || !strings.Contains(err.Error(), `metadata["vae_params"] nests model parameters`) {
		t.Errorf("nested model parameters in metadata: error %v", err)
	}
}

func TestSeedVAEModelsStandardAndBeta(t *testing.T) {
	// Standard VAE
	vaeConfig := config.ModelConfiguration{
		Name:       "vae",
		ModelClass: "artifex.generative_models.models.vae.VAE",
		InputDim:   config.Dims{28, 28, 1},
		HiddenDims: []int{512, 256},
		OutputDim:  config.Dims{64}, // latent_dim
		Parameters: map[string]any{
			"encoder_type": "cnn", // or "mlp"
			"decoder_type": "cnn", // or "mlp"
			"kl_weight":    1.0,
		},
	}
	// Beta-VAE
	betaVAEConfig := config.ModelConfiguration{
		Name:       "beta_vae",
		ModelClass: "artifex.generative_models.models.vae.BetaVAE",
		InputDim:   config.Dims{64, 64, 3},
		HiddenDims: []int{256, 128, 64},
		OutputDim:  config.Dims{32},
		Parameters: map[string]any{
			"beta":              4.0,
			"beta_warmup_steps": 1000,
		},
	}
	rngs := nn.NewRngs(0)
	m, err := factory.CreateModel(vaeConfig, rngs)
	if err != nil {
		t.Fatal(err)
	}
	exerciseTrainable(t, m, images(2, 1, 28, 28))
	b, err := factory.CreateModel(betaVAEConfig, rngs)
	if err != nil {
		t.Fatal(err)
	}
	exerciseTrainable(t, b, images(2, 3, 64, 64))
	if s := b.(*vae.BetaVAE).Schedule(); s.Weight(500) != 2 || s.Weight(1000) != 4 {
		t.Errorf("β warm-up: weight %g at step 500 and %g at 1000, want 2 and 4", s.Weight(500), s.Weight(1000))
	}
}

func TestSeedDCGANWithChannelsFirstImageShape(t *testing.T) {
	// DCGAN
	ganConfig := config.ModelConfiguration{
		Name:       "dcgan",
		ModelClass: "artifex.generative_models.models.gan.DCGAN",
		InputDim:   config.Dims{100}, // latent_dim
		HiddenDims: []int{256, 128, 64},
		OutputDim:  config.Dims{3, 32, 32}, // image shape
		Parameters: map[string]any{
			"discriminator_features": []int{64, 128, 256},
			"use_batch_norm":         true,
			"dropout_rate":           0.2,
		},
	}
	// Create GAN
	rngs := nn.NewRngs(0)
	g, err := factory.CreateModel(ganConfig, rngs)
	if err != nil {
		t.Fatal(err)
	}
	if f := g.Config().Parameters["data_format"]; f != config.ChannelsFirst {
		t.Errorf("effective data_format %v, want %s", f, config.ChannelsFirst)
	}
	m := g.(*gan.GAN)
	logs, err := m.TrainStep(data.Batch{Images: images(4, 3, 32, 32)}, tensor.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) == 0 {
		t.Error("a GAN step logged nothing")
	}
	s, err := m.Generate(2, tensor.NewRngs(2))
	if err != nil {
		t.Fatal(err)
	}
	checkSamples(t, "dcgan", s, []int{3, 32, 32})
}

// seedDDPMConfig is the seed's DDPM configuration at the seed's
// 32×32×3 size; hidden_dims and activation belong to the built-in UNet.
func seedDDPMConfig() config.ModelConfiguration {
	return config.ModelConfiguration{
		Name:       "ddpm",
		ModelClass: "artifex.generative_models.models.diffusion.DDPM",
		InputDim:   config.Dims{32, 32, 3},
		HiddenDims: []int{128, 256, 512, 256, 128},
		OutputDim:  config.Dims{32, 32, 3},
		Activation: "gelu",
		Parameters: map[string]any{
			"noise_steps":   1000,
			"beta_start":    0.0001,
			"beta_end":      0.02,
			"beta_schedule": "cosine",
		},
	}
}

func TestSeedDDPMWithBackboneFn(t *testing.T) {
	diffusionConfig := seedDDPMConfig()
	// Diffusion models need a backbone function. In Go it is a
	// factory.BackboneFn given with factory.WithBackboneFn (Python's
	// backbone_fn= keyword).
	backboneFn := func(x, timeEmb *tensor.Tensor, rngs *nn.Rngs) *tensor.Tensor {
		// Your UNet or other backbone implementation: here, a fixed
		// shrink by the mean of the time embedding.
		return tensor.Scale(x, 0.5+0.1*tensor.Mean(timeEmb).Item())
	}
	rngs := nn.NewRngs(0)
	d, err := factory.CreateModel(diffusionConfig, rngs, factory.WithBackboneFn(backboneFn))
	if err != nil {
		t.Fatal(err)
	}
	loss, _ := d.(models.Trainable).TrainLoss(data.Batch{Images: images(2, 3, 32, 32)}, tensor.NewRngs(1))
	if v := loss.Item(); math.IsNaN(float64(v)) {
		t.Fatalf("loss %v", v)
	}
	s, err := d.(*diffusion.DDPM).Sample(2, diffusion.SampleOptions{Sampler: "ddim", Steps: 5}, tensor.NewRngs(2))
	if err != nil {
		t.Fatal(err)
	}
	checkSamples(t, "ddpm", s, []int{3, 32, 32})
	if got := d.Config().Parameters["backbone"]; got != "backbone_fn" {
		t.Errorf("effective backbone %v, want backbone_fn (a function given in code)", got)
	}
	notes := strings.Join(d.(models.Noter).Notes(), "\n")
	if !strings.Contains(notes, "does not read hidden_dims, activation") {
		t.Errorf("notes %q do not report the fields the function leaves unused", notes)
	}
	// A function holds no parameters the model can see: training it is
	// an error that says so and what to do, not a panic.
	_, err = train.NewLossStep(d.(models.Trainable), train.DefaultSettings, 10)
	if err == nil || !strings.Contains(err.Error(), "has no trainable parameters") || !strings.Contains(err.Error(), "give a struct of layers to factory.WithBackbone") {
		t.Errorf("training a backbone_fn model: %v", err)
	}
}

func TestSeedModalityAdaptationOfTheBasicConfig(t *testing.T) {
	basic := seedBasicConfig() // the seed's `config`
	rngs := nn.NewRngs(0)
	// Create a VAE adapted for protein data. The protein modality reads
	// sequences of residues, so the image VAE of the basic example gets
	// the error that says so; the seed's modalities are then applied to
	// configurations of their data.
	_, err := factory.CreateModel(basic, rngs, factory.WithModality("protein"))
	var me *factory.ModalityError
	if !errors.As(err, &me) || !strings.HasPrefix(err.Error(), "Failed to apply modality 'protein': ") {
		t.Errorf("protein modality on an image VAE: %v", err)
	}
	for _, c := range []struct {
		modality string
		cfg      config.ModelConfiguration
		batch    *tensor.Tensor
	}{
		{"image", basic, images(2, 1, 28, 28)},
		{"protein", zooConfig(t, "vae_protein"), nil},
	} {
		m, err := factory.CreateModel(c.cfg, rngs, factory.WithModality(c.modality))
		if err != nil {
			t.Fatalf("%s: %v", c.modality, err)
		}
		if c.batch != nil {
			exerciseTrainable(t, m, c.batch)
		}
	}
}

func zooConfig(t *testing.T, name string) config.ModelConfiguration {
	t.Helper()
	cfg, err := zoo.GetConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSeedModelZooCalls(t *testing.T) {
	// List available configurations
	configs := zoo.ListConfigs("")
	for _, name := range []string{"vae_mnist", "gan_cifar10", "ebm_cifar", "pixel_cnn_cifar10", "diffusion_celeba", "gan_mnist", "vae_protein", "diffusion_foldingdiff"} {
		if !slices.Contains(configs, name) {
			t.Errorf("zoo lacks the seed's %s", name)
		}
	}
	// List by category
	visionConfigs := zoo.ListConfigs("vision")
	proteinConfigs := zoo.ListConfigs("protein")
	if !slices.Contains(visionConfigs, "gan_cifar10") || !slices.Contains(proteinConfigs, "vae_protein") || slices.Contains(visionConfigs, "vae_protein") {
		t.Errorf("categories: vision %v, protein %v", visionConfigs, proteinConfigs)
	}
	// Get configuration details
	info, err := zoo.GetInfo("vae_mnist")
	if err != nil || info.Family != "vae" || info.Category != "vision" {
		t.Fatalf("info %+v, err %v", info, err)
	}
	// Create model from zoo
	rngs := nn.NewRngs(0)
	model, err := zoo.CreateModel("vae_mnist", rngs, nil)
	if err != nil {
		t.Fatal(err)
	}
	exerciseTrainable(t, model, images(2, 1, 28, 28))
	// Create with overrides: Python's keyword arguments are a
	// zoo.Overrides map.
	model, err = zoo.CreateModel("gan_cifar10", rngs, zoo.Overrides{
		"hidden_dims":   []int{1024, 512, 256, 128}, // Override architecture
		"learning_rate": 0.0001,                     // Override training params
	})
	if err != nil {
		t.Fatal(err)
	}
	p := model.Config().Parameters
	if !slices.Equal(model.Config().HiddenDims, []int{1024, 512, 256, 128}) || p["generator_lr"] != 0.0001 || p["discriminator_lr"] != 0.0001 {
		t.Errorf("overrides not applied: hidden %v, parameters %v", model.Config().HiddenDims, p)
	}
	if _, err := model.(*gan.GAN).Generate(2, tensor.NewRngs(1)); err != nil {
		t.Fatal(err)
	}
}

// The seed's "Adding New Model Types", in Go: a model of the user's own
// (here a small linear autoencoder with a real loss), its builder with
// the seed's _prepare_config pattern, its registration, its detection
// pattern and a zoo YAML that names it.

// MyModel is the user's model class.
type MyModel struct {
	Enc, Dec *nn.Linear
	cfg      config.ModelConfiguration
}

// Config implements factory.Model.
func (m *MyModel) Config() config.ModelConfiguration { return m.cfg }

// TrainLoss is the squared reconstruction error.
func (m *MyModel) TrainLoss(b data.Batch, _ *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x := tensor.Reshape(b.Images, b.Images.Shape()[0], -1)
	d := tensor.Sub(m.Dec.Forward(m.Enc.Forward(x)), x)
	loss := tensor.Mean(tensor.Mul(d, d))
	return loss, map[string]float64{"mse": float64(loss.Item())}
}

// MyModelBuilder builds MyModel.
type MyModelBuilder struct{}

// Build builds the model from the configuration.
func (MyModelBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...factory.Option) (factory.Model, error) {
	// Parse model class
	className := factory.ClassName(cfg.ModelClass)
	// Prepare configuration
	modified := prepareConfig(cfg, className)
	width, err := factory.GetInt(modified.Parameters, "another_param", 0)
	if err != nil {
		return nil, err
	}
	in := modified.InputDim.Size()
	return &MyModel{Enc: nn.NewLinear(rngs, in, width), Dec: nn.NewLinear(rngs, width, in), cfg: modified}, nil
}

// prepareConfig follows the clean parameter handling pattern: user
// parameters always win, defaults fill the rest.
func prepareConfig(cfg config.ModelConfiguration, _ string) config.ModelConfiguration {
	cfg.Parameters = factory.WithDefaults(cfg.Parameters, map[string]any{
		"my_param":      "default",
		"another_param": 100,
	})
	return cfg
}

var registerMyModel = sync.OnceValue(func() error {
	// 2. Register the Builder (in Go: a call from the user's program,
	// not an edit of the library's core.go).
	if err := factory.DefaultRegistry().Register("my_model", MyModelBuilder{}); err != nil {
		return err
	}
	// 3. Add Model Type Detection
	return factory.DefaultRegistry().RegisterPattern(`.*MyModel$`, "my_model")
})

const seedZooYAML = `name: my_model_config
model_class: artifex.generative_models.models.my_module.MyModel
type: model
description: My custom model configuration
version: 1.0.0

# Architecture
input_dim: [28, 28, 1]
hidden_dims: [256, 128]
output_dim: 64
activation: relu

# Model parameters (functional configuration)
parameters:
  param1: value1
  param2: value2

# Metadata (non-functional information)
metadata:
  training_defaults:
    batch_size: 128
    learning_rate: 0.001
    epochs: 100
  experiment_notes: "Initial configuration for testing"

tags:
  - category
  - model_type
  - dataset
`

func TestSeedAddingANewModelTypeFromUserCode(t *testing.T) {
	if err := registerMyModel(); err != nil {
		t.Fatal(err)
	}
	for class, want := range map[string]string{
		"artifex.generative_models.models.my_module.MyModel":  "my_model", // by the pattern
		"artifex.generative_models.models.my_model.Anything":  "my_model", // a type name is a module name
		"artifex.generative_models.models.vae.VAE":            "vae",
		"artifex.generative_models.models.unknown.Unknown":    "unknown",
		"artifex.generative_models.models.my_module.NotMine1": "unknown",
	} {
		if got := factory.DetectModelType(class); got != want {
			t.Errorf("DetectModelType(%q) = %q, want %q", class, got, want)
		}
	}
	// Adding Zoo Configurations: a YAML file in zoo/configs/{category}/,
	// which a Go program adds with zoo.AddDir.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "category"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "category", "my_model_config.yaml"), []byte(seedZooYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := zoo.AddDir(dir); err != nil {
		t.Fatal(err)
	}
	m, err := zoo.CreateModel("my_model_config", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Config().Parameters
	if p["param1"] != "value1" || p["my_param"] != "default" || p["another_param"] != 100 {
		t.Errorf("prepared parameters %v: user parameters must be kept and defaults added", p)
	}
	exerciseTrainable(t, m, images(2, 1, 28, 28))
}

func TestSeedErrorHandlingTextsAreExact(t *testing.T) {
	rngs := nn.NewRngs(0)
	// Invalid model type
	cfg := seedBasicConfig()
	cfg.ModelClass = "artifex.generative_models.models.unknown.Unknown"
	_, err := factory.CreateModel(cfg, rngs)
	if err == nil || !strings.HasPrefix(err.Error(), "No builder registered for type 'unknown'. Available types: vae, gan, diffusion, flow, ebm, autoregressive, geometric") {
		t.Errorf("invalid model type: %v", err)
	}
	// Missing required configuration
	cfg.ModelClass = "" // Empty
	if _, err := factory.CreateModel(cfg, rngs); err == nil || err.Error() != "model_class must be specified in configuration" {
		t.Errorf("empty model_class: %v", err)
	}
	// Invalid modality
	_, err = factory.CreateModel(seedBasicConfig(), rngs, factory.WithModality("nonexistent"))
	if err == nil || err.Error() != "Failed to apply modality 'nonexistent': unknown modality; available: audio, image, multi_modal, protein, tabular, text" {
		t.Errorf("invalid modality: %v", err)
	}
}

func TestSeedMigrationGuideCalls(t *testing.T) {
	config := seedBasicConfig()
	rngs := nn.NewRngs(0)
	// From Old Factory Functions
	v, err := factory.CreateModel(config, rngs)
	if err != nil {
		t.Fatal(err)
	}
	// From Dataset-Specific Factories
	z, err := zoo.CreateModel("vae_mnist", rngs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// From Protein-Specific Factories: the protein modality applies to a
	// configuration over protein data (see the modality example above).
	p, err := factory.CreateModel(zooConfig(t, "vae_protein"), rngs, factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []factory.Model{v, z, p} {
		if _, ok := m.(models.Trainable); !ok {
			t.Errorf("%s is not trainable", m.Config().Name)
		}
	}
}

func TestSeedTestingExample(t *testing.T) {
	config := config.ModelConfiguration{
		Name:       "test_model",
		ModelClass: "artifex.generative_models.models.vae.VAE",
		InputDim:   config.Dims{28, 28, 1},
		HiddenDims: []int{128},
		OutputDim:  config.Dims{32},
	}
	rngs := nn.NewRngs(42)
	model, err := factory.CreateModel(config, rngs)
	if err != nil {
		t.Fatal(err)
	}
	// hasattr(model, "encode") and hasattr(model, "decode"): in Go, an
	// interface the model satisfies.
	ed, ok := model.(interface {
		Encode(x *tensor.Tensor) (mu, logvar *tensor.Tensor)
		Decode(z *tensor.Tensor) *tensor.Tensor
	})
	if !ok {
		t.Fatal("the VAE has no Encode and Decode")
	}
	mu, _ := ed.Encode(images(2, 1, 28, 28))
	// model.latent_dim == 32
	if latentDim := mu.Shape()[1]; latentDim != 32 || model.Config().OutputDim[0] != 32 {
		t.Errorf("latent size %d, want 32", latentDim)
	}
}
