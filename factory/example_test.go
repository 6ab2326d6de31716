package factory_test

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/nn"
)

// The seed's first example: a VAE from a configuration.
func ExampleCreateModel() {
	cfg := config.ModelConfiguration{
		Name:       "my_vae",
		ModelClass: "artifex.generative_models.models.vae.VAE",
		InputDim:   config.Dims{28, 28, 1},
		HiddenDims: []int{512, 256},
		OutputDim:  config.Dims{64}, // latent_dim for a VAE
		Activation: "relu",
		Parameters: map[string]any{"encoder_type": "mlp", "decoder_type": "mlp", "beta": 1.0, "kl_weight": 1.0},
		Metadata:   map[string]any{"experiment_id": "exp_001"},
	}
	model, err := factory.CreateModel(cfg, nn.NewRngs(42))
	if err != nil {
		fmt.Println(err)
		return
	}
	eff := model.Config() // the configuration with every default filled in
	fmt.Println(factory.DetectModelType(cfg.ModelClass), nn.CountParameters(model))
	fmt.Println(eff.Parameters["reconstruction_loss"], eff.Parameters["data_format"])

	cfg.ModelClass = ""
	_, err = factory.CreateModel(cfg, nn.NewRngs(42))
	fmt.Println(err)
	// Output:
	// vae 1116560
	// bce channels_last
	// model_class must be specified in configuration
}

// echoModel is a user's model; any type with a Config method is a
// factory.Model.
type echoModel struct{ cfg config.ModelConfiguration }

func (m echoModel) Config() config.ModelConfiguration { return m.cfg }

// The seed's "Adding New Model Types" from a user's program: a builder,
// its registration, and a detection pattern. Here in a registry of its
// own; a program registers in factory.DefaultRegistry() the same way.
func ExampleRegistry_RegisterPattern() {
	reg := factory.NewRegistry()
	build := factory.BuilderFunc(func(cfg config.ModelConfiguration, _ *nn.Rngs, _ ...factory.Option) (factory.Model, error) {
		cfg.Parameters = factory.WithDefaults(cfg.Parameters, map[string]any{"my_param": "default", "another_param": 100})
		return echoModel{cfg}, nil
	})
	if err := reg.Register("my_model", build); err != nil {
		fmt.Println(err)
	}
	if err := reg.RegisterPattern(`.*MyModel$`, "my_model"); err != nil {
		fmt.Println(err)
	}
	fmt.Println(reg.DetectModelType("artifex.generative_models.models.my_module.MyModel"))
	fmt.Println(reg.DetectModelType("artifex.generative_models.models.my_model.Anything"))

	m, err := reg.CreateModel(config.ModelConfiguration{
		Name: "mine", ModelClass: "my_module.MyModel", Parameters: map[string]any{"my_param": "mine"},
	}, nn.NewRngs(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Config().Parameters)
	// Output:
	// my_model
	// my_model
	// map[another_param:100 my_param:mine]
}
