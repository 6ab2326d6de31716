package zoo_test

import (
	"fmt"
	"strings"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/zoo"
)

// The seed's zoo override example: each key lands where it is read.
func ExampleCreateModel() {
	model, err := zoo.CreateModel("gan_mnist", nn.NewRngs(0), zoo.Overrides{
		"hidden_dims":   []int{256, 128}, // a configuration field: replaced
		"learning_rate": 1e-4,            // a GAN's own optimizers: generator_lr and discriminator_lr
		"batch_size":    32,              // a training setting: metadata.training_defaults
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := model.Config()
	fmt.Println(cfg.HiddenDims, cfg.Parameters["generator_lr"], cfg.Parameters["discriminator_lr"])
	fmt.Println(cfg.Metadata["training_defaults"].(map[string]any)["batch_size"])

	_, err = zoo.CreateModel("gan_mnist", nn.NewRngs(0), zoo.Overrides{"learning_rte": 1e-4})
	fmt.Println(strings.SplitN(err.Error(), ";", 2)[0]) // the rest lists every accepted key
	// Output:
	// [256 128] 0.0001 0.0001
	// 32
	// zoo: config "gan_mnist": override "learning_rte": nothing reads this key (did you mean learning_rate?)
}
