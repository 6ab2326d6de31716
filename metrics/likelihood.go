package metrics

import (
	"fmt"
	"math"
)

// BitsPerDim converts a negative log-likelihood in nats per example to
// bits per dimension, for examples of dims values: nll / (dims · ln 2).
func BitsPerDim(nllNats float64, dims int) (float64, error) {
	if dims <= 0 {
		return 0, fmt.Errorf("metrics: bits/dim needs dims > 0, got %d", dims)
	}
	return nllNats / (float64(dims) * math.Ln2), nil
}

// DiscreteNLL converts the negative log-density in nats of data scaled
// from 8-bit integers to [0, 1] (a dequantised model's test loss) to the
// negative log-probability of the integers: each of the dims values adds
// log 256 for the rescaling (Theis et al., 2016).
func DiscreteNLL(nllNats float64, dims int) float64 {
	return nllNats + float64(dims)*math.Log(256)
}

// IWAEBound returns the importance-weighted bound on −log p(x) from k
// log-weights log p(x, zᵢ) − log q(zᵢ|x) (Burda et al., 2016):
// −log((1/k) Σ exp(log wᵢ)), computed stably. k = 1 gives the negative
// ELBO of that sample.
func IWAEBound(logWeights []float64) (float64, error) {
	if len(logWeights) == 0 {
		return 0, fmt.Errorf("metrics: IWAE bound of no importance samples")
	}
	m := math.Inf(-1)
	for _, w := range logWeights {
		if math.IsNaN(w) {
			return 0, fmt.Errorf("metrics: IWAE bound of a NaN log-weight")
		}
		m = max(m, w)
	}
	if math.IsInf(m, -1) {
		return math.Inf(1), nil
	}
	var s float64
	for _, w := range logWeights {
		s += math.Exp(w - m)
	}
	return -(m + math.Log(s/float64(len(logWeights)))), nil
}
