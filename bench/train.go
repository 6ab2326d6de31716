package bench

import (
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// benchVAE is the reference script's 784-256-16 MLP VAE with a Bernoulli
// likelihood and one latent sample.
type benchVAE struct {
	Hidden, Mean, LogVar, DecHidden, DecOut *nn.Linear
	noise                                   *tensor.Stream
}

func (v *benchVAE) loss(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.ReLU(v.Hidden.Forward(x))
	m, lv := v.Mean.Forward(h), v.LogVar.Forward(h)
	eps := v.noise.Normal(m.Shape()...)
	z := tensor.Add(m, tensor.Mul(tensor.Exp(tensor.Scale(lv, 0.5)), eps))
	logits := v.DecOut.Forward(tensor.ReLU(v.DecHidden.Forward(z)))
	rec := tensor.SumAxes(tensor.BCEWithLogits(logits, x), []int{-1}, false)
	kl := tensor.SumAxes(tensor.KLStandardNormal(m, lv), []int{-1}, false)
	return tensor.Mean(tensor.Add(rec, kl))
}

func mlpVAEWorkload() Workload {
	return Workload{
		Name:        "mlp-vae",
		Description: "train step of the 784-256-16 MLP VAE, batch 64, Adam lr 1e-3",
		Warmup:      20,
		Reps:        200,
		Setup: func() (func(), float64) {
			rngs := nn.NewRngs(0)
			v := &benchVAE{
				Hidden: nn.NewLinear(rngs, 784, 256), Mean: nn.NewLinear(rngs, 256, 16), LogVar: nn.NewLinear(rngs, 256, 16),
				DecHidden: nn.NewLinear(rngs, 16, 256), DecOut: nn.NewLinear(rngs, 256, 784),
				noise: rngs.Sample(),
			}
			opt, err := optim.NewAdam(nn.Parameters(v), optim.AdamConfig{LR: 1e-3})
			if err != nil {
				panic(err)
			}
			x := rngs.Stream("data").BernoulliP(0.2, 64, 784)
			return arenaStep(true, func() {
				opt.ZeroGrad()
				v.loss(x).Backward()
				opt.Step()
			}, v, opt), 0
		},
	}
}

// benchConv is the reference script's two 3×3 convolutions with a linear
// classification head.
type benchConv struct {
	Conv1, Conv2 *nn.Conv2d
	Head         *nn.Linear
}

func conv2Workload() Workload {
	return Workload{
		Name:        "conv2",
		Description: "train step of two 3×3 conv layers (32 channels, 28×28, batch 32) + linear head, Adam lr 1e-3",
		Warmup:      5,
		Reps:        40,
		Setup: func() (func(), float64) {
			rngs := nn.NewRngs(0)
			net := &benchConv{
				Conv1: nn.NewConv2d(rngs, 1, 32, 3, 1, 1),
				Conv2: nn.NewConv2d(rngs, 32, 32, 3, 1, 1),
				Head:  nn.NewLinear(rngs, 32*28*28, 10),
			}
			opt, err := optim.NewAdam(nn.Parameters(net), optim.AdamConfig{LR: 1e-3})
			if err != nil {
				panic(err)
			}
			data := rngs.Stream("data")
			x := data.Normal(32, 1, 28, 28)
			y := make([]int, 32)
			for i := range y {
				y[i] = data.Intn(10)
			}
			return arenaStep(true, func() {
				opt.ZeroGrad()
				h := tensor.ReLU(net.Conv1.Forward(x))
				h = tensor.ReLU(net.Conv2.Forward(h))
				logits := net.Head.Forward(tensor.Flatten(h))
				tensor.Mean(tensor.CrossEntropy(logits, y)).Backward()
				opt.Step()
			}, net, opt), 0
		},
	}
}
