package factory

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// testModel is the smallest Model: it remembers its effective config and
// the options it was built with.
type testModel struct {
	cfg      config.ModelConfiguration
	opts     Options
	adapted  string
	wrapping Model
}

func (m *testModel) Config() config.ModelConfiguration { return m.cfg }

// testBuilder builds testModels for classes with declared parameters,
// filling defaults the way builders must.
type testBuilder struct {
	family  string
	classes map[string][]string
}

func (b testBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error) {
	cfg.Parameters = WithDefaults(cfg.Parameters, map[string]any{"kl_weight": 1.0, "encoder_type": "mlp"})
	if _, err := GetFloat(cfg.Parameters, "kl_weight", 1); err != nil {
		return nil, err
	}
	return &testModel{cfg: cfg, opts: ApplyOptions(opts...)}, nil
}

func (b testBuilder) Classes() []string {
	var cs []string
	for c := range b.classes {
		cs = append(cs, c)
	}
	return cs
}

func (b testBuilder) ParameterSchema(class string) config.ParameterSchema {
	return config.ParameterSchema{Family: b.family, Known: b.classes[class]}
}

type testModality struct {
	name string
	fail bool
}

func (m testModality) Name() string { return m.name }

func (m testModality) Adapt(model Model, family string) (Model, error) {
	if m.fail {
		return nil, fmt.Errorf("%s models are not supported", family)
	}
	return &testModel{cfg: model.Config(), adapted: m.name + "/" + family, wrapping: model}, nil
}

func newTestRegistry(t *testing.T) *Registry {
	t.Helper()
	r := NewRegistry()
	vae := testBuilder{family: "vae", classes: map[string][]string{
		"VAE": {"encoder_type", "decoder_type", "kl_weight"}, "BetaVAE": {"beta", "kl_weight", "encoder_type"},
	}}
	for _, reg := range []struct {
		name string
		b    Builder
	}{{"vae", vae}, {"gan", BuilderFunc(func(cfg config.ModelConfiguration, _ *nn.Rngs, opts ...Option) (Model, error) {
		return &testModel{cfg: cfg, opts: ApplyOptions(opts...)}, nil
	})}, {"diffusion", BuilderFunc(func(cfg config.ModelConfiguration, _ *nn.Rngs, opts ...Option) (Model, error) {
		if ApplyOptions(opts...).Backbone == nil {
			return nil, errors.New("a backbone is required")
		}
		return &testModel{cfg: cfg, opts: ApplyOptions(opts...)}, nil
	})}} {
		if err := r.Register(reg.name, reg.b); err != nil {
			t.Fatal(err)
		}
	}
	// A fresh registry has no detection patterns: bare class names need
	// them, as in DefaultRegistry.
	for pattern, typ := range map[string]string{`VAE$`: "vae", `GAN$`: "gan", `DDPM|DDIM`: "diffusion"} {
		if err := r.RegisterPattern(pattern, typ); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"text", "protein", "audio", "image", "tabular", "multi_modal"} {
		if err := r.RegisterModality(testModality{name: name}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func vaeConfig() config.ModelConfiguration {
	return config.ModelConfiguration{
		Name:       "my_vae",
		ModelClass: "artifex.generative_models.models.vae.VAE",
		InputDim:   config.Dims{28, 28, 1},
		HiddenDims: []int{512, 256},
		OutputDim:  config.Dims{64},
		Activation: "relu",
		Parameters: map[string]any{"encoder_type": "cnn", "decoder_type": "mlp"},
		Metadata:   map[string]any{"experiment_id": "exp_001"},
	}
}

func TestCreateModelUnknownTypeListsAvailableTypes(t *testing.T) {
	r := newTestRegistry(t)
	cfg := vaeConfig()
	cfg.ModelClass = "artifex.generative_models.models.unknown.Unknown"
	_, err := r.CreateModel(cfg, nn.NewRngs(42))
	want := "No builder registered for type 'unknown'. Available types: vae, gan, diffusion"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
	var ute *UnknownTypeError
	if !errors.As(err, &ute) || ute.Type != "unknown" {
		t.Fatalf("error is not an *UnknownTypeError for 'unknown': %#v", err)
	}
}

func TestCreateModelFamilyARegistryLacksIsUnknownThere(t *testing.T) {
	// A registry detects only the types registered in it: flow is a
	// module name in DefaultRegistry, not in this one.
	cfg := vaeConfig()
	cfg.ModelClass = "artifex.generative_models.models.flow.RealNVP"
	_, err := newTestRegistry(t).CreateModel(cfg, nn.NewRngs(1))
	if err == nil || err.Error() != "No builder registered for type 'unknown'. Available types: vae, gan, diffusion" {
		t.Fatalf("error = %v", err)
	}
	if _, err := DefaultRegistry().CreateModel(cfg, nn.NewRngs(1)); err == nil || strings.Contains(err.Error(), "No builder") {
		t.Fatalf("DefaultRegistry does not build flows: %v", err)
	}
}

func TestCreateModelRequiresModelClass(t *testing.T) {
	cfg := vaeConfig()
	cfg.ModelClass = ""
	_, err := newTestRegistry(t).CreateModel(cfg, nn.NewRngs(42))
	if err == nil || err.Error() != "model_class must be specified in configuration" {
		t.Fatalf("error = %v", err)
	}
	if !errors.Is(err, config.ErrMissingModelClass) {
		t.Fatal("error is not config.ErrMissingModelClass")
	}
}

func TestCreateModelUnknownModalityListsRegisteredModalitiesSorted(t *testing.T) {
	_, err := newTestRegistry(t).CreateModel(vaeConfig(), nn.NewRngs(42), WithModality("nonexistent"))
	want := "Failed to apply modality 'nonexistent': unknown modality; available: audio, image, multi_modal, protein, tabular, text"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
	if !errors.Is(err, ErrUnknownModality) {
		t.Fatal("error does not wrap ErrUnknownModality")
	}
}

func TestCreateModelAppliesModalityAdapterForTheFamily(t *testing.T) {
	m, err := newTestRegistry(t).CreateModel(vaeConfig(), nn.NewRngs(42), WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	tm := m.(*testModel)
	if tm.adapted != "protein/vae" || tm.wrapping == nil {
		t.Fatalf("adapted = %q, want the protein adapter applied to a vae", tm.adapted)
	}
}

func TestCreateModelReportsFailingModalityAdapter(t *testing.T) {
	r := NewRegistry()
	if err := r.Register("gan", BuilderFunc(func(cfg config.ModelConfiguration, _ *nn.Rngs, _ ...Option) (Model, error) {
		return &testModel{cfg: cfg}, nil
	})); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterModality(testModality{name: "protein", fail: true}); err != nil {
		t.Fatal(err)
	}
	cfg := vaeConfig()
	cfg.ModelClass = "gan.DCGAN"
	cfg.Parameters = nil
	_, err := r.CreateModel(cfg, nn.NewRngs(1), WithModality("protein"))
	if err == nil || err.Error() != "Failed to apply modality 'protein': gan models are not supported" {
		t.Fatalf("error = %v", err)
	}
}

func TestCreateModelKeepsUserParametersAndReportsAppliedDefaults(t *testing.T) {
	cfg := vaeConfig()
	m, err := newTestRegistry(t).CreateModel(cfg, nn.NewRngs(42))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"encoder_type": "cnn", "decoder_type": "mlp", "kl_weight": 1.0}
	if got := m.Config().Parameters; !reflect.DeepEqual(got, want) {
		t.Fatalf("effective parameters = %v, want %v", got, want)
	}
	if _, changed := cfg.Parameters["kl_weight"]; changed {
		t.Fatal("CreateModel changed the caller's parameters map")
	}
}

func TestCreateModelAcceptsPythonPathShortGoFormAndBareClass(t *testing.T) {
	r := newTestRegistry(t)
	for _, class := range []string{"artifex.generative_models.models.vae.VAE", "vae.VAE", "VAE", "vae.BetaVAE", "BetaVAE"} {
		cfg := vaeConfig()
		cfg.ModelClass = class
		cfg.Parameters = nil
		if _, err := r.CreateModel(cfg, nn.NewRngs(1)); err != nil {
			t.Errorf("%s: %v", class, err)
		}
	}
}

func TestCreateModelRejectsUnknownClassListingFamilyClasses(t *testing.T) {
	cfg := vaeConfig()
	cfg.ModelClass = "artifex.generative_models.models.vae.BetaVEA"
	_, err := newTestRegistry(t).CreateModel(cfg, nn.NewRngs(1))
	want := `factory: configuration "my_vae": unknown vae class "BetaVEA" (did you mean BetaVAE?); vae classes: BetaVAE, VAE`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
}

func TestCreateModelRejectsUnknownParameterListingKnownOnes(t *testing.T) {
	cfg := vaeConfig()
	cfg.Parameters["kl_wieght"] = 0.5
	_, err := newTestRegistry(t).CreateModel(cfg, nn.NewRngs(1))
	if err == nil {
		t.Fatal("unknown parameter accepted")
	}
	for _, want := range []string{`unknown parameter "kl_wieght" for vae`, "did you mean kl_weight?", "known parameters: decoder_type, encoder_type, kl_weight"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := newTestRegistry(t).Validate(cfg); err == nil {
		t.Error("Validate accepted the unknown parameter")
	}
}

func TestCreateModelRejectsInvalidConfigNamingFieldAndValue(t *testing.T) {
	cfg := vaeConfig()
	cfg.HiddenDims = []int{512, -3}
	_, err := newTestRegistry(t).CreateModel(cfg, nn.NewRngs(1))
	if err == nil || !strings.Contains(err.Error(), "hidden_dims[1] must be > 0, got -3") {
		t.Fatalf("error = %v", err)
	}
}

func TestCreateModelRequiresRngs(t *testing.T) {
	if _, err := newTestRegistry(t).CreateModel(vaeConfig(), nil); err == nil || !strings.Contains(err.Error(), "rngs") {
		t.Fatalf("error = %v", err)
	}
}

func TestCreateModelPassesBackboneToTheBuilder(t *testing.T) {
	r := newTestRegistry(t)
	cfg := config.ModelConfiguration{Name: "ddpm", ModelClass: "artifex.generative_models.models.diffusion.DDPM"}
	if _, err := r.CreateModel(cfg, nn.NewRngs(1)); err == nil || !strings.Contains(err.Error(), "a backbone is required") {
		t.Fatalf("builder error not reported: %v", err)
	}
	identity := BackboneFunc(func(x, _ *tensor.Tensor) *tensor.Tensor { return x })
	m, err := r.CreateModel(cfg, nn.NewRngs(1), WithBackbone(identity))
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(2)
	if got := m.(*testModel).opts.Backbone.Forward(x, nil); got != x {
		t.Fatal("builder did not receive the backbone")
	}
}

func TestRegistryRejectsDuplicateAndEmptyRegistrations(t *testing.T) {
	r := newTestRegistry(t)
	b := BuilderFunc(func(config.ModelConfiguration, *nn.Rngs, ...Option) (Model, error) { return nil, nil })
	if err := r.Register("vae", b); err == nil || !strings.Contains(err.Error(), `"vae"`) {
		t.Errorf("duplicate builder: %v", err)
	}
	if err := r.Register("", b); err == nil {
		t.Error("empty type name accepted")
	}
	if err := r.Register("flow", nil); err == nil {
		t.Error("nil builder accepted")
	}
	if err := r.RegisterModality(testModality{name: "image"}); err == nil {
		t.Error("duplicate modality accepted")
	}
	if got, want := r.Types(), []string{"vae", "gan", "diffusion"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Types = %v, want registration order %v", got, want)
	}
	if _, ok := r.Builder("gan"); !ok {
		t.Error("Builder(gan) not found")
	}
	if _, ok := r.Builder("flow"); ok {
		t.Error("Builder(flow) found after a failed registration")
	}
}

func TestCreateModelReportsBuilderReturningNoModel(t *testing.T) {
	r := NewRegistry()
	_ = r.Register("gan", BuilderFunc(func(config.ModelConfiguration, *nn.Rngs, ...Option) (Model, error) { return nil, nil }))
	if _, err := r.CreateModel(config.ModelConfiguration{ModelClass: "DCGAN"}, nn.NewRngs(1)); err == nil {
		t.Fatal("nil model accepted")
	}
}

func TestDefaultRegistryRegistersBuiltinsCleanly(t *testing.T) {
	r := DefaultRegistry()
	if r != DefaultRegistry() {
		t.Fatal("DefaultRegistry is not a single registry")
	}
	families := builtinFamilies(r)
	if len(r.Types()) != len(families) || len(r.Modalities()) != len(builtinModalities) || len(r.Backbones()) != len(builtinBackbones) {
		t.Fatalf("DefaultRegistry has types %v, modalities %v and backbones %v", r.Types(), r.Modalities(), r.Backbones())
	}
	for i, f := range families {
		if r.Types()[i] != f.name {
			t.Errorf("type %d = %q, want %q", i, r.Types()[i], f.name)
		}
	}
}
