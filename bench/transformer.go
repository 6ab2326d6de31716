package bench

import (
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// transformerWorkload is one training step of a byte-level Transformer
// language model (4 pre-norm blocks, width 128, 4 heads, feed-forward 512,
// learned positions, context 128, no dropout) on a batch of 16 random
// 129-byte rows: next-token cross-entropy, backward, Adam.
// torch_transformer.py is its PyTorch twin.
func transformerWorkload() Workload {
	return Workload{
		Name:        "transformer",
		Description: "train step of a byte-level Transformer LM (4 layers, d=128, 4 heads, ff 512, context 128), batch 16, Adam lr 1e-3",
		Warmup:      3,
		Reps:        20,
		Setup: func() (func(), float64) {
			rngs := nn.NewRngs(0)
			o := autoregressive.TransformerOptions{VocabSize: 256, ContextLength: 128, Dim: 128, Layers: 4, Heads: 4, FFDim: 512, Positions: autoregressive.LearnedPositions}
			m, err := autoregressive.NewTransformer(config.ModelConfiguration{Name: "bench", ModelClass: "Transformer"}, o, rngs)
			if err != nil {
				panic(err)
			}
			opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 1e-3})
			if err != nil {
				panic(err)
			}
			s := rngs.Stream("data")
			x := tensor.Zeros(16, 129)
			for i := range x.Data() {
				x.Data()[i] = float32(s.Intn(256))
			}
			batch := data.Batch{Images: x}
			return arenaStep(true, func() {
				opt.ZeroGrad()
				loss, _ := m.TrainLoss(batch, rngs)
				loss.Backward()
				opt.Step()
			}, m, opt), 0
		},
	}
}
