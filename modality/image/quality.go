package image

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// PSNR returns the peak signal-to-noise ratio in decibels between two
// batches of images of one shape with values in a range of width
// dataRange (1 for [0, 1]): 10·log10(dataRange² / MSE), the MSE over all
// values. Identical images give +Inf.
func PSNR(x, y *tensor.Tensor, dataRange float64) (float64, error) {
	if !tensor.SameShape(x.Shape(), y.Shape()) || x.Size() == 0 {
		return 0, fmt.Errorf("image: PSNR of images of shapes %v and %v (want one non-empty shape)", x.Shape(), y.Shape())
	}
	if dataRange <= 0 {
		return 0, fmt.Errorf("image: PSNR data range must be > 0, got %g", dataRange)
	}
	var mse float64
	yd := y.Data()
	for i, v := range x.Data() {
		d := float64(v) - float64(yd[i])
		mse += d * d
	}
	mse /= float64(x.Size())
	if mse == 0 {
		return math.Inf(1), nil
	}
	return 10 * math.Log10(dataRange*dataRange/mse), nil
}

// SSIM returns the mean structural similarity of two batches of images
// [N, C, H, W] (Wang et al., 2004) with the paper's settings: local
// statistics under an 11×11 Gaussian window of σ = 1.5 at every position
// where it fits (no padding), K₁ = 0.01, K₂ = 0.03, dataRange the width of
// the value range. The SSIM map is averaged over positions, channels and
// images; 1 means identical. Images must be at least 11×11.
func SSIM(x, y *tensor.Tensor, dataRange float64) (float64, error) {
	if !tensor.SameShape(x.Shape(), y.Shape()) || x.NDim() != 4 {
		return 0, fmt.Errorf("image: SSIM needs two batches [N, C, H, W] of one shape, got %v and %v", x.Shape(), y.Shape())
	}
	const size, sigma = 11, 1.5
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	if h < size || w < size || n == 0 || c == 0 {
		return 0, fmt.Errorf("image: SSIM needs images of at least %d×%d, got shape %v", size, size, x.Shape())
	}
	if dataRange <= 0 {
		return 0, fmt.Errorf("image: SSIM data range must be > 0, got %g", dataRange)
	}
	var win [size]float64
	var wsum float64
	for i := range win {
		d := float64(i - size/2)
		win[i] = math.Exp(-d * d / (2 * sigma * sigma))
		wsum += win[i]
	}
	for i := range win {
		win[i] /= wsum
	}
	c1, c2 := (0.01*dataRange)*(0.01*dataRange), (0.03*dataRange)*(0.03*dataRange)
	oh, ow := h-size+1, w-size+1
	xd, yd := x.Data(), y.Data()
	var total float64
	for p := 0; p < n*c; p++ {
		a, b := xd[p*h*w:(p+1)*h*w], yd[p*h*w:(p+1)*h*w]
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				var mx, my, sxx, syy, sxy float64
				for u := 0; u < size; u++ {
					for v := 0; v < size; v++ {
						g := win[u] * win[v]
						av, bv := float64(a[(i+u)*w+j+v]), float64(b[(i+u)*w+j+v])
						mx += g * av
						my += g * bv
						sxx += g * av * av
						syy += g * bv * bv
						sxy += g * av * bv
					}
				}
				vx, vy, cov := sxx-mx*mx, syy-my*my, sxy-mx*my
				total += (2*mx*my + c1) * (2*cov + c2) / ((mx*mx + my*my + c1) * (vx + vy + c2))
			}
		}
	}
	return total / float64(n*c*oh*ow), nil
}
