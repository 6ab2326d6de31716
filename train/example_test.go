package train_test

import (
	"context"
	"fmt"
	"os"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// autoencoder is a model of the user's: a struct of layers with a Config
// and a TrainLoss (models.Trainable) is all the trainer needs.
type autoencoder struct {
	Enc, Dec *nn.Linear
}

func (a *autoencoder) Config() config.ModelConfiguration {
	return config.ModelConfiguration{Name: "autoencoder", ModelClass: "example.Autoencoder", InputDim: config.Dims{28, 28, 1}}
}

// TrainLoss is the Bernoulli negative log-likelihood of the pixels, in
// nats per image.
func (a *autoencoder) TrainLoss(b data.Batch, _ *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x := tensor.Reshape(b.Images, b.Images.Shape()[0], -1)
	logits := a.Dec.Forward(tensor.Tanh(a.Enc.Forward(x)))
	loss := tensor.Scale(tensor.Mean(tensor.BCEWithLogits(logits, x)), 784)
	return loss, nil
}

// Training a model of one's own on 1,024 MNIST images for 40 steps: the
// loop, the optimizer, checkpoints and the loss curve come from train.
func ExampleNew() {
	mnist, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	images, _, _ := mnist.Split(1024)
	rngs := nn.NewRngs(0)
	model := &autoencoder{Enc: nn.NewLinear(rngs, 784, 32), Dec: nn.NewLinear(rngs, 32, 784)}

	s := train.DefaultSettings
	s.Steps, s.BatchSize, s.LearningRate = 40, 64, 3e-3
	out, _ := os.MkdirTemp("", "train-example")
	defer os.RemoveAll(out)
	var first, last float64
	t, err := train.New(model, images, rngs, s, train.Options{
		OutDir: out, Quiet: true, Samples: -1,
		OnStep: func(i train.StepInfo) {
			if i.Step == 1 {
				first = i.Loss
			}
			last = i.Loss
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := t.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Steps, "steps; the loss fell by more than a third:", last < first*2/3)
	// Output:
	// 40 steps; the loss fell by more than a third: true
}
