package bench

import (
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// realNVPWorkload is one training step of the zoo's flow_mnist_realnvp
// (dequantisation, logit transform, forward with log-det, backward, Adam)
// on a batch of 64 random 8-bit 28×28 images; torch_realnvp.py is its
// PyTorch twin.
func realNVPWorkload() Workload {
	return Workload{
		Name:        "realnvp",
		Description: "train step of flow_mnist_realnvp (RealNVP, 2 scales, 64-wide coupling nets, ActNorm, split prior), batch 64, Adam lr 1e-3",
		Warmup:      3,
		Reps:        20,
		Setup:       flowStepSetup("flow_mnist_realnvp"),
	}
}

// flowStepSetup returns the Setup of one training step of the zoo's image
// flow name (dequantisation, logit transform, forward with log-det,
// backward, Adam lr 1e-3) on a batch of 64 random 8-bit 28×28 images.
func flowStepSetup(name string) func() (func(), float64) {
	return func() (func(), float64) {
		rngs := nn.NewRngs(0)
		m, err := zoo.CreateModel(name, rngs, nil)
		if err != nil {
			panic(err)
		}
		model := m.(models.Trainable)
		opt, err := optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3})
		if err != nil {
			panic(err)
		}
		s := rngs.Stream("data")
		x := tensor.Zeros(64, 1, 28, 28)
		for i := range x.Data() {
			x.Data()[i] = float32(s.Intn(256)) / 255
		}
		batch := data.Batch{Images: x}
		return arenaStep(true, func() {
			opt.ZeroGrad()
			loss, _ := model.TrainLoss(batch, rngs)
			loss.Backward()
			opt.Step()
		}, model, opt), 0
	}
}
