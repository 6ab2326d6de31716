package factory

import (
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// FuzzCreateModel builds fuzzed configurations: any document the
// configuration reader accepts must build or be refused with an error,
// never panic. Tensors are capped at 2^20 values so that a run explores
// shapes rather than memory. Fuzz longer with
//
//	go test -run '^$' -fuzz FuzzCreateModel -fuzztime 5m ./factory
func FuzzCreateModel(f *testing.F) {
	for _, seed := range []string{
		"name: v\nmodel_class: VAE\ninput_dim: [28, 28, 1]\nhidden_dims: [32]\noutput_dim: 4\n",
		"name: v\nmodel_class: vae.BetaVAE\ninput_dim: [1, 8, 8]\nhidden_dims: [8, 8]\nparameters: {encoder_type: cnn, beta: 4.0, kl_weight: 0.5}\n",
		"name: g\nmodel_class: DCGAN\ninput_dim: 16\nhidden_dims: [16, 8]\noutput_dim: [3, 16, 16]\n",
		"name: d\nmodel_class: DDPM\ninput_dim: [2]\nhidden_dims: [16]\nparameters: {noise_steps: 20}\n",
		"name: s\nmodel_class: ScoreBased\ninput_dim: [4, 3]\nhidden_dims: [8]\nparameters: {num_layers: 1, num_heads: 2}\n",
		"name: f\nmodel_class: RealNVP\ninput_dim: [8, 8, 1]\nhidden_dims: [8]\nparameters: {num_scales: 1}\n",
		"name: f\nmodel_class: NeuralSplineFlow\ninput_dim: 2\nhidden_dims: [8, 8]\n",
		"name: e\nmodel_class: EBM\ninput_dim: [2]\nhidden_dims: [8]\n",
		"name: p\nmodel_class: PixelCNN\ninput_dim: [8, 8, 1]\nhidden_dims: [8]\nparameters: {num_residual_blocks: 1, output_hidden_channels: 8, num_levels: 2}\n",
		"name: t\nmodel_class: GPT\ninput_dim: 16\nhidden_dims: [16]\noutput_dim: 256\nparameters: {num_layers: 1, num_heads: 2}\n",
		"name: m\nmodel_class: PointCloud\ninput_dim: [16, 3]\nhidden_dims: [8]\n",
		"name: q\nmodel_class: Graph\ninput_dim: [8, 5]\nhidden_dims: [8]\nparameters: {noise_steps: 10}\n",
		"name: x\nmodel_class: DDPM\ninput_dim: [3, 3, 3]\nparameters: {data_format: channels_first}\nhidden_dims: [4]\n",
	} {
		f.Add([]byte(seed))
	}
	old := tensor.MaxElements
	tensor.MaxElements = 1 << 20
	f.Cleanup(func() { tensor.MaxElements = old })
	f.Fuzz(func(t *testing.T, doc []byte) {
		cfg, err := config.Parse(doc, "fuzz.yaml")
		if err != nil {
			return
		}
		m, err := CreateModel(cfg, nn.NewRngs(0))
		if err == nil && m == nil {
			t.Fatal("no model and no error")
		}
	})
}
