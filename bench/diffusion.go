package bench

import (
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// mnistDDPM builds the zoo's diffusion_mnist model (its UNet is the one
// bench/torch_diffusion.py rebuilds).
func mnistDDPM() *diffusion.DDPM {
	m, err := zoo.CreateModel("diffusion_mnist", nn.NewRngs(0), nil)
	if err != nil {
		panic(err)
	}
	return m.(*diffusion.DDPM)
}

func ddpmUNetWorkload() Workload {
	return Workload{
		Name:        "ddpm-unet",
		Description: "DDPM train step of the diffusion_mnist UNet (16-32-32 channels, attention at 7×7), batch 32 of 28×28, Adam lr 1e-3",
		Warmup:      3,
		Reps:        20,
		Setup: func() (func(), float64) {
			m := mnistDDPM()
			opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 1e-3})
			if err != nil {
				panic(err)
			}
			rngs := tensor.NewRngs(1)
			batch := data.Batch{Images: rngs.Stream("data").Uniform(0, 1, 32, 1, 28, 28)}
			return arenaStep(true, func() {
				opt.ZeroGrad()
				loss, _ := m.TrainLoss(batch, rngs)
				loss.Backward()
				opt.Step()
			}, m, opt), 0
		},
	}
}

func ddimSampleWorkload() Workload {
	return Workload{
		Name:        "ddim-sample",
		Description: "DDIM sampling (η = 0, 50 steps) of 64 images with the diffusion_mnist UNet; one step is the whole draw",
		Warmup:      1,
		Reps:        3,
		Setup: func() (func(), float64) {
			m := mnistDDPM()
			rngs := tensor.NewRngs(1)
			return func() {
				if _, err := m.Sample(64, diffusion.SampleOptions{Sampler: diffusion.SamplerDDIM, Steps: 50}, rngs); err != nil {
					panic(err)
				}
			}, 0
		},
	}
}
