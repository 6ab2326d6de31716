package metrics

import (
	"fmt"
	"slices"
	"strings"

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
	// Progress, when set, is told after each batch of images that
	// SampleQuality passes through the feature network how many of all
	// of them, real and generated, have been through it.
	Progress func(done, total int)
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

// ClassifierKey returns the name under which a metric of SampleQuality,
// computed on the features of TrainedFeatureNet(dataset), is reported, so
// that the name says which features it stands on and an FID of the MNIST
// classifier is not read as one of Inception: "fid" on MNIST is
// "fid_mnist_classifier", on Fashion-MNIST "fid_fashion_mnist_classifier".
// The counts, any other key and every key of a data set without a trained
// network keep their names.
func ClassifierKey(key, dataset string) string {
	switch key {
	case KeyFID, KeyKID, KeyKIDStd, KeyIS, KeyISStd, KeyPrecision, KeyRecall, KeyDensity, KeyCoverage,
		KeyClassesPresent, KeyClassEntropy, KeyConfident:
	default:
		return key
	}
	name := featureNetName(dataset)
	if !slices.Contains(FeatureDatasets(), name) {
		return key
	}
	return key + "_" + strings.ReplaceAll(name, "-", "_") + "_classifier"
}

// SampleQuality compares generated images with real ones on the features
// of net: FID, KID (mean and standard deviation over subsets), the
// Inception-style score of the generated images with their class balance
// (classes present, label entropy, confident fraction), and precision, recall,
// density and coverage. Both image sets are [N, 1, 28, 28] in [0, 1]. The
// random subsets come from s.
func SampleQuality(net *FeatureNet, real, generated *tensor.Tensor, opts QualityOptions, s *tensor.Stream) (map[string]float64, error) {
	if opts.K < 0 || opts.PRDCSize < 0 || opts.Splits < 0 {
		return nil, fmt.Errorf("metrics: quality options must be ≥ 0, got k=%d, PRDC size %d, splits %d", opts.K, opts.PRDCSize, opts.Splits)
	}
	total := real.Dim(0) + generated.Dim(0)
	report := func(before int) func(int) {
		if opts.Progress == nil {
			return nil
		}
		return func(done int) { opts.Progress(before+done, total) }
	}
	rf, _, err := net.activations(real, report(0))
	if err != nil {
		return nil, fmt.Errorf("metrics: real images: %w", err)
	}
	gf, gp, err := net.activations(generated, report(real.Dim(0)))
	if err != nil {
		return nil, fmt.Errorf("metrics: generated images: %w", err)
	}
	out, err := featureQuality(rf, gf, opts, s)
	if err != nil {
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
	return out, nil
}

// featureQuality returns FID, KID and precision, recall, density and
// coverage of generated feature vectors gf against real ones rf, with
// the set sizes, under the Key names.
func featureQuality(rf, gf [][]float64, opts QualityOptions, s *tensor.Stream) (map[string]float64, error) {
	if opts.K == 0 {
		opts.K = 5
	}
	if opts.PRDCSize == 0 {
		opts.PRDCSize = 5000
	}
	if len(gf) < 2 || len(rf) < 2 {
		return nil, fmt.Errorf("metrics: sample quality needs at least 2 real and 2 generated images, got %d and %d", len(rf), len(gf))
	}
	out := map[string]float64{KeyNumReal: float64(len(rf)), KeyNumSampled: float64(len(gf))}
	var err error
	if out[KeyFID], err = FID(rf, gf); err != nil {
		return nil, err
	}
	if out[KeyKID], out[KeyKIDStd], err = KID(rf, gf, opts.KID, s); err != nil {
		return nil, err
	}
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

// PixelPrefix starts the names of PixelQuality's metrics, so that they
// are never read as the feature-space ones.
const PixelPrefix = "pixel_"

// PixelSide is the side of the average-pooled images PixelQuality
// compares.
const PixelSide = 8

// PixelQuality is SampleQuality for data sets without a trained feature
// network (CIFAR-10, CelebA): FID, KID and precision, recall, density and
// coverage on PixelFeatures (PixelSide×PixelSide per channel) instead of
// a classifier's features, under the Key names with PixelPrefix
// ("pixel_fid" ...). They see colour and layout but not shape, so they
// only rank models of one data set against each other and against the
// real-data floor; there is no Inception-style score without a
// classifier. Both image sets are [N, C, H, W] in [0, 1] of one shape.
func PixelQuality(real, generated *tensor.Tensor, opts QualityOptions, s *tensor.Stream) (map[string]float64, error) {
	if opts.K < 0 || opts.PRDCSize < 0 {
		return nil, fmt.Errorf("metrics: quality options must be ≥ 0, got k=%d, PRDC size %d", opts.K, opts.PRDCSize)
	}
	rf, err := PixelFeatures(real, PixelSide)
	if err != nil {
		return nil, fmt.Errorf("metrics: real images: %w", err)
	}
	gf, err := PixelFeatures(generated, PixelSide)
	if err != nil {
		return nil, fmt.Errorf("metrics: generated images: %w", err)
	}
	if len(rf[0]) != len(gf[0]) {
		return nil, fmt.Errorf("metrics: real images %v and generated images %v differ in shape", real.Shape()[1:], generated.Shape()[1:])
	}
	q, err := featureQuality(rf, gf, opts, s)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(q))
	for k, v := range q {
		out[PixelPrefix+k] = v
	}
	return out, nil
}

// PixelFeatures returns each image of [N, C, H, W] averaged over a
// side×side grid of cells per channel (cell i spans rows i·H/side up to
// (i+1)·H/side, likewise for columns) as a vector of C·side² values.
func PixelFeatures(images *tensor.Tensor, side int) ([][]float64, error) {
	if images.NDim() != 4 || images.Dim(0) == 0 || side <= 0 || images.Dim(2) < side || images.Dim(3) < side {
		return nil, fmt.Errorf("metrics: pixel features of %d×%d cells need images [N, C, H, W] at least that large, got shape %v", side, side, images.Shape())
	}
	n, c, h, w := images.Dim(0), images.Dim(1), images.Dim(2), images.Dim(3)
	vals := images.Data()
	out := make([][]float64, n)
	for i := range out {
		row := make([]float64, 0, c*side*side)
		for ch := range c {
			plane := vals[(i*c+ch)*h*w : (i*c+ch+1)*h*w]
			for cy := range side {
				for cx := range side {
					y0, y1, x0, x1 := cy*h/side, (cy+1)*h/side, cx*w/side, (cx+1)*w/side
					sum := 0.0
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							sum += float64(plane[y*w+x])
						}
					}
					row = append(row, sum/float64((y1-y0)*(x1-x0)))
				}
			}
		}
		out[i] = row
	}
	return out, nil
}
