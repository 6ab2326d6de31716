package metrics

import "github.com/artifex-go/artifex/tensor"

// Classify returns the class the network gives each image [N, 1, 28, 28]
// in [0, 1]: the most probable of the ten.
func (f *FeatureNet) Classify(images *tensor.Tensor) ([]int, error) {
	_, probs, err := f.Activations(images)
	if err != nil {
		return nil, err
	}
	classes := make([]int, len(probs))
	for i, p := range probs {
		for k := range p {
			if p[k] > p[classes[i]] {
				classes[i] = k
			}
		}
	}
	return classes, nil
}
