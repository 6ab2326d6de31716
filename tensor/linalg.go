package tensor

import (
	"fmt"
	"math"
)

// luFactor factors the n×n row-major matrix a (copied to float64) with
// partial pivoting: on return lu holds L (unit diagonal, below) and U (on and
// above the diagonal) of P·a = L·U, piv the row order and sign the
// permutation's parity. A zero pivot leaves the matrix singular; the caller
// decides what that means.
func luFactor(a []float32, n int) (lu []float64, piv []int, sign float64) {
	lu = make([]float64, n*n)
	for i, v := range a {
		lu[i] = float64(v)
	}
	piv = make([]int, n)
	for i := range piv {
		piv[i] = i
	}
	sign = 1
	for k := 0; k < n; k++ {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(lu[i*n+k]) > math.Abs(lu[p*n+k]) {
				p = i
			}
		}
		if p != k {
			for j := 0; j < n; j++ {
				lu[k*n+j], lu[p*n+j] = lu[p*n+j], lu[k*n+j]
			}
			piv[k], piv[p] = piv[p], piv[k]
			sign = -sign
		}
		d := lu[k*n+k]
		if d == 0 {
			continue
		}
		for i := k + 1; i < n; i++ {
			f := lu[i*n+k] / d
			lu[i*n+k] = f
			for j := k + 1; j < n; j++ {
				lu[i*n+j] -= f * lu[k*n+j]
			}
		}
	}
	return lu, piv, sign
}

// squareMatrix checks that x is a square matrix and returns its order.
func squareMatrix(op string, x *Tensor) int {
	if x.NDim() != 2 || x.shape[0] != x.shape[1] {
		panic(fmt.Sprintf("%s: want a square matrix, got shape %v", op, x.shape))
	}
	return x.shape[0]
}

// Inverse returns the inverse of the square matrix x, computed by an LU
// factorisation with partial pivoting in float64. Its gradient is
// -X⁻ᵀ·G·X⁻ᵀ, written with differentiable ops. A singular matrix panics.
func Inverse(x *Tensor) *Tensor {
	n := squareMatrix("Inverse", x)
	lu, piv, _ := luFactor(x.data, n)
	for k := 0; k < n; k++ {
		if lu[k*n+k] == 0 {
			panic(fmt.Sprintf("Inverse: matrix %v is singular", x.shape))
		}
	}
	out := empty(x.shape)
	col := make([]float64, n)
	for j := 0; j < n; j++ {
		// Solve L·U·col = P·e_j by forward then back substitution.
		for i := range col {
			if piv[i] == j {
				col[i] = 1
			} else {
				col[i] = 0
			}
		}
		for i := 0; i < n; i++ {
			for k := 0; k < i; k++ {
				col[i] -= lu[i*n+k] * col[k]
			}
		}
		for i := n - 1; i >= 0; i-- {
			for k := i + 1; k < n; k++ {
				col[i] -= lu[i*n+k] * col[k]
			}
			col[i] /= lu[i*n+i]
		}
		for i := 0; i < n; i++ {
			out.data[i*n+j] = float32(col[i])
		}
	}
	return record(out, "Inverse", func(g *Tensor) []*Tensor {
		return []*Tensor{Neg(MatMulT(out, MatMulT(g, out, false, true), true, false))}
	}, x)
}

// LogAbsDet returns log|det x| of the square matrix x as a scalar, from an
// LU factorisation in float64 (the sum of the log-magnitudes of U's
// diagonal). Its gradient is X⁻ᵀ. A singular matrix gives -Inf.
func LogAbsDet(x *Tensor) *Tensor {
	n := squareMatrix("LogAbsDet", x)
	lu, _, _ := luFactor(x.data, n)
	s := 0.0
	for k := 0; k < n; k++ {
		s += math.Log(math.Abs(lu[k*n+k]))
	}
	out := Scalar(float32(s))
	return record(out, "LogAbsDet", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(Transpose(Inverse(x), 0, 1), g)}
	}, x)
}
