package factory

import (
	"reflect"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// builtinRegistry returns a registry of its own holding the built-ins, so
// that a test may register into it without touching DefaultRegistry.
func builtinRegistry(t *testing.T) *Registry {
	t.Helper()
	r := NewRegistry()
	if err := registerBuiltins(r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegisterPatternAndModuleRefuseBadInput(t *testing.T) {
	r := builtinRegistry(t)
	for _, c := range []struct {
		err  error
		want string
	}{
		{r.RegisterPattern(`(`, "vae"), "missing closing )"},
		{r.RegisterPattern(`.*MyModel$`, "my_model"), `no builder registered for type "my_model"; register the builder first`},
		{r.RegisterModule("energy", "vae"), `already selects type "ebm"`},
		{r.RegisterModule("a.b", "vae"), "one path element"},
		{r.RegisterModule("gan", "vae"), `it is the name of type "gan"`},
		{r.Register("my.model", BuilderFunc(nil)), "no '.' or '/'"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", c.err, c.want)
		}
	}
}

func TestUserTypeIsDetectedByItsNameAsModuleAndByItsPatternAfterTheBuiltins(t *testing.T) {
	r := builtinRegistry(t)
	b := BuilderFunc(func(cfg config.ModelConfiguration, _ *nn.Rngs, _ ...Option) (Model, error) {
		return &testModel{cfg: cfg}, nil
	})
	if err := r.Register("my_model", b); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterPattern(`.*MyModel$`, "my_model"); err != nil {
		t.Fatal(err)
	}
	for class, want := range map[string]string{
		"artifex.generative_models.models.my_module.MyModel": "my_model",
		"my_model.Anything":     "my_model",
		"pkg.MyModel":           "my_model",
		"pkg.MyFlowModel":       "flow", // a built-in pattern comes first
		"my_model.vae.VAE":      "vae",  // the module nearest the class wins
		"vae.my_model.Whatever": "my_model",
	} {
		if got := r.DetectModelType(class); got != want {
			t.Errorf("DetectModelType(%q) = %q, want %q", class, got, want)
		}
	}
	if got := DetectModelType("pkg.MyModel"); got != "unknown" {
		t.Errorf("a registration in another registry changed DefaultRegistry: %q", got)
	}
}

func TestImageShapesAreAcceptedChannelsFirstOrLastAndTheLayoutIsRecorded(t *testing.T) {
	gen := func(out config.Dims, params map[string]any) (*gan.GAN, error) {
		m, err := CreateModel(config.ModelConfiguration{
			Name: "g", ModelClass: "DCGAN", InputDim: config.Dims{16}, HiddenDims: []int{16, 8}, OutputDim: out, Parameters: params,
		}, nn.NewRngs(0))
		if err != nil {
			return nil, err
		}
		return m.(*gan.GAN), nil
	}
	first, err := gen(config.Dims{3, 32, 32}, nil)
	if err != nil {
		t.Fatal(err)
	}
	last, err := gen(config.Dims{32, 32, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Options().ImageShape != [3]int{32, 32, 3} || last.Options().ImageShape != first.Options().ImageShape {
		t.Errorf("image shapes %v and %v, want [32 32 3] for both layouts", first.Options().ImageShape, last.Options().ImageShape)
	}
	if first.Config().Parameters["data_format"] != config.ChannelsFirst || last.Config().Parameters["data_format"] != "channels_last" {
		t.Errorf("recorded layouts %v and %v", first.Config().Parameters["data_format"], last.Config().Parameters["data_format"])
	}
	if !reflect.DeepEqual(first.Config().OutputDim, config.Dims{3, 32, 32}) {
		t.Errorf("the user's output_dim was rewritten: %v", first.Config().OutputDim)
	}
	if g, err := gen(config.Dims{3, 16, 16}, map[string]any{"data_format": "channels_first"}); err != nil || g.Options().ImageShape != [3]int{16, 16, 3} {
		t.Errorf("data_format channels_first on [3 16 16]: %v", err)
	}

	// Ambiguous shapes need data_format; the same configuration with it
	// builds, and so does its effective configuration, to the same shape.
	flow := config.ModelConfiguration{Name: "f", ModelClass: "RealNVP", InputDim: config.Dims{4, 4, 4}, HiddenDims: []int{8}}
	if _, err := CreateModel(flow, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "parameters.data_format") {
		t.Errorf("ambiguous [4 4 4]: error %v, want one asking for data_format", err)
	}
	flow.Parameters = map[string]any{"data_format": "channels_first", "num_scales": 1}
	m, err := CreateModel(flow, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	again, err := CreateModel(m.Config(), nn.NewRngs(0))
	if err != nil || nn.CountParameters(again) != nn.CountParameters(m) {
		t.Errorf("the effective configuration rebuilds to %v parameters (err %v), want %d", nn.CountParameters(again), err, nn.CountParameters(m))
	}

	// data_format where there is no image is refused, not ignored.
	vec := config.ModelConfiguration{Name: "v", ModelClass: "VAE", InputDim: config.Dims{10}, Parameters: map[string]any{"data_format": "channels_last"}}
	if _, err := CreateModel(vec, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "applies to image shapes") {
		t.Errorf("data_format on a vector VAE: %v", err)
	}
}

func TestSeedClassNamesBuildTheirModels(t *testing.T) {
	for _, cfg := range []config.ModelConfiguration{
		{Name: "s", ModelClass: "artifex.generative_models.models.diffusion.ScoreBased", InputDim: config.Dims{2}, HiddenDims: []int{8}},
		{Name: "w", ModelClass: "artifex.generative_models.models.gan.WGAN", InputDim: config.Dims{16}, HiddenDims: []int{16, 8}, OutputDim: config.Dims{3, 16, 16}},
		{Name: "p", ModelClass: "artifex.generative_models.models.geometric.PointCloud", InputDim: config.Dims{16, 3}, HiddenDims: []int{8}},
		{Name: "m", ModelClass: "artifex.generative_models.models.geometric.Mesh", InputDim: config.Dims{16, 3}, HiddenDims: []int{8}},
		{Name: "g", ModelClass: "artifex.generative_models.models.geometric.Graph", InputDim: config.Dims{8, 5}, HiddenDims: []int{8}, Parameters: map[string]any{"noise_steps": 10}},
	} {
		m, err := CreateModel(cfg, nn.NewRngs(0))
		if err != nil {
			t.Errorf("%s: %v", cfg.ModelClass, err)
			continue
		}
		if nn.CountParameters(m) == 0 {
			t.Errorf("%s built a model with no parameters", cfg.ModelClass)
		}
	}
}

// scaler is a user backbone with one weight per input value.
type scaler struct{ W *tensor.Tensor }

func (s *scaler) Forward(x, _ *tensor.Tensor) *tensor.Tensor { return tensor.Mul(x, s.W) }

func newScaler(spec BackboneSpec, _ *nn.Rngs) (Backbone, error) {
	init, err := GetFloat(spec.Config.Parameters, "scale_init", 1)
	if err != nil {
		return nil, err
	}
	w := tensor.Ones(spec.Shape...)
	for i := range w.Data() {
		w.Data()[i] = float32(init)
	}
	return &scaler{W: w.SetRequiresGrad(true)}, nil
}

func TestRegisteredBackboneIsRecordedTrainedAndRebuiltFromTheEffectiveConfiguration(t *testing.T) {
	r := builtinRegistry(t)
	cfg := vectorDDPM(map[string]any{"backbone": "scaler", "scale_init": 0.5, "noise_steps": 10})
	if _, err := r.CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), `unknown parameter "scale_init"`) {
		t.Errorf("a parameter of an unregistered backbone: %v", err)
	}
	if err := r.RegisterBackbone("scaler", newScaler, "scale_init"); err != nil {
		t.Fatal(err)
	}
	m, err := r.CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Config().Parameters["backbone"]; got != "scaler" || nn.CountParameters(m) != 2 {
		t.Errorf("backbone %v with %d parameters, want scaler with 2", got, nn.CountParameters(m))
	}
	again, err := r.CreateModel(m.Config(), nn.NewRngs(1))
	if err != nil || nn.CountParameters(again) != 2 {
		t.Fatalf("rebuilding from the effective configuration: %v", err)
	}
	cfg.Parameters["backbone"] = "scalar"
	if _, err := r.CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), `unknown backbone "scalar" (did you mean scaler?); registered backbones: mlp, scaler, transformer, unet`) {
		t.Errorf("a misspelt backbone: %v", err)
	}
	for _, name := range []string{"", "user:x", "backbone_fn", "scaler"} {
		if err := r.RegisterBackbone(name, newScaler); err == nil {
			t.Errorf("RegisterBackbone(%q) accepted", name)
		}
	}
}

func TestBackboneGivenInCodeIsRecordedAndNeededToRebuild(t *testing.T) {
	b := &countingBackbone{W: tensor.Ones(2).SetRequiresGrad(true)}
	m, err := CreateModel(vectorDDPM(map[string]any{"noise_steps": 10, "num_layers": 3}), nn.NewRngs(0), WithBackbone(b))
	if err != nil {
		t.Fatal(err)
	}
	rec := m.Config().Parameters["backbone"]
	if rec != "user:*factory.countingBackbone" {
		t.Errorf("recorded backbone %v, want user:*factory.countingBackbone", rec)
	}
	notes := strings.Join(m.(models.Noter).Notes(), "\n")
	if !strings.Contains(notes, "does not read hidden_dims, activation, parameters.num_layers") {
		t.Errorf("notes %q do not name the unused fields", notes)
	}
	if _, err := CreateModel(m.Config(), nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "built with a backbone given in code (user:*factory.countingBackbone); pass the same network again with factory.WithBackbone") {
		t.Errorf("rebuilding without the backbone: %v", err)
	}
	if _, err := CreateModel(m.Config(), nn.NewRngs(0), WithBackbone(&scaler{W: tensor.Ones(2)})); err == nil || !strings.Contains(err.Error(), "a checkpoint is rebuilt only with the network it was trained with") {
		t.Errorf("rebuilding with another backbone type: %v", err)
	}
	if _, err := CreateModel(m.Config(), nn.NewRngs(0), WithBackbone(&countingBackbone{W: tensor.Ones(2).SetRequiresGrad(true)})); err != nil {
		t.Errorf("rebuilding with the same backbone type: %v", err)
	}
}

func TestHugeSizesAreAnErrorNotACrash(t *testing.T) {
	for _, cfg := range []config.ModelConfiguration{
		{Name: "v", ModelClass: "VAE", InputDim: config.Dims{28, 28, 1}, HiddenDims: []int{2000000000, 256}},
		{Name: "l", ModelClass: "VAE", InputDim: config.Dims{28, 28, 1}, HiddenDims: []int{64}, OutputDim: config.Dims{4000000000}},
		{Name: "d", ModelClass: "DDPM", InputDim: config.Dims{3000000000}, HiddenDims: []int{64}},
	} {
		_, err := CreateModel(cfg, nn.NewRngs(0))
		if err == nil || !strings.Contains(err.Error(), "sizes are too large") || !strings.Contains(err.Error(), "over the limit") {
			t.Errorf("%s %v %v: %v", cfg.ModelClass, cfg.HiddenDims, cfg.OutputDim, err)
		}
	}
}
