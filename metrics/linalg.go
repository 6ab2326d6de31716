package metrics

import (
	"fmt"
	"math"
)

// SymEigen returns the eigenvalues and eigenvectors of the symmetric n×n
// matrix a (row-major; only its symmetric part is used), by the cyclic
// Jacobi method in float64: plane rotations that zero one off-diagonal
// entry each, swept until the off-diagonal mass is negligible. vecs holds
// the eigenvectors as columns (row-major n×n), so a = V·diag(vals)·Vᵀ.
// Jacobi is slower than tridiagonal QR for large n but accurate to high
// relative precision and short, and feature dimensions here are ~100.
func SymEigen(a []float64, n int) (vals, vecs []float64, err error) {
	if n <= 0 || len(a) != n*n {
		return nil, nil, fmt.Errorf("metrics: eigen-decomposition of a %d-element slice as %d×%d", len(a), n, n)
	}
	m := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			m[i*n+j] = (a[i*n+j] + a[j*n+i]) / 2
		}
	}
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	var total float64
	for _, x := range m {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, nil, fmt.Errorf("metrics: eigen-decomposition of a matrix holding %v", x)
		}
		total += x * x
	}
	const maxSweeps = 100
	for sweep := 0; ; sweep++ {
		var off float64
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				off += 2 * m[i*n+j] * m[i*n+j]
			}
		}
		if off <= 1e-30*total || off == 0 {
			break
		}
		if sweep == maxSweeps {
			return nil, nil, fmt.Errorf("metrics: Jacobi eigen-decomposition did not converge in %d sweeps", maxSweeps)
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				apq := m[p*n+q]
				if apq == 0 {
					continue
				}
				// The rotation angle that zeroes m[p][q]: t = tan φ is the
				// smaller root of t² + 2θt − 1 = 0, for stability.
				theta := (m[q*n+q] - m[p*n+p]) / (2 * apq)
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					kp, kq := m[k*n+p], m[k*n+q]
					m[k*n+p], m[k*n+q] = c*kp-s*kq, s*kp+c*kq
				}
				for k := 0; k < n; k++ {
					pk, qk := m[p*n+k], m[q*n+k]
					m[p*n+k], m[q*n+k] = c*pk-s*qk, s*pk+c*qk
				}
				for k := 0; k < n; k++ {
					kp, kq := v[k*n+p], v[k*n+q]
					v[k*n+p], v[k*n+q] = c*kp-s*kq, s*kp+c*kq
				}
			}
		}
	}
	vals = make([]float64, n)
	for i := range vals {
		vals[i] = m[i*n+i]
	}
	return vals, v, nil
}

// SqrtPSD returns the symmetric square root of the symmetric positive
// semi-definite n×n matrix a: V·diag(√λ)·Vᵀ, with eigenvalues below zero
// (rounding error of a singular matrix) taken as zero.
func SqrtPSD(a []float64, n int) ([]float64, error) {
	vals, vecs, err := SymEigen(a, n)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n*n)
	for k, l := range vals {
		r := math.Sqrt(max(l, 0))
		if r == 0 {
			continue
		}
		for i := 0; i < n; i++ {
			vi := vecs[i*n+k] * r
			for j := 0; j < n; j++ {
				out[i*n+j] += vi * vecs[j*n+k]
			}
		}
	}
	return out, nil
}

// matMul returns the n×n product a·b.
func matMul(a, b []float64, n int) []float64 {
	out := make([]float64, n*n)
	for i := 0; i < n; i++ {
		row := out[i*n : (i+1)*n]
		for k := 0; k < n; k++ {
			aik := a[i*n+k]
			if aik == 0 {
				continue
			}
			for j, bkj := range b[k*n : (k+1)*n] {
				row[j] += aik * bkj
			}
		}
	}
	return out
}
