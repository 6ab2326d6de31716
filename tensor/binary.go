package tensor

import "math"

// These binary ops are far less frequent than Add or Mul, so their kernels
// index with the strides ia, ib ∈ {0, 1} directly instead of specialising
// each broadcasting case.

func powKernel(dst, a, b []float32, ia, ib int) {
	for i := range dst {
		dst[i] = float32(math.Pow(float64(a[i*ia]), float64(b[i*ib])))
	}
}

// Pow returns a^b elementwise with broadcasting. The gradient with respect
// to b, out·log(a), is taken as 0 where a == 0 (where out is 0 or 1 and the
// logarithm is -Inf), matching PyTorch.
func Pow(a, b *Tensor) *Tensor {
	out := broadcastBinary("Pow", a, b, powKernel)
	return record(out, "Pow", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = SumTo(Mul(g, Mul(b, Pow(a, AddScalar(b, -1)))), a.shape)
		}
		if b.requiresGrad {
			// Adding 1 at the zeros of a is a constant shift that makes log
			// read 0 there without cutting the graph through a elsewhere.
			zeros := mapUnary(a, func(dst, src []float32) {
				for i, v := range src {
					if v == 0 {
						dst[i] = 1
					}
				}
			})
			gb = SumTo(Mul(g, Mul(out, Log(Add(a, zeros)))), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Maximum returns the elementwise larger of a and b with broadcasting. The
// gradient goes to the larger operand; on ties it is split evenly, as in
// PyTorch.
func Maximum(a, b *Tensor) *Tensor { return extremum("Maximum", a, b, 1) }

// Minimum returns the elementwise smaller of a and b with broadcasting. The
// gradient goes to the smaller operand; on ties it is split evenly.
func Minimum(a, b *Tensor) *Tensor { return extremum("Minimum", a, b, -1) }

// extremum implements Maximum (dir = 1) and Minimum (dir = -1): comparing
// dir·a with dir·b turns one into the other.
func extremum(op string, a, b *Tensor, dir float32) *Tensor {
	out := broadcastBinary(op, a, b, func(dst, a, b []float32, ia, ib int) {
		for i := range dst {
			x, y := a[i*ia], b[i*ib]
			if dir*x >= dir*y || x != x {
				dst[i] = x
			} else {
				dst[i] = y
			}
		}
	})
	return record(out, op, func(g *Tensor) []*Tensor {
		// share[i] is a's part of the gradient at i: 1, 1/2 on a tie, or 0.
		share := broadcastBinary(op, a, b, func(dst, a, b []float32, ia, ib int) {
			for i := range dst {
				x, y := dir*a[i*ia], dir*b[i*ib]
				switch {
				case x > y:
					dst[i] = 1
				case x == y:
					dst[i] = 0.5
				}
			}
		})
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = SumTo(Mul(g, share), a.shape)
		}
		if b.requiresGrad {
			gb = SumTo(Mul(g, AddScalar(Neg(share), 1)), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}
