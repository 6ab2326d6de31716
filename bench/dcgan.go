package bench

import (
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/zoo"
)

// dcganWorkload times gan.GAN.TrainStep on the zoo's gan_mnist: one
// discriminator and one generator Adam step at batch 64 (torch_dcgan.py is
// its PyTorch twin).
func dcganWorkload() Workload {
	return Workload{
		Name:        "dcgan",
		Description: "one discriminator + one generator step of zoo gan_mnist (DCGAN, 28×28), batch 64, Adam 2e-4",
		Warmup:      3,
		Reps:        20,
		Setup: func() (func(), float64) {
			rngs := nn.NewRngs(0)
			m, err := zoo.CreateModel("gan_mnist", rngs, nil)
			if err != nil {
				panic(err)
			}
			g := m.(*gan.GAN)
			batch := data.Batch{Images: rngs.Stream("data").Uniform(0, 1, 64, 1, 28, 28)}
			return arenaStep(g.RecyclesForward(), func() {
				if _, err := g.TrainStep(batch, rngs); err != nil {
					panic(err)
				}
			}, g), 0
		},
	}
}
