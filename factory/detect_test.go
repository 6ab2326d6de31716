package factory

import "testing"

func TestDetectModelTypeUsesModuleThenClassPatternThenUnknown(t *testing.T) {
	for class, want := range map[string]string{
		"artifex.generative_models.models.vae.VAE":                   "vae",
		"artifex.generative_models.models.vae.beta_vae.BetaVAE":      "vae",
		"artifex.generative_models.models.gan.DCGAN":                 "gan",
		"artifex.generative_models.models.diffusion.DDPM":            "diffusion",
		"artifex.generative_models.models.flow.real_nvp.RealNVP":     "flow",
		"artifex.generative_models.models.energy.EBM":                "ebm",
		"artifex.generative_models.models.ebm.DeepEBM":               "ebm",
		"artifex.generative_models.models.autoregressive.PixelCNN":   "autoregressive",
		"artifex.generative_models.models.geometric.PointCloudModel": "geometric",
		"github.com/artifex-go/artifex/models/vae.VAE":               "vae",
		"vae.VQVAE":            "vae",
		"gan.WGAN":             "gan",
		"VAE":                  "vae",
		"ConditionalVAE":       "vae",
		"CycleGAN":             "gan",
		"DDIM":                 "diffusion",
		"ScoreSDE":             "diffusion",
		"LatentDiffusionModel": "diffusion",
		"Glow":                 "flow",
		"MAF":                  "flow",
		"NeuralSplineFlow":     "flow",
		"EnergyModel":          "ebm",
		"PixelCNN":             "autoregressive",
		"GPT":                  "autoregressive",
		"TransformerLM":        "autoregressive",
		"WaveNet":              "autoregressive",
		"MeshModel":            "geometric",
		"GraphGenerator":       "geometric",
		"artifex.generative_models.models.unknown.Unknown": "unknown",
		"my.module.Thing": "unknown",
		"vae":             "unknown",
		"":                "unknown",
		"  ":              "unknown",
	} {
		if got := DetectModelType(class); got != want {
			t.Errorf("DetectModelType(%q) = %q, want %q", class, got, want)
		}
	}
}

func TestDetectModelTypePrefersModuleOverClassName(t *testing.T) {
	if got := DetectModelType("artifex.generative_models.models.gan.VAEGAN"); got != "gan" {
		t.Errorf("got %q, want gan (module wins)", got)
	}
	if got := DetectModelType("artifex.generative_models.models.diffusion.LatentVAE"); got != "diffusion" {
		t.Errorf("got %q, want diffusion (module wins)", got)
	}
}

func TestClassNameIsTheLastPathElement(t *testing.T) {
	for in, want := range map[string]string{
		"artifex.generative_models.models.gan.DCGAN": "DCGAN", "vae.VAE": "VAE", "VAE": "VAE",
		"github.com/artifex-go/artifex/models/vae.BetaVAE": "BetaVAE", "": "",
	} {
		if got := ClassName(in); got != want {
			t.Errorf("ClassName(%q) = %q, want %q", in, got, want)
		}
	}
}
