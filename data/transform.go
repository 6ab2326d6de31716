package data

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Transform maps a batch of images to what a model sees. Transforms return a
// new tensor and never modify their input; they do not record gradients.
type Transform func(x *tensor.Tensor) *tensor.Tensor

// Compose applies transforms left to right.
func Compose(ts ...Transform) Transform {
	return func(x *tensor.Tensor) *tensor.Tensor {
		for _, t := range ts {
			x = t(x)
		}
		return x
	}
}

// mapValues returns a tensor of x's shape holding f of each value.
func mapValues(x *tensor.Tensor, f func(v float32) float32) *tensor.Tensor {
	src := x.Data()
	out := make([]float32, len(src))
	for i, v := range src {
		out[i] = f(v)
	}
	return tensor.FromSlice(out, x.Shape()...)
}

// DynamicBinarize samples every pixel as 1 with its intensity as probability,
// fresh at each call, as in the binarised-MNIST benchmarks of VAE papers
// (the "dynamic" binarisation of Salakhutdinov & Murray, 2008). The draws come
// from s, so they are reproducible with its seed and resumable with its state.
func DynamicBinarize(s *tensor.Stream) Transform {
	return func(x *tensor.Tensor) *tensor.Tensor { return s.Bernoulli(x) }
}

// StaticBinarize sets pixels above threshold to 1 and the others to 0.
func StaticBinarize(threshold float32) Transform {
	return func(x *tensor.Tensor) *tensor.Tensor {
		return mapValues(x, func(v float32) float32 {
			if v > threshold {
				return 1
			}
			return 0
		})
	}
}

// Dequantize adds uniform noise to 8-bit intensities: a pixel x = k/255
// becomes (k + u)/256 with u uniform in [0, 1), a continuous value in
// [0, 1) whose density bounds the discrete likelihood (the dequantisation of
// RealNVP, Glow and MAF). The noise comes from s.
func Dequantize(s *tensor.Stream) Transform {
	return func(x *tensor.Tensor) *tensor.Tensor {
		return mapValues(x, func(v float32) float32 {
			k := float32(math.Round(float64(v) * 255))
			return (k + s.Float32()) / 256
		})
	}
}

// Logit maps values in [0, 1] to logit space: y = alpha + (1-2·alpha)·x,
// then log(y/(1-y)). alpha keeps the result finite at 0 and 1; RealNVP used
// 0.05 on CIFAR-10 and MAF 1e-6 on MNIST. alpha must be in (0, 0.5).
func Logit(alpha float64) (Transform, error) {
	if err := checkAlpha("Logit", alpha); err != nil {
		return nil, err
	}
	return func(x *tensor.Tensor) *tensor.Tensor {
		return mapValues(x, func(v float32) float32 {
			y := alpha + (1-2*alpha)*float64(v)
			return float32(math.Log(y) - math.Log1p(-y))
		})
	}, nil
}

// InverseLogit undoes Logit(alpha), mapping model samples back to [0, 1].
func InverseLogit(alpha float64) (Transform, error) {
	if err := checkAlpha("InverseLogit", alpha); err != nil {
		return nil, err
	}
	return func(z *tensor.Tensor) *tensor.Tensor {
		return mapValues(z, func(v float32) float32 {
			y := 1 / (1 + math.Exp(-float64(v)))
			return float32(min(max((y-alpha)/(1-2*alpha), 0), 1))
		})
	}, nil
}

// LogitLogDet returns, for each image of a batch x in [0, 1] (before Logit),
// the log-determinant of the Jacobian of Logit(alpha):
// Σ log(1-2·alpha) - log y - log(1-y). Adding it to a density in logit space
// gives the density in pixel space, as flow papers report bits per dimension.
func LogitLogDet(x *tensor.Tensor, alpha float64) ([]float64, error) {
	if err := checkAlpha("LogitLogDet", alpha); err != nil {
		return nil, err
	}
	data := x.Data()
	n := 1
	if x.NDim() > 0 {
		n = x.Dim(0)
	}
	out := make([]float64, n)
	if n == 0 {
		return out, nil
	}
	per := len(data) / n
	c := math.Log(1 - 2*alpha)
	for i := range out {
		sum := 0.0
		for _, v := range data[i*per : (i+1)*per] {
			y := alpha + (1-2*alpha)*float64(v)
			sum += c - math.Log(y) - math.Log1p(-y)
		}
		out[i] = sum
	}
	return out, nil
}

func checkAlpha(op string, alpha float64) error {
	if !(alpha > 0 && alpha < 0.5) {
		return fmt.Errorf("data: %s: alpha must be in (0, 0.5), got %g", op, alpha)
	}
	return nil
}

// Flatten reshapes a batch [B, C, H, W] to [B, C·H·W], for dense models.
// The result shares the batch's storage.
func Flatten() Transform {
	return func(x *tensor.Tensor) *tensor.Tensor {
		n := 1
		if x.NDim() > 0 {
			n = x.Dim(0)
		}
		per := 0
		if n > 0 {
			per = x.Size() / n
		}
		return tensor.FromSlice(x.Data(), n, per)
	}
}

// Signed maps [0, 1] to [-1, 1] as 2x-1, the range of tanh generators and of
// diffusion models.
func Signed() Transform {
	return func(x *tensor.Tensor) *tensor.Tensor {
		return mapValues(x, func(v float32) float32 { return 2*v - 1 })
	}
}
