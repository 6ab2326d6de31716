package tensor

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/internal/kernels"
)

// Above parallelGrain the arithmetic ops split their runs over cores, also
// when one operand is broadcast (a bias over [B, C, H, W], a row, a
// scalar): every element must be the float32 result of its own operands,
// wherever the split fell, with one thread or several.
func TestArithmeticOnLargeBroadcasts(t *testing.T) {
	defer kernels.SetThreads(kernels.Threads())
	const b, c, h, w = 3, 5, 67, 71 // 71 407 elements, runs of 4757
	x := randn(31, b, c, h, w)
	ops := []struct {
		name string
		f    func(a, b *Tensor) *Tensor
		ref  func(a, b float32) float32
		ulps float64
	}{
		{"Add", Add, func(a, b float32) float32 { return a + b }, 0},
		{"Sub", Sub, func(a, b float32) float32 { return a - b }, 0},
		{"Mul", Mul, func(a, b float32) float32 { return a * b }, 0},
		{"Div", Div, func(a, b float32) float32 { return a / b }, 2},
	}
	others := [][]int{{b, c, h, w}, {1, c, 1, 1}, {w}, {b, 1, h, 1}, {}}
	for _, threads := range []int{1, 2, 3} {
		kernels.SetThreads(threads)
		for si, shape := range others {
			y := AddScalar(randn(uint64(40+si), shape...), 0.5)
			for _, op := range ops {
				for _, swap := range []bool{false, true} {
					l, r := x, y
					if swap {
						l, r = y, x
					}
					got := op.f(l, r)
					if !SameShape(got.shape, x.shape) {
						t.Fatalf("%s of %v and %v: shape %v", op.name, l.shape, r.shape, got.shape)
					}
					for i := range got.data {
						want := op.ref(l.data[index(l.shape, x.shape, i)], r.data[index(r.shape, x.shape, i)])
						// Div by a broadcast value multiplies by its reciprocal,
						// one more rounding.
						if d := math.Abs(float64(got.data[i] - want)); d > op.ulps*math.Abs(float64(want))*0x1p-23 ||
							(op.ulps == 0 && math.Float32bits(got.data[i]) != math.Float32bits(want)) {
							t.Fatalf("%d threads, %s of %v and %v: element %d = %v, want %v", threads, op.name, l.shape, r.shape, i, got.data[i], want)
						}
					}
				}
			}
			e := Expand(y, x.shape)
			for i := range e.data {
				if want := y.data[index(y.shape, x.shape, i)]; e.data[i] != want {
					t.Fatalf("%d threads, Expand of %v: element %d = %v, want %v", threads, y.shape, i, e.data[i], want)
				}
			}
		}
		s, a := Scale(x, -1.5), AddScalar(x, 2.25)
		for i, v := range x.data {
			if s.data[i] != v*-1.5 || a.data[i] != v+2.25 {
				t.Fatalf("%d threads: Scale, AddScalar of %v = %v, %v", threads, v, s.data[i], a.data[i])
			}
		}
	}
}

// index returns the position in an operand of shape in (broadcast to out)
// of the output's flat element i.
func index(in, out []int, i int) int {
	pos, stride := 0, 1
	for k := len(out) - 1; k >= 0; k-- {
		d := i % out[k]
		i /= out[k]
		if j := len(in) - len(out) + k; j >= 0 && in[j] != 1 {
			pos += d * stride
			stride *= in[j]
		}
	}
	return pos
}

// Concat copies blocks of each input into place: every value must land at
// its position, for any number of threads.
func TestConcatLarge(t *testing.T) {
	defer kernels.SetThreads(kernels.Threads())
	a, b := randn(51, 9, 3, 40, 41), randn(52, 9, 5, 40, 41)
	for _, threads := range []int{1, 2, 4} {
		kernels.SetThreads(threads)
		got := Concat(1, a, b)
		for n := range 9 {
			for ch := range 8 {
				for i := range 40 * 41 {
					var want float32
					if ch < 3 {
						want = a.data[(n*3+ch)*1640+i]
					} else {
						want = b.data[(n*5+ch-3)*1640+i]
					}
					if g := got.data[(n*8+ch)*1640+i]; g != want {
						t.Fatalf("%d threads: Concat element (%d, %d, %d) = %v, want %v", threads, n, ch, i, g, want)
					}
				}
			}
		}
	}
}

// Concat's gradient is copied out of g during an ordinary backward pass and
// built from Narrow when recorded: both must hand each
// input exactly its slice of g, and an input without a gradient gets none.
func TestConcatGradientLarge(t *testing.T) {
	defer kernels.SetThreads(kernels.Threads())
	w := randn(55, 9, 10, 40, 41)
	for _, threads := range []int{1, 2, 4} {
		kernels.SetThreads(threads)
		for _, createGraph := range []bool{false, true} {
			a, b := randn(53, 9, 3, 40, 41).SetRequiresGrad(true), randn(54, 9, 5, 40, 41).SetRequiresGrad(true)
			c := randn(56, 9, 2, 40, 41) // no gradient
			loss := Sum(Mul(Concat(1, a, c, b), w))
			grads := Grad([]*Tensor{loss}, []*Tensor{a, b}, createGraph)
			for k, want := range []*Tensor{Narrow(w, 1, 0, 3), Narrow(w, 1, 5, 5)} {
				if !SameShape(grads[k].shape, want.shape) {
					t.Fatalf("%d threads, createGraph %v: gradient %d has shape %v, want %v", threads, createGraph, k, grads[k].shape, want.shape)
				}
				for i := range want.data {
					if grads[k].data[i] != want.data[i] {
						t.Fatalf("%d threads, createGraph %v: gradient %d element %d = %v, want %v", threads, createGraph, k, i, grads[k].data[i], want.data[i])
					}
				}
			}
		}
	}
}

// Sub's gradient for a broadcast b is the negated sum, taken after the
// reduction: checked against finite differences with both operands
// broadcast.
func TestSubGradientBroadcast(t *testing.T) {
	checkGrad(t, "Sub", func(xs []*Tensor) *Tensor { return Sub(xs[0], xs[1]) },
		randn(61, 2, 3, 4), randn(62, 3, 1))
	checkGrad(t, "Sub", func(xs []*Tensor) *Tensor { return Sub(xs[0], xs[1]) },
		randn(63, 3, 1), randn(64, 2, 3, 4))
}
