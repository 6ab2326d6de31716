package factory

import (
	"regexp"
	"strings"
)

// moduleTypes maps a module name found in a model class path to its type.
var moduleTypes = map[string]string{
	"vae": "vae", "gan": "gan", "diffusion": "diffusion", "flow": "flow",
	"ebm": "ebm", "energy": "ebm", "autoregressive": "autoregressive", "geometric": "geometric",
}

// classPatterns are tried in order on the class name when the path names
// no known module.
var classPatterns = []struct {
	re  *regexp.Regexp
	typ string
}{
	{regexp.MustCompile(`VAE$`), "vae"},
	{regexp.MustCompile(`GAN$`), "gan"},
	{regexp.MustCompile(`DDPM|DDIM|Diffusion|Score`), "diffusion"},
	{regexp.MustCompile(`RealNVP|Glow|MAF|IAF|Flow`), "flow"},
	{regexp.MustCompile(`EBM|Energy`), "ebm"},
	{regexp.MustCompile(`PixelCNN|Transformer|WaveNet|^GPT$`), "autoregressive"},
	{regexp.MustCompile(`PointCloud|Mesh|Graph`), "geometric"},
}

// DetectModelType returns the model type (family) a model class names:
// first a known module name in the path
// ("artifex.generative_models.models.vae.VAE" and "vae.VAE" → "vae";
// "energy" → "ebm"), then a pattern on the class name ("DCGAN" → "gan",
// "RealNVP" → "flow"), otherwise "unknown". Paths may use "." or "/".
func DetectModelType(modelClass string) string {
	parts := splitClass(modelClass)
	if len(parts) == 0 {
		return "unknown"
	}
	for i := len(parts) - 2; i >= 0; i-- {
		if typ, ok := moduleTypes[parts[i]]; ok {
			return typ
		}
	}
	class := parts[len(parts)-1]
	for _, p := range classPatterns {
		if p.re.MatchString(class) {
			return p.typ
		}
	}
	return "unknown"
}

// ClassName returns the bare class name of a model class path: its last
// "." or "/" separated element ("artifex.generative_models.models.gan.DCGAN"
// → "DCGAN").
func ClassName(modelClass string) string {
	parts := splitClass(modelClass)
	if len(parts) == 0 {
		return ""
	}
	return parts[len(parts)-1]
}

func splitClass(modelClass string) []string {
	return strings.FieldsFunc(strings.TrimSpace(modelClass), func(r rune) bool { return r == '.' || r == '/' })
}
