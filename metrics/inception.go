package metrics

import (
	"fmt"
	"math"
)

// InceptionScore returns the Inception-style score of class probabilities
// p(y|x), one row per generated image (Salimans et al., 2016, with this
// package's classifier in Inception's place):
//
//	exp(E_x KL(p(y|x) ‖ p(y))),  p(y) the mean of p(y|x) over the split,
//
// computed on splits consecutive parts of the rows, with the mean and
// the standard deviation over the parts. It lies between 1 (every image
// the same class distribution) and the number of classes (confident and
// evenly spread predictions).
func InceptionScore(probs [][]float64, splits int) (mean, std float64, err error) {
	if _, err := checkRows("score", probs); err != nil {
		return 0, 0, err
	}
	if splits <= 0 || splits > len(probs) {
		return 0, 0, fmt.Errorf("metrics: Inception score splits must be in [1, %d] (the number of images), got %d", len(probs), splits)
	}
	scores := make([]float64, splits)
	for s := range scores {
		part := probs[s*len(probs)/splits : (s+1)*len(probs)/splits]
		py := make([]float64, len(part[0]))
		for _, p := range part {
			for k, v := range p {
				py[k] += v / float64(len(part))
			}
		}
		var kl float64
		for _, p := range part {
			for k, v := range p {
				if v > 0 {
					kl += v * (math.Log(v) - math.Log(py[k]))
				}
			}
		}
		scores[s] = math.Exp(kl / float64(len(part)))
	}
	mean, std = meanStd(scores)
	return mean, std, nil
}
