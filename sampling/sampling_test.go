package sampling_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

func preset(t *testing.T, name string) models.Model {
	t.Helper()
	m, err := zoo.CreateModel(name, nn.NewRngs(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(m, false)
	return m
}

func TestKindOfAsksTheModelWhatItDraws(t *testing.T) {
	for name, want := range map[string]sampling.Kind{
		"vae_mnist":             sampling.Images,
		"diffusion_mnist":       sampling.Images,
		"nsf_tabular":           sampling.Points,
		"transformer_text":      sampling.Text,
		"pointcloud_primitives": sampling.Shapes,
		"cyclegan_mnist":        sampling.Translations,
	} {
		if got := sampling.KindOf(preset(t, name)); got != want {
			t.Errorf("KindOf(%s) = %s, want %s", name, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestDrawImagesRefusesOptionsTheModelHasNot(t *testing.T) {
	vae, ddpm := preset(t, "vae_mnist"), preset(t, "diffusion_mnist")
	for _, c := range []struct {
		name  string
		model models.Model
		n     int
		o     sampling.Options
		want  string
	}{
		{"a sampler for a VAE", vae, 2, sampling.Options{Sampler: "ddim"}, "not a diffusion model"},
		{"a temperature for a DDPM", ddpm, 2, sampling.Options{Temperature: ptr(0.5)}, "applies to flows and VAEs"},
		{"eta for the ancestral sampler", ddpm, 2, sampling.Options{Sampler: "ddpm", Eta: ptr(0.5)}, "eta is DDIM's parameter"},
		{"an unknown sampler", ddpm, 2, sampling.Options{Sampler: "euler"}, "allowed: ddpm, ddim"},
		{"zero steps", ddpm, 2, sampling.Options{Steps: ptr(0)}, "steps must be >= 1"},
		{"both kinds of option", vae, 2, sampling.Options{Steps: ptr(2), Temperature: ptr(1.0)}, "not both"},
		{"a zero temperature", vae, 2, sampling.Options{Temperature: ptr(0.0)}, "temperature must be > 0"},
		{"no samples", vae, 0, sampling.Options{}, "must be > 0"},
	} {
		_, err := sampling.DrawImages(c.model, c.n, c.o, tensor.NewRngs(0))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestDrawImagesDrawsWhatTheModelDraws: options left out keep the model's
// own sampler, and a Check between a DDPM's steps changes nothing drawn.
func TestDrawImagesDrawsWhatTheModelDraws(t *testing.T) {
	vae := preset(t, "vae_mnist")
	got, err := sampling.DrawImages(vae, 3, sampling.Options{}, tensor.NewRngs(4))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := sampling.SampleImages(vae, 3, tensor.NewRngs(4))
	if !slices.Equal(got.Data(), want.Data()) {
		t.Error("DrawImages without options differs from the model's SampleImages")
	}

	ddpm := preset(t, "diffusion_mnist") // DDIM, 50 steps, as configured
	plain, err := sampling.DrawImages(ddpm, 1, sampling.Options{}, tensor.NewRngs(4))
	if err != nil {
		t.Fatal(err)
	}
	checks := 0
	checked, err := sampling.DrawImages(ddpm, 1, sampling.Options{Check: func() error { checks++; return nil }}, tensor.NewRngs(4))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plain.Data(), checked.Data()) || checks != 50 {
		t.Errorf("with a Check: same samples %v, %d checks for the configured 50 steps", slices.Equal(plain.Data(), checked.Data()), checks)
	}
}

func TestFASTARecordsNameModelStepSeedAndSample(t *testing.T) {
	got := sampling.FASTARecords("seq", 12, 5, []string{"ACD--", "M-K"})
	if got[0].Header != "seq_1 model=seq step=12 seed=5 sample=1 length=3" || got[0].Sequence != "ACD" {
		t.Errorf("first record %+v", got[0])
	}
	if got[1].Header != "seq_2 model=seq step=12 seed=5 sample=2 length=3" || got[1].Sequence != "MXK" {
		t.Errorf("second record %+v (an inner gap is an unknown residue, X)", got[1])
	}
}

func TestOptionNamesSayWhatEachModelReads(t *testing.T) {
	for name, want := range map[string][]string{
		"vae_mnist":             {"temperature"},
		"diffusion_mnist":       {"sampler", "steps", "eta"},
		"nsf_tabular":           {"temperature"},
		"transformer_text":      {"temperature"},
		"gan_mnist":             nil,
		"pointcloud_primitives": nil,
	} {
		if got := sampling.OptionNames(preset(t, name)); !slices.Equal(got, want) {
			t.Errorf("OptionNames(%s) = %v, want %v", name, got, want)
		}
	}
}
