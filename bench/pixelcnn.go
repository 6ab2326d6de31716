package bench

import (
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/zoo"
)

// pixelCNNWorkload times one training step of the zoo's pixel_cnn_mnist
// (masked 7×7 type A convolution, 5 residual blocks of 32 maps, Bernoulli
// outputs) at batch 32 on 28×28 binary images, Adam 1e-3
// (torch_pixelcnn.py is its PyTorch twin).
func pixelCNNWorkload() Workload {
	return Workload{
		Name:        "pixelcnn",
		Description: "train step of zoo pixel_cnn_mnist (PixelCNN, 5 residual blocks, 32 maps, 28×28 binary), batch 32, Adam 1e-3",
		Warmup:      3,
		Reps:        20,
		Setup: func() (func(), float64) {
			rngs := nn.NewRngs(0)
			m, err := zoo.CreateModel("pixel_cnn_mnist", rngs, nil)
			if err != nil {
				panic(err)
			}
			p := m.(*autoregressive.PixelCNN)
			opt, err := optim.NewAdam(nn.Parameters(p), optim.AdamConfig{LR: 1e-3})
			if err != nil {
				panic(err)
			}
			batch := data.Batch{Images: rngs.Stream("data").BernoulliP(0.2, 32, 1, 28, 28)}
			return arenaStep(true, func() {
				opt.ZeroGrad()
				loss, _ := p.TrainLoss(batch, nil)
				loss.Backward()
				opt.Step()
			}, p, opt), 0
		},
	}
}
