package bench

import (
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// egnnWorkload is one training step of a 4-layer EGNN (width 64, 16 node
// features in and out) on fully connected 64-node graphs, batch 16:
// squared error of the output coordinates and features against fixed
// targets, backward, Adam. torch_egnn.py is its PyTorch twin.
func egnnWorkload() Workload {
	return Workload{
		Name:        "egnn",
		Description: "train step of a 4-layer EGNN (width 64) on 64-node graphs, batch 16, Adam lr 1e-3",
		Warmup:      2,
		Reps:        10,
		Setup: func() (func(), float64) {
			rngs := nn.NewRngs(0)
			net, err := geometric.NewEGNN(rngs, 16, 64, 16, 4)
			if err != nil {
				panic(err)
			}
			opt, err := optim.NewAdam(nn.Parameters(net), optim.AdamConfig{LR: 1e-3})
			if err != nil {
				panic(err)
			}
			s := rngs.Stream("data")
			h, x := s.Normal(16, 64, 16), s.Normal(16, 64, 3)
			ht, xt := s.Normal(16, 64, 16), s.Normal(16, 64, 3)
			return arenaStep(true, func() {
				opt.ZeroGrad()
				ho, xo := net.Forward(h, x, nil)
				loss := tensor.Add(tensor.Mean(tensor.MSE(xo, xt)), tensor.Mean(tensor.MSE(ho, ht)))
				loss.Backward()
				opt.Step()
			}, net, opt), 0
		},
	}
}
