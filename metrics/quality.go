package metrics

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// QualityOptions configure SampleQuality. Zero values take the defaults.
type QualityOptions struct {
	// KID sets KID's subsets (default 10 of min(1000, set sizes)).
	KID KIDOptions
	// Splits is the number of parts of the Inception-style score (default
	// 10, fewer when there are fewer images).
	Splits int
	// K is the neighbourhood size of precision/recall/density/coverage
	// (default 5).
	K int
	// PRDCSize caps the number of real and of generated images the k-NN
	// metrics compare, drawn at random (default 5000): their cost grows
	// with the product of the set sizes.
	PRDCSize int
}

// Quality metric names, the keys of SampleQuality's result.
const (
	KeyFID       = "fid"
	KeyKID       = "kid"
	KeyKIDStd    = "kid_std"
	KeyIS        = "inception_score"
	KeyISStd     = "inception_score_std"
	KeyPrecision = "precision"
	KeyRecall    = "recall"
	KeyDensity   = "density"
	KeyCoverage  = "coverage"
	// The ClassBalance of the generated images, reported with the
	// Inception-style score.
	KeyClassesPresent = "classes_present"
	KeyClassEntropy   = "class_entropy"
	KeyConfident      = "confident_fraction"
	KeyNumReal        = "num_real"
	KeyNumSampled     = "num_samples"
)

// SampleQuality compares generated images with real ones on the features
// of net: FID, KID (mean and standard deviation over subsets), the
// Inception-style score of the generated images with their class balance
// (classes present, label entropy, confident fraction), and precision, recall,
// density and coverage. Both image sets are [N, 1, 28, 28] in [0, 1]. The
// random subsets come from s.
func SampleQuality(net *FeatureNet, real, generated *tensor.Tensor, opts QualityOptions, s *tensor.Stream) (map[string]float64, error) {
	if opts.K == 0 {
		opts.K = 5
	}
	if opts.PRDCSize == 0 {
		opts.PRDCSize = 5000
	}
	if opts.K < 0 || opts.PRDCSize < 0 || opts.Splits < 0 {
		return nil, fmt.Errorf("metrics: quality options must be ≥ 0, got k=%d, PRDC size %d, splits %d", opts.K, opts.PRDCSize, opts.Splits)
	}
	rf, _, err := net.Activations(real)
	if err != nil {
		return nil, fmt.Errorf("metrics: real images: %w", err)
	}
	gf, gp, err := net.Activations(generated)
	if err != nil {
		return nil, fmt.Errorf("metrics: generated images: %w", err)
	}
	if len(gf) < 2 || len(rf) < 2 {
		return nil, fmt.Errorf("metrics: sample quality needs at least 2 real and 2 generated images, got %d and %d", len(rf), len(gf))
	}
	out := map[string]float64{KeyNumReal: float64(len(rf)), KeyNumSampled: float64(len(gf))}
	if out[KeyFID], err = FID(rf, gf); err != nil {
		return nil, err
	}
	if out[KeyKID], out[KeyKIDStd], err = KID(rf, gf, opts.KID, s); err != nil {
		return nil, err
	}
	splits := opts.Splits
	if splits == 0 {
		splits = min(10, len(gp))
	}
	if out[KeyIS], out[KeyISStd], err = InceptionScore(gp, splits); err != nil {
		return nil, err
	}
	b, err := BalanceOfClasses(gp)
	if err != nil {
		return nil, err
	}
	out[KeyClassesPresent], out[KeyClassEntropy], out[KeyConfident] = float64(b.Present), b.Entropy, b.Confident
	k := opts.K
	if n := min(len(rf), len(gf), opts.PRDCSize); k >= n {
		k = n - 1 // few images: the widest neighbourhood there is
	}
	p, err := ComputePRDC(subset(rf, opts.PRDCSize, s), subset(gf, opts.PRDCSize, s), k)
	if err != nil {
		return nil, err
	}
	out[KeyPrecision], out[KeyRecall], out[KeyDensity], out[KeyCoverage] = p.Precision, p.Recall, p.Density, p.Coverage
	return out, nil
}
