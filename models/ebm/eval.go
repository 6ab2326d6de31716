package ebm

import (
	"fmt"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/tensor"
)

// evalBatch is the number of examples per energy evaluation.
const evalBatch = 256

// DefaultEvalSamples is the number of Langevin samples Evaluate draws.
const DefaultEvalSamples = 256

// Evaluate implements models.Evaluator. An EBM has no tractable
// likelihood, so it reports how its energy separates data from what is
// not data, as mean energies over the test set and over as many uniform
// noise examples (drawn in the data range), and over DefaultEvalSamples
// samples drawn as SampleImages draws them:
//
//   - "energy_data", "energy_noise", "energy_samples";
//   - "gap_noise" = energy_noise − energy_data: positive when the model
//     prefers test data to noise;
//   - "gap_samples" = energy_samples − energy_data: near zero when the
//     sampler's output is as probable as data under the model;
//   - "examples".
//
// Noise and chains use the "eval" and "langevin" streams of rngs.
func (m *EBM) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test == nil || test.Len() == 0 {
		return nil, fmt.Errorf("ebm: evaluate: empty test set")
	}
	if got := prod(test.ImageShape()); got != prod(m.shape) {
		return nil, fmt.Errorf("ebm: evaluate: test examples of shape %v do not fit input_dim %v", test.ImageShape(), m.opts.InputShape)
	}
	if rngs == nil {
		return nil, fmt.Errorf("ebm: evaluate: rngs must not be nil: noise and samples are drawn")
	}
	n := test.Len()
	it, err := data.NewIterator(test, data.BatchOptions{Size: evalBatch})
	if err != nil {
		return nil, fmt.Errorf("ebm: evaluate: %w", err)
	}
	noise := rngs.Stream("eval")
	var sumData, sumNoise float64
	for {
		b, ok := it.Next()
		if !ok {
			break
		}
		sumData += m.energySum(b.Images)
		sumNoise += m.energySum(m.Buffer.Noise(b.Images.Dim(0), noise))
	}
	k := min(DefaultEvalSamples, n)
	samples := m.Sample(k, rngs)
	eData, eNoise, eSamples := sumData/float64(n), sumNoise/float64(n), m.energySum(samples)/float64(k)
	return map[string]float64{
		"energy_data": eData, "energy_noise": eNoise, "energy_samples": eSamples,
		"gap_noise": eNoise - eData, "gap_samples": eSamples - eData,
		"examples": float64(n),
	}, nil
}

// energySum returns the sum of the energies of a batch, without history.
func (m *EBM) energySum(x *tensor.Tensor) float64 {
	var s float64
	tensor.NoGrad(func() {
		for _, e := range m.Energy(x).Data() {
			s += float64(e)
		}
	})
	return s
}
