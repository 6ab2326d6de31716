package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/artifex-go/artifex/config"
)

// Loading a configuration file: YAML or JSON by extension, strict.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "config-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "my_vae.yaml")
	os.WriteFile(path, []byte(`name: my_vae
model_class: artifex.generative_models.models.vae.VAE
input_dim: [28, 28, 1]
hidden_dims: [512, 256]
output_dim: 64
parameters:
  kl_weight: 1.0
`), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Name, cfg.InputDim, cfg.HiddenDims, cfg.OutputDim, cfg.Parameters["kl_weight"])

	os.WriteFile(path, []byte("name: my_vae\nmodel_class: VAE\nhiden_dims: [512]\n"), 0o644)
	_, err = config.Load(path)
	fmt.Println(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	// Output:
	// my_vae [28 28 1] [512 256] [64] 1
	// config: my_vae.yaml:3:1: unknown key "hiden_dims" (did you mean hidden_dims?); known keys: name, model_class, type, description, version, input_dim, hidden_dims, output_dim, activation, parameters, metadata, tags
}
