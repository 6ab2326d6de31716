package gan

import (
	"fmt"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Evaluate measures both translations on a data set of domain-A images,
// whose domain-B counterparts are known (DomainB of each image):
// translation_error_ab is the mean |G_AB(a) - b| and translation_error_ba
// the mean |G_BA(b) - a|, cycle_error the mean |G_BA(G_AB(a)) - a|, all
// in [0, 1] pixel units; "images" is the number of images.
func (m *CycleGAN) Evaluate(test *data.Dataset, _ *tensor.Rngs) (map[string]float64, error) {
	if test == nil || test.Len() == 0 {
		return nil, fmt.Errorf("gan: CycleGAN Evaluate: empty data set")
	}
	it, err := data.NewIterator(test, data.BatchOptions{Size: 256})
	if err != nil {
		return nil, err
	}
	nn.SetTraining(m, false)
	defer nn.SetTraining(m, true)
	var ab, ba, cycle float64
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		a, err := m.signed(b.Images)
		if err != nil {
			return nil, err
		}
		tensor.NoGrad(func() {
			bTrue := m.domainB(a)
			fakeB, fakeA := m.AToB.Forward(a), m.BToA.Forward(bTrue)
			n := float64(a.Dim(0))
			// Signed images span 2 units per pixel unit: halve the errors.
			ab += n * float64(tensor.Mean(tensor.L1(fakeB, bTrue)).Item()) / 2
			ba += n * float64(tensor.Mean(tensor.L1(fakeA, a)).Item()) / 2
			cycle += n * float64(tensor.Mean(tensor.L1(m.BToA.Forward(fakeB), a)).Item()) / 2
		})
	}
	n := float64(test.Len())
	return map[string]float64{"translation_error_ab": ab / n, "translation_error_ba": ba / n, "cycle_error": cycle / n, "images": n}, nil
}

// Translations returns, for images x [n, C, H, W] of domain A in [0, 1],
// four rows of n images in [0, 1]: x, G_AB(x), the true domain-B images
// and G_BA of those, so that a grid n wide shows each translation under
// its source.
func (m *CycleGAN) Translations(x *tensor.Tensor) (*tensor.Tensor, error) {
	a, err := m.signed(x)
	if err != nil {
		return nil, err
	}
	nn.SetTraining(m, false)
	defer nn.SetTraining(m, true)
	var out *tensor.Tensor
	tensor.NoGrad(func() {
		b := m.domainB(a)
		out = toUnitRange(tensor.Concat(0, a, m.AToB.Forward(a), b, m.BToA.Forward(b)), "tanh")
	})
	return out, nil
}
