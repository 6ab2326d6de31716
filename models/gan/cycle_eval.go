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

// Classifier returns the class of each image of a batch [N, C, H, W] of
// domain-A images in [0, 1] (for MNIST, the metrics package's feature
// network).
type Classifier func(images *tensor.Tensor) ([]int, error)

// ClassPreservation measures whether the translations keep what the images
// of a labelled data set of domain A show, as judged by classify, which
// knows domain A only: source_accuracy is the fraction of the images
// themselves it labels right (the ceiling of the others);
// class_preservation_ab that of the A→B translations after the known
// domain-B transformation is undone (1 - x for inverted images);
// class_preservation_ba that of the B→A translations of the true domain-B
// images; class_preservation_cycle that of the reconstructions
// G_BA(G_AB(a)). cycle_error_bab is the mean |G_AB(G_BA(b)) - b| in [0, 1]
// pixel units, the other cycle's L1 (Evaluate gives cycle_error).
func (m *CycleGAN) ClassPreservation(test *data.Dataset, classify Classifier) (map[string]float64, error) {
	if test == nil || test.Len() == 0 {
		return nil, fmt.Errorf("gan: CycleGAN ClassPreservation: empty data set")
	}
	if len(test.Labels()) != test.Len() {
		return nil, fmt.Errorf("gan: CycleGAN ClassPreservation needs a labelled data set")
	}
	it, err := data.NewIterator(test, data.BatchOptions{Size: 256})
	if err != nil {
		return nil, err
	}
	nn.SetTraining(m, false)
	defer nn.SetTraining(m, true)
	right := map[string]int{}
	var bab float64
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		a, err := m.signed(b.Images)
		if err != nil {
			return nil, err
		}
		judged := map[string]*tensor.Tensor{"source_accuracy": a}
		tensor.NoGrad(func() {
			bTrue := m.domainB(a)
			fakeB, fakeA := m.AToB.Forward(a), m.BToA.Forward(bTrue)
			judged["class_preservation_ab"] = m.fromDomainB(fakeB)
			judged["class_preservation_ba"] = fakeA
			judged["class_preservation_cycle"] = m.BToA.Forward(fakeB)
			bab += float64(a.Dim(0)) * float64(tensor.Mean(tensor.L1(m.AToB.Forward(fakeA), bTrue)).Item()) / 2
		})
		for key, x := range judged {
			pred, err := classify(toUnitRange(x, "tanh"))
			if err != nil {
				return nil, fmt.Errorf("gan: CycleGAN ClassPreservation: classifier: %w", err)
			}
			for i, p := range pred {
				if p == b.Labels[i] {
					right[key]++
				}
			}
		}
	}
	n := float64(test.Len())
	out := map[string]float64{"cycle_error_bab": bab / n}
	for _, key := range []string{"source_accuracy", "class_preservation_ab", "class_preservation_ba", "class_preservation_cycle"} {
		out[key] = float64(right[key]) / n
	}
	return out, nil
}
