package diffusion

import (
	"fmt"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

var (
	_ models.Evaluator = (*DDPM)(nil)
	_ models.Evaluator = (*ScoreDiffusion)(nil)
	_ models.Averager  = (*DDPM)(nil)
	_ models.Averager  = (*ScoreDiffusion)(nil)
)

// Evaluate returns the training objective on a held-out set, with the
// weights the model samples with (the EMA's when it keeps one): "loss" is
// the mean over the examples of the denoising loss at one timestep and
// noise drawn per example from rngs' "noise" stream, "examples" their
// number. It measures how well the network denoises unseen data, not
// sample quality.
func (d *DDPM) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	return evaluateLoss(d, d.Backbone, d.ema, d.training, test, rngs, d.TrainLoss)
}

// Evaluate returns the denoising score-matching loss on a held-out set,
// as DDPM.Evaluate does.
func (m *ScoreDiffusion) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	return evaluateLoss(m, m.Backbone, m.ema, m.training, test, rngs, m.TrainLoss)
}

func evaluateLoss(m, backbone nn.Module, ema *optim.EMA, training bool, test *data.Dataset, rngs *tensor.Rngs,
	loss func(data.Batch, *tensor.Rngs) (*tensor.Tensor, map[string]float64)) (map[string]float64, error) {
	if test == nil || test.Len() == 0 {
		return nil, fmt.Errorf("diffusion: Evaluate: empty data set")
	}
	it, err := data.NewIterator(test, data.BatchOptions{Size: 256})
	if err != nil {
		return nil, err
	}
	total := 0.0
	var evalErr error
	// Without gradients TrainLoss leaves the EMA alone.
	err = withSamplingWeights(m, backbone, ema, training, false, func() {
		defer func() {
			if r := recover(); r != nil {
				evalErr = fmt.Errorf("diffusion: Evaluate: %v", r)
			}
		}()
		for b, ok := it.Next(); ok; b, ok = it.Next() {
			l, _ := loss(b, rngs)
			total += float64(l.Item()) * float64(b.Images.Dim(0))
		}
	})
	if err != nil {
		return nil, err
	}
	if evalErr != nil {
		return nil, evalErr
	}
	return map[string]float64{"loss": total / float64(test.Len()), "examples": float64(test.Len())}, nil
}
