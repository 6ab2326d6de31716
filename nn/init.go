package nn

import (
	"fmt"
	"math"
	"sort"

	"github.com/artifex-go/artifex/tensor"
)

// Initializer makes a parameter tensor of the given shape, whose fan-in and
// fan-out are computed by the layer (PyTorch's rule: for weights of shape
// [out, in, k...] fan-in is in·k…, fan-out is out·k…).
type Initializer func(s *tensor.Stream, shape []int, fanIn, fanOut int) *tensor.Tensor

// XavierUniform (Glorot) draws from U(-a, a), a = gain·√(6/(fanIn+fanOut)).
func XavierUniform(gain float64) Initializer {
	return func(s *tensor.Stream, shape []int, fanIn, fanOut int) *tensor.Tensor {
		a := float32(gain * math.Sqrt(6/float64(fanIn+fanOut)))
		return s.Uniform(-a, a, shape...)
	}
}

// XavierNormal (Glorot) draws from N(0, σ²), σ = gain·√(2/(fanIn+fanOut)).
func XavierNormal(gain float64) Initializer {
	return func(s *tensor.Stream, shape []int, fanIn, fanOut int) *tensor.Tensor {
		return s.NormalScaled(0, float32(gain*math.Sqrt(2/float64(fanIn+fanOut))), shape...)
	}
}

// KaimingUniform (He) draws from U(-b, b), b = gain·√(3/fanIn).
func KaimingUniform(gain float64) Initializer {
	return func(s *tensor.Stream, shape []int, fanIn, _ int) *tensor.Tensor {
		b := float32(gain * math.Sqrt(3/float64(fanIn)))
		return s.Uniform(-b, b, shape...)
	}
}

// KaimingNormal (He) draws from N(0, σ²), σ = gain/√fanIn.
func KaimingNormal(gain float64) Initializer {
	return func(s *tensor.Stream, shape []int, fanIn, _ int) *tensor.Tensor {
		return s.NormalScaled(0, float32(gain/math.Sqrt(float64(fanIn))), shape...)
	}
}

// Normal draws from N(0, std²).
func Normal(std float64) Initializer {
	return func(s *tensor.Stream, shape []int, _, _ int) *tensor.Tensor {
		return s.NormalScaled(0, float32(std), shape...)
	}
}

// Uniform draws from U(-bound, bound).
func Uniform(bound float64) Initializer {
	return func(s *tensor.Stream, shape []int, _, _ int) *tensor.Tensor {
		return s.Uniform(-float32(bound), float32(bound), shape...)
	}
}

// ZerosInit makes zeros.
func ZerosInit() Initializer {
	return func(_ *tensor.Stream, shape []int, _, _ int) *tensor.Tensor { return tensor.Zeros(shape...) }
}

// Orthogonal makes a (semi-)orthogonal matrix scaled by gain: the first
// axis against the product of the others, from the QR decomposition of a
// Gaussian matrix with the signs fixed so the result is uniformly
// distributed (Saxe et al. 2014).
func Orthogonal(gain float64) Initializer {
	return func(s *tensor.Stream, shape []int, _, _ int) *tensor.Tensor {
		rows := shape[0]
		cols := 1
		for _, d := range shape[1:] {
			cols *= d
		}
		// Orthonormalise the rows of the taller orientation by modified
		// Gram-Schmidt in float64, which is QR without storing R.
		tall, wide := max(rows, cols), min(rows, cols)
		q := make([][]float64, wide)
		for i := range q {
			q[i] = make([]float64, tall)
			for j := range q[i] {
				q[i][j] = s.NormFloat64()
			}
			for k := 0; k < i; k++ {
				var d float64
				for j := range q[i] {
					d += q[i][j] * q[k][j]
				}
				for j := range q[i] {
					q[i][j] -= d * q[k][j]
				}
			}
			var norm float64
			for _, v := range q[i] {
				norm += v * v
			}
			norm = math.Sqrt(norm)
			for j := range q[i] {
				q[i][j] /= norm
			}
		}
		out := tensor.Zeros(shape...)
		d := out.Data()
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				// q holds `wide` orthonormal vectors of length `tall`.
				var v float64
				if rows >= cols {
					v = q[c][r]
				} else {
					v = q[r][c]
				}
				d[r*cols+c] = float32(gain * v)
			}
		}
		return out
	}
}

// initializers maps config names to initialisers with their usual gains.
var initializers = map[string]Initializer{
	"xavier_uniform":  XavierUniform(1),
	"glorot_uniform":  XavierUniform(1),
	"xavier_normal":   XavierNormal(1),
	"glorot_normal":   XavierNormal(1),
	"kaiming_uniform": KaimingUniform(math.Sqrt2),
	"he_uniform":      KaimingUniform(math.Sqrt2),
	"kaiming_normal":  KaimingNormal(math.Sqrt2),
	"he_normal":       KaimingNormal(math.Sqrt2),
	"normal":          Normal(0.02),
	"zeros":           ZerosInit(),
	"orthogonal":      Orthogonal(1),
}

// InitializerByName returns the initialiser a configuration names.
func InitializerByName(name string) (Initializer, error) {
	if f, ok := initializers[name]; ok {
		return f, nil
	}
	names := make([]string, 0, len(initializers))
	for n := range initializers {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("nn: unknown initializer %q (known: %v)", name, names)
}

// param marks an initialised tensor as trainable.
func param(t *tensor.Tensor) *tensor.Tensor { return t.SetRequiresGrad(true) }

// torchDefault is PyTorch's default for Linear and Conv weights and biases:
// U(-1/√fanIn, 1/√fanIn) (kaiming_uniform with a=√5 reduces to this).
func torchDefault(s *tensor.Stream, fanIn int, shape ...int) *tensor.Tensor {
	b := float32(1 / math.Sqrt(float64(max(fanIn, 1))))
	return param(s.Uniform(-b, b, shape...))
}
